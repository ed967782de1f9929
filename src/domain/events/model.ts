/**
 * The internal model every guest API body is normalised into. Both payload families
 * (BusinessOnBot's camelCase bodies and Shopify's REST shapes) end up here, so later
 * stages (notification planning, cart recovery, the bot) read one shape only.
 *
 * Conventions: ids are strings (a Shopify id above 2^53 arrives as a string from the
 * lossless JSON parser); money is a decimal string as sent; times are ISO-8601 UTC
 * strings; an absent value is `null`, never `undefined` or "".
 */

export type EventKind =
  | 'order_created'
  | 'order_cancelled'
  | 'fulfillment_created'
  | 'delivery_updated'
  | 'cart_abandoned';

/** The seed's four delivery statuses, in the order delivery normally moves through them. */
export type DeliveryStatus = 'dispatched' | 'in_transit' | 'delivered' | 'returned';

export type PaymentMethod = 'prepaid' | 'cod' | 'unknown';

export interface Address {
  name: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  address1: string | null;
  address2: string | null;
  city: string | null;
  province: string | null;
  /** As the brand wrote it: a name ("India") or a code, whichever it sent. */
  country: string | null;
  /** ISO 3166-1 alpha-2 (see country-code.ts): the country to read this address's national phone numbers in. */
  countryCode: string | null;
  zip: string | null;
}

export interface LineItem {
  title: string;
  variantTitle: string | null;
  quantity: number;
  price: string | null;
  sku: string | null;
  productId: string | null;
  variantId: string | null;
  imageUrl: string | null;
}

export interface Customer {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  /** The phone exactly as the brand sent it; normalised to E.164 when a message is planned. */
  phone: string | null;
  /**
   * The country (ISO 3166-1 alpha-2) to read `phone` in when it is national: the country of
   * the address it was taken from, else the shipping address's, else the billing address's;
   * null when none names one (the tenant's default country applies).
   */
  phoneCountry: string | null;
}

export interface Tracking {
  company: string | null;
  number: string | null;
  url: string | null;
}

export interface Order {
  id: string;
  /** The number customers know, e.g. "#1581" (`name`), else `#order_number`. */
  number: string | null;
  createdAt: string | null;
  cancelledAt: string | null;
  cancelReason: string | null;
  customer: Customer;
  total: string | null;
  currency: string | null;
  payment: PaymentMethod;
  statusUrl: string | null;
  lineItems: LineItem[];
  shippingAddress: Address | null;
  billingAddress: Address | null;
  checkoutToken: string | null;
  cartToken: string | null;
  channel: string | null;
  tracking: Tracking | null;
  /**
   * The order's shipping state as the brand reports it, lowercased (BusinessOnBot's
   * `shipment_details.status`, Shopify's `fulfillment_status`), or null when it says none.
   */
  shipmentStatus: string | null;
  note: string | null;
}

export interface Fulfillment {
  id: string;
  orderId: string;
  name: string | null;
  status: string | null;
  tracking: Tracking;
  lineItems: LineItem[];
  /** `destination.phone` when present (Shopify), else `phone`. */
  phone: string | null;
  /** The country `destination` names (ISO 3166-1 alpha-2), to read `phone` in; null when it names none. */
  phoneCountry: string | null;
  email: string | null;
}

export interface DeliveryUpdate {
  orderId: string;
  fulfillmentId: string;
  deliveryId: string | null;
  idAlias: string | null;
  status: DeliveryStatus;
  /** The status string as the brand sent it. */
  sourceStatus: string;
  /** `delivered_at`, else `happened_at`, else the time the event was received. */
  occurredAt: string;
}

export interface Cart {
  /** `token`, else `id`, else `cart_token`, else `abandoned_cart_id`. */
  key: string;
  token: string | null;
  cartToken: string | null;
  checkoutId: string | null;
  /** `abandoned_cart_time`, else `updated_at`, else `created_at`, else the time received. */
  cartTime: string;
  /** False when the sender gave no time and `cartTime` is the time received. */
  cartTimeGiven: boolean;
  completedAt: string | null;
  orderId: string | null;
  /** True when the cart reports `completed_at` or an `order_id`. */
  recovered: boolean;
  customer: Customer;
  lineItems: LineItem[];
  total: string | null;
  currency: string | null;
  recoveryUrl: string | null;
}

export type NormalizedEvent =
  | { kind: 'order_created'; order: Order }
  | { kind: 'order_cancelled'; order: Order }
  | { kind: 'fulfillment_created'; fulfillment: Fulfillment }
  | { kind: 'delivery_updated'; delivery: DeliveryUpdate }
  | { kind: 'cart_abandoned'; cart: Cart };

/** One reason a body was refused; `path` is a JSON pointer such as `/order_id`. */
export interface PayloadIssue {
  path: string;
  message: string;
}

export type NormalizeResult<T> = { ok: true; value: T } | { ok: false; issues: PayloadIssue[] };
