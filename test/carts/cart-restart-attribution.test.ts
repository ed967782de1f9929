/**
 * Abandoned carts across restarts (graceful, down through due times, and a worker dying with a
 * reminder claimed) and the revenue they bring back: a recovered cart records the order's
 * value and how many reminders came before it, and the tenant's stats add it up per currency.
 * Real SQLite and PostgreSQL with a manual clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessOnBotCart, businessOnBotOrder, shopifyCheckout, shopifyOrder } from '../../src/domain/events/fixtures.js';
import { CART_REMINDER_JOB } from '../../src/use-cases/recover-carts.js';
import { databaseTargets } from '../support/databases.js';
import { CartWorld, DAY, HOUR, MINUTE, epochSeconds, iso, type TestTenant } from './cart-world.js';

describe.each(databaseTargets())('abandoned carts across restarts, and what they recover, on $name', (factory) => {
  describe.skipIf(factory.skip)('', () => {
    let w: CartWorld;
    let tenant: TestTenant;

    beforeAll(async () => {
      w = await CartWorld.start(factory, '93');
      tenant = await w.tenant('Restart Mart');
    });
    afterAll(async () => w?.close());

    const cartOf = (phone: string, at: number, key = w.uid('woo')) =>
      businessOnBotCart({ abandoned_cart_id: key, abandoned_cart_time: epochSeconds(at), customer_phone: phone });
    const times = async (phone: string, t: TestTenant = tenant) => (await w.sent(t, `91${phone}`)).map((s) => s.at);

    it('keeps pending reminders across a restart: on time when up, once and late when the service was down at the due time', async () => {
      const [onTime, late, longDown] = [w.phone(), w.phone(), w.phone()];
      const T = w.begin();
      for (const phone of [onTime, late, longDown]) await w.post(tenant, '/abandoned-cart', cartOf(phone, T));
      await w.runUntil(T + 20 * MINUTE);
      await w.h.restart();
      // Up again: the 30 m reminders go at their time.
      await w.runUntil(T + 30 * MINUTE);
      expect([await times(onTime), await times(late), await times(longDown)]).toEqual([[iso(T + 30 * MINUTE)], [iso(T + 30 * MINUTE)], [iso(T + 30 * MINUTE)]]);

      // Down from T+1h to T+5h: the 4 h reminders go once, at the restart.
      await w.runUntil(T + HOUR);
      w.h.clock.set(new Date(T + 5 * HOUR));
      await w.h.restart();
      await w.runUntil(T + 5 * HOUR);
      expect(await times(late)).toEqual([iso(T + 30 * MINUTE), iso(T + 5 * HOUR)]);
      await w.runUntil(T + 3 * DAY);
      expect(await times(onTime)).toEqual([iso(T + 30 * MINUTE), iso(T + 5 * HOUR), iso(T + DAY)]);
      expect(await times(late)).toEqual([iso(T + 30 * MINUTE), iso(T + 5 * HOUR), iso(T + DAY)]);

      // Down across two due times (30 m and 4 h): one reminder at the restart, the 24 h one on time.
      const U = w.begin();
      const key = w.uid('woo');
      await w.post(tenant, '/abandoned-cart', cartOf(longDown, U, key));
      await w.runUntil(U + 10 * MINUTE);
      w.h.clock.set(new Date(U + 6 * HOUR));
      await w.h.restart();
      await w.runUntil(U + 3 * DAY);
      const second = (await w.reminders(tenant, `91${longDown}`)).filter((m) => Date.parse(m.createdAt) >= U);
      expect(second.map((m) => [m.createdAt, m.state, m.skipReason])).toEqual([
        [iso(U + 6 * HOUR), 'skipped', 'superseded'],
        [iso(U + 6 * HOUR), 'accepted', null],
        [iso(U + DAY), 'accepted', null],
      ]);
      expect(await w.cart(tenant, key)).toMatchObject({ state: 'reminded', remindersSent: 2, nextStep: 3 });
    });

    it('sends a reminder exactly once when the worker that claimed it died: another takes it over after the lease', async () => {
      const phone = w.phone();
      const T = w.begin();
      const key = w.uid('woo');
      await w.post(tenant, '/abandoned-cart', cartOf(phone, T, key));
      await w.runUntil(T + 30 * MINUTE - 1);
      w.h.clock.set(new Date(T + 30 * MINUTE));
      // A worker claims the due reminder and dies before running it.
      const claimed = await w.h.orderline.queue.claim({ limit: 10, leaseMs: 60_000, kinds: [CART_REMINDER_JOB] });
      expect(claimed.map((j) => j.payload)).toEqual([{ cartKey: key, step: 0 }]);
      await w.h.restart();
      await w.settle();
      expect(await times(phone)).toEqual([]);
      // The lease runs out after a minute: the new process takes the job over.
      await w.runUntil(T + 31 * MINUTE);
      expect(await times(phone)).toEqual([iso(T + 31 * MINUTE)]);
      await w.runUntil(T + 3 * DAY);
      expect(await times(phone)).toEqual([iso(T + 31 * MINUTE), iso(T + 4 * HOUR), iso(T + DAY)]);
      expect(w.sender.to(`91${phone}`)).toHaveLength(3);
      expect(await w.cart(tenant, key)).toMatchObject({ state: 'reminded', remindersSent: 3 });
    });

    it("attributes recovered revenue: the order's value and the reminders before it, per currency, within the attribution window", async () => {
      const ledger = await w.tenant('Ledger Store', { attributionWindow: '2h' });
      const [a, b, c, d, e] = [w.phone(), w.phone(), w.phone(), w.phone(), w.phone()];
      const T = w.begin();
      const checkout = shopifyCheckout({ token: w.uid('chk'), phone: `+91${a}`, updated_at: iso(T) });
      await w.post(ledger, '/abandoned-cart', checkout);
      const keys = { b: w.uid('woo'), c: w.uid('woo'), d: w.uid('woo'), e: w.uid('woo') };
      await w.post(ledger, '/abandoned-cart', cartOf(b, T, keys.b));
      await w.post(ledger, '/abandoned-cart', cartOf(c, T, keys.c));
      await w.post(ledger, '/abandoned-cart', cartOf(d, T, keys.d));
      await w.post(ledger, '/abandoned-cart', cartOf(e, T, keys.e));

      const order = (id: string, phone: string, at: number, more = {}) => businessOnBotOrder({ id, phone, createdAt: iso(at), ...more });
      // d orders before any reminder; b after the first, in dollars; e three hours after its
      // cart, outside the 2 h window; a (by checkout token) after the second, for more than the cart.
      await w.runUntil(T + 10 * MINUTE);
      await w.post(ledger, '/orders-create', order('ord-d', d, T + 10 * MINUTE));
      await w.runUntil(T + HOUR);
      await w.post(ledger, '/orders-create', order('ord-b', b, T + HOUR, { total_amount: '25.50', currencyCode: 'USD' }));
      await w.runUntil(T + 3 * HOUR);
      await w.post(ledger, '/orders-create', order('ord-e', e, T + 3 * HOUR));
      await w.runUntil(T + 5 * HOUR);
      await w.post(ledger, '/orders-create', shopifyOrder({ id: 'ord-a', checkout_token: checkout.token as string, phone: `+91${a}`, created_at: iso(T + 5 * HOUR) }));
      await w.runUntil(T + 3 * DAY);

      const cart = async (key: string) => {
        const view = await w.cart(ledger, key);
        return [view.state, view.reason, view.remindersSent, view.recovered];
      };
      expect(await cart(checkout.token as string)).toEqual(['recovered', 'order_by_token', 2, { orderId: 'ord-a', value: '1499.00', currency: 'INR', afterReminder: 2 }]);
      expect(await cart(keys.b)).toEqual(['recovered', 'order_by_phone', 1, { orderId: 'ord-b', value: '25.50', currency: 'USD', afterReminder: 1 }]);
      expect(await cart(keys.c)).toEqual(['reminded', null, 3, null]);
      expect(await cart(keys.d)).toEqual(['completed', 'order_by_phone', 0, null]);
      // Not attributed, so still open; the order's confirmation holds back its next two steps.
      expect(await cart(keys.e)).toEqual(['reminded', 'recent_order_confirmation', 1, null]);
      expect((await w.reminders(ledger, `91${e}`)).map((m) => [m.createdAt, m.state, m.skipReason])).toEqual([
        [iso(T + 30 * MINUTE), 'accepted', null],
        [iso(T + 4 * HOUR), 'skipped', 'recent_order_confirmation'],
        [iso(T + DAY), 'skipped', 'recent_order_confirmation'],
      ]);

      expect(await w.stats(ledger)).toEqual({
        carts: 5,
        remindedCarts: 4,
        remindersSent: 7,
        recoveredCarts: 2,
        recoveredRevenue: { INR: 1499, USD: 25.5 },
        recoveryRate: 0.5,
      });
    });
  });
});
