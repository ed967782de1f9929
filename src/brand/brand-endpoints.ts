/**
 * The five brand endpoints of the seed ("Some APIs for Internal Usage"), named once so the
 * client, its observers and `orderline brand-check` speak of them the same way. Labels are
 * templates: they never hold a customer's phone or email, so they are safe in logs.
 */
export const BRAND_ENDPOINTS = {
  order: 'GET /order/{orderId}',
  customerByPhone: 'GET /personal-details/{phone}',
  customerByEmail: 'GET /personal-details?email={email}',
  recentOrders: 'GET /get-orders/{phone}',
  cancelOrder: 'POST /cancel-order',
} as const;

export type BrandEndpoint = keyof typeof BRAND_ENDPOINTS;

/**
 * An order id as a path segment, or null when no encoding can make it one. encodeURIComponent
 * leaves dots alone, and URL parsing removes the dot segments "." and ".." (also spelt with
 * %2E), so `/order/..` would reach `{baseUrl}/`: a forged list reply (`track:..`) must not
 * make us call some other endpoint of the brand. An empty id would ask for `/order/` itself.
 */
function orderSegment(orderId: string): string | null {
  return orderId === '' || orderId === '.' || orderId === '..' ? null : encodeURIComponent(orderId);
}

/** Paths relative to the tenant's base URL; every variable part is URL-encoded here. */
export const brandPaths = {
  /** Null for an id that cannot name an order's path (see orderSegment): no such order exists there. */
  order: (orderId: string): string | null => {
    const segment = orderSegment(orderId);
    return segment === null ? null : `/order/${segment}`;
  },
  /** `phoneSegment` comes from phonePathSegment (already encoded for its format). */
  customerByPhone: (phoneSegment: string): string => `/personal-details/${phoneSegment}`,
  customerByEmail: (email: string): string => `/personal-details?email=${encodeURIComponent(email)}`,
  recentOrders: (phoneSegment: string): string => `/get-orders/${phoneSegment}`,
  cancelOrder: (): string => '/cancel-order',
};

/** The cancel body, exactly as the seed gives it: these three keys and no others. */
export interface CancelOrderBody {
  id: string;
  cancellationReason: string;
  cancelledBy: 'bot';
}

export function cancelOrderBody(orderId: string, reason: string): CancelOrderBody {
  return { id: orderId, cancellationReason: reason, cancelledBy: 'bot' };
}
