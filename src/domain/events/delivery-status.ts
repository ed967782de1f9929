/**
 * The seed's four delivery statuses, how brands spell them, and the order they may move in.
 * Shopify's fulfillment events are finer grained; they fold onto the seed's four so a
 * Shopify-based brand can forward its webhooks unchanged.
 */
import type { DeliveryStatus } from './model.js';

/**
 * Keys are compared with case, `-`, `_` and spaces removed, so "In-transit", "IN_TRANSIT",
 * "in transit" and "intransit" are one status.
 */
const STATUS_BY_KEY: ReadonlyMap<string, DeliveryStatus> = new Map<string, DeliveryStatus>([
  ['dispatched', 'dispatched'],
  ['labelprinted', 'dispatched'],
  ['labelpurchased', 'dispatched'],
  ['confirmed', 'dispatched'],
  ['carrierpickedup', 'dispatched'],
  ['readyforpickup', 'dispatched'],
  ['intransit', 'in_transit'],
  ['outfordelivery', 'in_transit'],
  ['attempteddelivery', 'in_transit'],
  ['delayed', 'in_transit'],
  ['delivered', 'delivered'],
  ['pickedup', 'delivered'],
  ['returned', 'returned'],
  ['failure', 'returned'],
  ['returningtosender', 'returned'],
  ['returnedtosender', 'returned'],
]);

/** The accepted values (any case or separator), for the message that refuses an unknown one. */
export const ACCEPTED_DELIVERY_STATUSES: readonly string[] = [
  'Dispatched',
  'In-transit',
  'Delivered',
  'Returned',
  'label_printed',
  'label_purchased',
  'confirmed',
  'carrier_picked_up',
  'ready_for_pickup',
  'out_for_delivery',
  'attempted_delivery',
  'delayed',
  'picked_up',
  'failure',
  'returning_to_sender',
  'returned_to_sender',
];

function statusKey(s: string): string {
  return s.toLowerCase().replace(/[-_\s]+/g, '');
}

export function parseDeliveryStatus(s: string): DeliveryStatus | null {
  return STATUS_BY_KEY.get(statusKey(s)) ?? null;
}

const RANK: Readonly<Record<DeliveryStatus, number>> = {
  dispatched: 1,
  in_transit: 2,
  delivered: 3,
  // Highest: a return may follow any step, and once returned nothing else applies.
  returned: 4,
};

export function deliveryRank(status: DeliveryStatus): number {
  return RANK[status];
}

/**
 * Whether `next` is progress after `current`. Senders retry and reorder, so a repeat or a
 * step backwards (a late "In-transit" after "Delivered") must not notify anyone again.
 */
export function canAdvance(current: DeliveryStatus | null, next: DeliveryStatus): boolean {
  return current === null || RANK[next] > RANK[current];
}
