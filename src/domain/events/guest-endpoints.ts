import type { EventKind } from './model.js';

/** The five guest API paths and the event kind each one receives. */
export const GUEST_ENDPOINTS = {
  '/orders-create': 'order_created',
  '/orders-cancelled': 'order_cancelled',
  '/fulfillments-create': 'fulfillment_created',
  '/fulfillments-events-create': 'delivery_updated',
  '/abandoned-cart': 'cart_abandoned',
} as const satisfies Record<string, EventKind>;

export type GuestPath = keyof typeof GUEST_ENDPOINTS;
