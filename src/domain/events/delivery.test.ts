import { describe, expect, it } from 'vitest';
import { normalizeDelivery } from './delivery.js';
import { okValue, seedDeliveryEvent, shopifyFulfillmentEvent } from './fixtures.js';

const received = new Date('2024-03-08T00:00:00.000Z');
const delivery = (body: unknown) => okValue(normalizeDelivery(body, received));

describe('normalizeDelivery: the seed body', () => {
  it('maps every field, with id as the order id', () => {
    expect(delivery(seedDeliveryEvent())).toEqual({
      orderId: '4331283087516',
      fulfillmentId: 'F-9001',
      deliveryId: 'DLV-77',
      idAlias: '#1581',
      status: 'delivered',
      sourceStatus: 'Delivered',
      occurredAt: '2021-10-26T09:15:00.000Z',
    });
  });
  it('accepts numeric ids and the optional fields absent', () => {
    const d = delivery({ id: 4331283087516, fulfillment_id: 9001, status: 'In-transit' });
    expect(d).toMatchObject({ orderId: '4331283087516', fulfillmentId: '9001', deliveryId: null, idAlias: null, status: 'in_transit' });
  });
  it('accepts camelCase orderId, fulfillmentId, deliveryId, deliveredAt', () => {
    const d = delivery({ orderId: 'O1', fulfillmentId: 'F1', deliveryId: 'D1', status: 'dispatched', deliveredAt: 1709856000 });
    expect(d).toMatchObject({ orderId: 'O1', fulfillmentId: 'F1', deliveryId: 'D1', status: 'dispatched', occurredAt: '2024-03-08T00:00:00.000Z' });
  });
});

describe('normalizeDelivery: Shopify fulfillment event', () => {
  it('takes order_id as the order and id as the event (delivery) id', () => {
    expect(delivery(shopifyFulfillmentEvent())).toEqual({
      orderId: '5735266369709823012',
      fulfillmentId: '4876543210987654321',
      deliveryId: '27310977892491',
      idAlias: null,
      status: 'in_transit',
      sourceStatus: 'out_for_delivery',
      occurredAt: '2024-03-07T12:01:00.000Z',
    });
  });
  it('unwraps {fulfillment_event: {...}} and reports paths inside it', () => {
    expect(delivery({ fulfillment_event: shopifyFulfillmentEvent() }).orderId).toBe('5735266369709823012');
    expect(normalizeDelivery({ fulfillment_event: shopifyFulfillmentEvent({ status: 'lost' }) }, received)).toMatchObject({
      ok: false,
      issues: [{ path: '/fulfillment_event/status' }],
    });
  });
  it('prefers an explicit delivery_id over the event id', () => {
    expect(delivery(shopifyFulfillmentEvent({ delivery_id: 'D-1' })).deliveryId).toBe('D-1');
  });
  it('reports a bad order_id instead of falling back to the event id', () => {
    expect(normalizeDelivery(shopifyFulfillmentEvent({ order_id: {} }), received)).toEqual({ ok: false, issues: [{ path: '/order_id', message: 'must be a string or number' }] });
  });
});

describe('normalizeDelivery: occurredAt', () => {
  it('is delivered_at first', () => {
    expect(delivery(seedDeliveryEvent({ happened_at: '2020-01-01T00:00:00Z' })).occurredAt).toBe('2021-10-26T09:15:00.000Z');
  });
  it('falls back to happened_at when delivered_at is missing or unreadable', () => {
    expect(delivery(seedDeliveryEvent({ delivered_at: undefined, happened_at: '2021-10-25T00:00:00+05:30' })).occurredAt).toBe('2021-10-24T18:30:00.000Z');
    expect(delivery(seedDeliveryEvent({ delivered_at: 'later', happened_at: '2021-10-25T00:00:00Z' })).occurredAt).toBe('2021-10-25T00:00:00.000Z');
  });
  it('falls back to the time received', () => {
    expect(delivery(seedDeliveryEvent({ delivered_at: null })).occurredAt).toBe('2024-03-08T00:00:00.000Z');
  });
});

describe('normalizeDelivery: refusals', () => {
  it('requires an order id (named as the seed names it), fulfillment_id and status, all reported', () => {
    expect(normalizeDelivery({ delivery_id: 'D' }, received)).toEqual({
      ok: false,
      issues: [
        { path: '/id', message: 'is required' },
        { path: '/fulfillment_id', message: 'is required' },
        { path: '/status', message: 'is required' },
      ],
    });
  });
  it('refuses an unknown status, listing the accepted values', () => {
    const r = normalizeDelivery(seedDeliveryEvent({ status: 'Shipped' }), received);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]?.path).toBe('/status');
    for (const v of ['Dispatched', 'In-transit', 'Delivered', 'Returned', 'out_for_delivery', 'returning_to_sender']) {
      expect(r.issues[0]?.message).toContain(v);
    }
  });
  it('refuses a non-string or blank status', () => {
    expect(normalizeDelivery(seedDeliveryEvent({ status: 3 }), received)).toEqual({ ok: false, issues: [{ path: '/status', message: 'must be a string' }] });
    expect(normalizeDelivery(seedDeliveryEvent({ status: '  ' }), received)).toEqual({ ok: false, issues: [{ path: '/status', message: 'is required' }] });
  });
  it('refuses a non-object body', () => {
    expect(normalizeDelivery([seedDeliveryEvent()], received)).toEqual({ ok: false, issues: [{ path: '', message: 'must be a JSON object' }] });
  });
});
