/**
 * What makes two guest events "the same" (BRIEF.md): the dedup key of each kind, and the
 * delivery progress key under which statuses may only move forward.
 */
import type { NormalizedEvent } from './model.js';

export function resourceKeyOf(event: NormalizedEvent): string {
  switch (event.kind) {
    case 'order_created':
    case 'order_cancelled':
      return event.order.id;
    case 'fulfillment_created':
      return event.fulfillment.id;
    case 'delivery_updated':
      return `${event.delivery.orderId}|${event.delivery.fulfillmentId}|${event.delivery.status}`;
    case 'cart_abandoned':
      // Without a time from the sender, a retry would get a new receive time: key on the cart alone.
      return event.cart.cartTimeGiven ? `${event.cart.key}|${event.cart.cartTime}` : event.cart.key;
  }
}

/** Delivery progress is tracked per (order, fulfillment). */
export function deliveryProgressKey(orderId: string, fulfillmentId: string): string {
  return `${orderId}|${fulfillmentId}`;
}
