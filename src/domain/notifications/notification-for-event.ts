/**
 * Which notification an event becomes (BRIEF.md, notification kinds), and which category of
 * message that is: order updates are utility, cart reminders marketing.
 */
import type { NormalizedEvent } from '../events/model.js';
import type { NotificationKind } from '../tenants/tenant-settings.js';

export function notificationKindFor(event: NormalizedEvent): NotificationKind | null {
  switch (event.kind) {
    case 'order_created':
      return event.order.payment === 'cod' ? 'order_confirmed_cod' : 'order_confirmed';
    case 'order_cancelled':
      return 'order_cancelled';
    case 'fulfillment_created':
      return 'order_shipped';
    case 'delivery_updated':
      return `order_${event.delivery.status}`;
    case 'cart_abandoned':
      // Cart reminders are timed sequences of their own (cart recovery), not one message.
      return null;
  }
}

/** Kinds that must not follow a cancellation of the same order. */
export const AFTER_SHIPPING: ReadonlySet<NotificationKind> = new Set([
  'order_shipped',
  'order_dispatched',
  'order_in_transit',
  'order_delivered',
  'order_returned',
]);

export function orderIdOf(event: NormalizedEvent): string | null {
  switch (event.kind) {
    case 'order_created':
    case 'order_cancelled':
      return event.order.id;
    case 'fulfillment_created':
      return event.fulfillment.orderId;
    case 'delivery_updated':
      return event.delivery.orderId;
    case 'cart_abandoned':
      return event.cart.orderId;
  }
}
