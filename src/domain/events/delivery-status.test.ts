import { describe, expect, it } from 'vitest';
import { canAdvance, deliveryRank, parseDeliveryStatus } from './delivery-status.js';
import type { DeliveryStatus } from './model.js';

describe('parseDeliveryStatus', () => {
  const table: [string, DeliveryStatus][] = [
    ['Dispatched', 'dispatched'],
    ['In-transit', 'in_transit'],
    ['Delivered', 'delivered'],
    ['Returned', 'returned'],
    ['label_printed', 'dispatched'],
    ['label_purchased', 'dispatched'],
    ['confirmed', 'dispatched'],
    ['carrier_picked_up', 'dispatched'],
    ['ready_for_pickup', 'dispatched'],
    ['in_transit', 'in_transit'],
    ['out_for_delivery', 'in_transit'],
    ['attempted_delivery', 'in_transit'],
    ['delayed', 'in_transit'],
    ['delivered', 'delivered'],
    ['picked_up', 'delivered'],
    ['failure', 'returned'],
    ['returning_to_sender', 'returned'],
    ['returned_to_sender', 'returned'],
  ];
  it.each(table)('maps %s to %s', (input, expected) => {
    expect(parseDeliveryStatus(input)).toBe(expected);
  });

  it('ignores case, -, _ and spaces', () => {
    for (const s of ['in transit', 'IN_TRANSIT', 'InTransit', 'intransit', 'in-Transit', ' In - transit ', 'Out-For-Delivery']) {
      expect(parseDeliveryStatus(s), s).toBe('in_transit');
    }
    expect(parseDeliveryStatus('DELIVERED')).toBe('delivered');
    expect(parseDeliveryStatus('Returned To Sender')).toBe('returned');
  });

  it('refuses anything else', () => {
    for (const s of ['', 'shipped', 'cancelled', 'deliver', 'in transit now', 'pending']) {
      expect(parseDeliveryStatus(s), s).toBeNull();
    }
  });
});

describe('deliveryRank and canAdvance', () => {
  it('ranks dispatched < in_transit < delivered < returned', () => {
    expect([deliveryRank('dispatched'), deliveryRank('in_transit'), deliveryRank('delivered'), deliveryRank('returned')]).toEqual([1, 2, 3, 4]);
  });
  it('lets any status start the progress', () => {
    for (const s of ['dispatched', 'in_transit', 'delivered', 'returned'] as const) expect(canAdvance(null, s)).toBe(true);
  });
  it('moves forward, including skipping steps', () => {
    expect(canAdvance('dispatched', 'in_transit')).toBe(true);
    expect(canAdvance('dispatched', 'delivered')).toBe(true);
  });
  it('lets Returned follow any status', () => {
    for (const s of ['dispatched', 'in_transit', 'delivered'] as const) expect(canAdvance(s, 'returned')).toBe(true);
  });
  it('never repeats, moves backwards, or follows Returned', () => {
    expect(canAdvance('delivered', 'in_transit')).toBe(false);
    expect(canAdvance('in_transit', 'in_transit')).toBe(false);
    expect(canAdvance('in_transit', 'dispatched')).toBe(false);
    for (const s of ['dispatched', 'in_transit', 'delivered', 'returned'] as const) expect(canAdvance('returned', s)).toBe(false);
  });
});
