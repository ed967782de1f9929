import { describe, expect, it } from 'vitest';
import {
  businessOnBotCart,
  businessOnBotOrder,
  okValue,
  seedDeliveryEvent,
  shopifyFulfillment,
  shopifyOrder,
} from './fixtures.js';
import type { EventKind } from './model.js';
import { normalizeEvent } from './normalize.js';

const received = new Date('2024-03-08T00:00:00.000Z');

describe('normalizeEvent', () => {
  it('dispatches each kind to its normaliser and tags the result', () => {
    const created = okValue(normalizeEvent('order_created', shopifyOrder(), received));
    expect(created.kind).toBe('order_created');
    expect(created.kind === 'order_created' && created.order.id).toBe('5735266369709823012');

    const cancelled = okValue(normalizeEvent('order_cancelled', businessOnBotOrder({ cancelledAt: '2021-10-24T00:00:00Z' }), received));
    expect(cancelled.kind === 'order_cancelled' && cancelled.order.cancelledAt).toBe('2021-10-24T00:00:00.000Z');

    const shipped = okValue(normalizeEvent('fulfillment_created', shopifyFulfillment(), received));
    expect(shipped.kind === 'fulfillment_created' && shipped.fulfillment.orderId).toBe('5735266369709823012');

    const delivered = okValue(normalizeEvent('delivery_updated', seedDeliveryEvent({ delivered_at: null }), received));
    expect(delivered.kind === 'delivery_updated' && delivered.delivery.occurredAt).toBe('2024-03-08T00:00:00.000Z');

    const cart = okValue(normalizeEvent('cart_abandoned', businessOnBotCart({ abandoned_cart_time: null }), received));
    expect(cart.kind === 'cart_abandoned' && cart.cart.cartTime).toBe('2024-03-08T00:00:00.000Z');
  });

  it('refuses a body that is not a JSON object, for every kind', () => {
    const kinds: EventKind[] = ['order_created', 'order_cancelled', 'fulfillment_created', 'delivery_updated', 'cart_abandoned'];
    for (const kind of kinds) {
      for (const body of [null, [], 'text', 12, true]) {
        expect(normalizeEvent(kind, body, received)).toEqual({ ok: false, issues: [{ path: '', message: 'must be a JSON object' }] });
      }
    }
  });

  it('passes the normaliser issues through', () => {
    expect(normalizeEvent('delivery_updated', seedDeliveryEvent({ status: 'lost' }), received)).toMatchObject({ ok: false, issues: [{ path: '/status' }] });
    expect(normalizeEvent('fulfillment_created', { id: 1 }, received)).toEqual({ ok: false, issues: [{ path: '/order_id', message: 'is required' }] });
  });

  it('answers an unknown kind from untyped callers with an issue, not a throw', () => {
    const r = normalizeEvent('order_updated' as EventKind, shopifyOrder(), received);
    expect(r).toEqual({ ok: false, issues: [{ path: '', message: 'unknown event kind order_updated' }] });
  });
});
