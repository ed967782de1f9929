/**
 * Cart reminders that are not sent, or not yet: the suppression rules (an order confirmation
 * in the last 24 hours, one reminder per customer per 24 hours across carts), quiet hours in
 * the tenant's own time zone, US numbers, and Meta's marketing errors 131049 (not retried,
 * the next step skipped) and 131050 (a marketing opt-out). Real SQLite and PostgreSQL, a
 * manual clock, exact times and reasons.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessOnBotCart, businessOnBotOrder } from '../../src/domain/events/fixtures.js';
import { databaseTargets } from '../support/databases.js';
import { postWebhook, statusesWebhook } from '../support/meta-webhooks.js';
import { CartWorld, DAY, HOUR, MINUTE, epochSeconds, iso, type TestTenant } from './cart-world.js';

/** A BusinessOnBot (WooCommerce) cart left at `at` by the customer with this 10-digit number. */
const cartOf = (w: CartWorld, phone: string, at: number, key = w.uid('cart')) =>
  businessOnBotCart({ abandoned_cart_id: key, abandoned_cart_time: epochSeconds(at), customer_phone: phone, recovery_url: `https://woo.example.com/checkout/?recover=${key}` });

describe.each(databaseTargets())('cart reminders held back on $name', (factory) => {
  describe.skipIf(factory.skip)('', () => {
    let w: CartWorld;
    let tenant: TestTenant;

    beforeAll(async () => {
      w = await CartWorld.start(factory, '96');
      tenant = await w.tenant('Steel Works');
    });
    afterAll(async () => w?.close());

    /** [step time, state, skip reason] of each cart reminder to a customer. */
    const outcomes = async (t: TestTenant, digits: string) => (await w.reminders(t, digits)).map((m) => [m.createdAt, m.state, m.skipReason]);

    it('sends no reminder within 24 hours after an order confirmation to the same customer', async () => {
      const phone = w.phone();
      const digits = `91${phone}`;
      const T = w.begin();
      // An earlier order (placed before the cart, so it does not close it) is confirmed now.
      await w.post(tenant, '/orders-create', businessOnBotOrder({ id: w.uid('ord'), phone, fullyPaid: true, createdAt: iso(T - HOUR) }));
      await w.settle();
      w.h.clock.advance(MINUTE);
      const key = w.uid('cart');
      await w.post(tenant, '/abandoned-cart', cartOf(w, phone, T + MINUTE, key));
      await w.runUntil(T + MINUTE + 2 * DAY);

      expect(await outcomes(tenant, digits)).toEqual([
        [iso(T + MINUTE + 30 * MINUTE), 'skipped', 'recent_order_confirmation'],
        [iso(T + MINUTE + 4 * HOUR), 'skipped', 'recent_order_confirmation'],
        // 24 h after the cart is 24 h and 1 min after the confirmation: the rule no longer holds.
        [iso(T + MINUTE + DAY), 'accepted', null],
      ]);
      expect(w.sender.log(digits).map((s) => [s.at, s.template])).toEqual([
        [iso(T), 'orderline_order_confirmed'],
        [iso(T + MINUTE + DAY), 'orderline_cart_reminder'],
      ]);
      expect(await w.cart(tenant, key)).toMatchObject({ state: 'reminded', remindersSent: 1, nextStep: 3, reason: null });
    });

    it("sends one customer at most one cart reminder per 24 hours across carts; one cart's own steps never block each other", async () => {
      const phone = w.phone();
      const digits = `91${phone}`;
      const T = w.begin();
      const first = w.uid('cart');
      const second = w.uid('cart');
      await w.post(tenant, '/abandoned-cart', cartOf(w, phone, T, first));
      await w.post(tenant, '/abandoned-cart', cartOf(w, phone, T + 5 * MINUTE, second));
      await w.runUntil(T + 2 * DAY);

      expect(await outcomes(tenant, digits)).toEqual([
        [iso(T + 30 * MINUTE), 'accepted', null],
        [iso(T + 35 * MINUTE), 'skipped', 'customer_reminded_recently'],
        [iso(T + 4 * HOUR), 'accepted', null],
        [iso(T + 4 * HOUR + 5 * MINUTE), 'skipped', 'customer_reminded_recently'],
        [iso(T + DAY), 'accepted', null],
        [iso(T + DAY + 5 * MINUTE), 'skipped', 'customer_reminded_recently'],
      ]);
      expect(await w.cart(tenant, first)).toMatchObject({ state: 'reminded', remindersSent: 3 });
      expect(await w.cart(tenant, second)).toMatchObject({ state: 'pending', remindersSent: 0, nextStep: 3, reason: 'customer_reminded_recently' });
      // Only the first cart's links went out.
      const links = w.sender.log(digits).map((s) => s.url);
      expect(links).toHaveLength(3);
      for (const token of links) expect(await w.follow(token)).toBe(`https://woo.example.com/checkout/?recover=${first}`);

      // Both rules can be turned off per tenant.
      const relaxed = await w.tenant('Relaxed Store', { suppression: { perCustomer: null, afterOrderConfirmation: null } });
      const other = w.phone();
      const U = w.begin();
      await w.post(relaxed, '/orders-create', businessOnBotOrder({ id: w.uid('ord'), phone: other, fullyPaid: true, createdAt: iso(U - HOUR) }));
      await w.post(relaxed, '/abandoned-cart', cartOf(w, other, U));
      await w.post(relaxed, '/abandoned-cart', cartOf(w, other, U + 5 * MINUTE));
      await w.runUntil(U + HOUR);
      expect(await outcomes(relaxed, `91${other}`)).toEqual([
        [iso(U + 30 * MINUTE), 'accepted', null],
        [iso(U + 35 * MINUTE), 'accepted', null],
      ]);
    });

    it("defers a reminder due in quiet hours to the window's end in the tenant's zone, daylight saving included", async () => {
      // Its own Orderline: the calendar matters here (the clock starts on 2026-03-01, and New
      // York moves to daylight saving time on 2026-03-08).
      const own = await CartWorld.start(factory, '95');
      try {
        const ny = await own.tenant('Brooklyn Tea', { quietHours: { start: '21:00', end: '09:00' } }, { timezone: 'America/New_York', defaultCountry: 'IN' });
        const ist = await own.tenant('Pune Tea', { quietHours: { start: '22:00', end: '08:00' } }, { timezone: 'Asia/Kolkata' });
        // When each reminder was made (exact), and that exactly those went to Meta (a send may
        // trail its reminder by the number's pacing when several are due at once).
        const log = async (t: TestTenant, digits: string) => {
          const made = (await own.reminders(t, digits)).filter((m) => m.state !== 'skipped');
          expect(own.sender.log(digits).map((s) => [s.at.slice(0, 19), s.template])).toEqual(made.map((m) => [m.createdAt.slice(0, 19), m.body?.template?.name]));
          return made.map((m) => [m.createdAt, m.body?.template?.name]);
        };

        // Sunday 1 March, 20:45 EST (UTC-5): the 30 m step (21:15) and the 4 h step (00:45) fall
        // in the night and wait for 09:00 EST, where only one reminder goes out; the 24 h step
        // (20:45 the next evening) is outside the window and goes at its time.
        const evening = Date.parse('2026-03-02T01:45:00Z');
        const a = own.phone();
        await own.runUntil(evening);
        await own.post(ny, '/abandoned-cart', cartOf(own, a, evening));
        // 08:00 EST: the 30 m step (08:30) waits until 09:00; the 4 h step (12:00) is at its time.
        const b = own.phone();
        // 07:15 IST (UTC+5:30) in Pune's window (22:00-08:00): the 30 m step at 07:45 waits until 08:00 IST.
        const c = own.phone();
        await own.post(ist, '/abandoned-cart', cartOf(own, c, evening));
        await own.runUntil(Date.parse('2026-03-02T13:00:00Z'));
        await own.post(ny, '/abandoned-cart', cartOf(own, b, Date.parse('2026-03-02T13:00:00Z')));
        await own.runUntil(Date.parse('2026-03-04T00:00:00Z'));

        expect(await log(ny, `91${a}`)).toEqual([
          ['2026-03-02T14:00:00.000Z', 'orderline_cart_reminder'], // 09:00 EST
          ['2026-03-03T01:45:00.000Z', 'orderline_cart_reminder'], // 20:45 EST, 24 h after the cart
        ]);
        expect(await own.reminders(ny, `91${a}`).then((r) => r.map((m) => [m.createdAt, m.state, m.skipReason]))).toEqual([
          ['2026-03-02T14:00:00.000Z', 'skipped', 'superseded'],
          ['2026-03-02T14:00:00.000Z', 'accepted', null],
          ['2026-03-03T01:45:00.000Z', 'accepted', null],
        ]);
        expect(await log(ny, `91${b}`)).toEqual([
          ['2026-03-02T14:00:00.000Z', 'orderline_cart_reminder'], // 09:00 EST
          ['2026-03-02T17:00:00.000Z', 'orderline_cart_reminder'], // 12:00 EST, 4 h after the cart
          ['2026-03-03T14:00:00.000Z', 'orderline_cart_reminder'], // 24 h after would be 08:00 EST: 09:00 EST
        ]);
        expect((await log(ist, `91${c}`)).slice(0, 2)).toEqual([
          ['2026-03-02T02:30:00.000Z', 'orderline_cart_reminder'], // 08:00 IST
          ['2026-03-02T05:45:00.000Z', 'orderline_cart_reminder'], // 11:15 IST, 4 h after the cart
        ]);

        // Across the switch to daylight saving (02:00 EST → 03:00 EDT on 8 March): the window
        // ends at 09:00 EDT (13:00 UTC), and the 24 h step, 21:45 EDT by the wall clock, waits too.
        const d = own.phone();
        const saturday = Date.parse('2026-03-08T01:45:00Z'); // Saturday 7 March, 20:45 EST
        await own.runUntil(saturday);
        await own.post(ny, '/abandoned-cart', cartOf(own, d, saturday));
        await own.runUntil(Date.parse('2026-03-10T00:00:00Z'));
        expect(await log(ny, `91${d}`)).toEqual([
          ['2026-03-08T13:00:00.000Z', 'orderline_cart_reminder'], // 09:00 EDT
          ['2026-03-09T13:00:00.000Z', 'orderline_cart_reminder'], // 09:00 EDT the next day
        ]);
      } finally {
        await own.close();
      }
    });

    it('never sends marketing to a US number: the skip is recorded and the cart stops', async () => {
      const key = w.uid('cart');
      const T = w.begin();
      await w.post(tenant, '/abandoned-cart', cartOf(w, '+1 415 555 2671', T, key));
      await w.runUntil(T + 2 * DAY);
      expect(await outcomes(tenant, '14155552671')).toEqual([[iso(T + 30 * MINUTE), 'skipped', 'us_number']]);
      expect(w.sender.log('14155552671')).toEqual([]);
      expect(await w.cart(tenant, key)).toMatchObject({ state: 'skipped', reason: 'us_number', remindersSent: 0, customer: '14155552671' });
    });

    it('does not retry a 131049 within 24 hours: the next steps are skipped with marketing_limit', async () => {
      const phone = w.phone();
      const digits = `91${phone}`;
      const T = w.begin();
      const key = w.uid('cart');
      await w.post(tenant, '/abandoned-cart', cartOf(w, phone, T, key));
      await w.runUntil(T + 30 * MINUTE - 1);
      w.sender.failNext(131049);
      await w.runUntil(T + 2 * DAY);

      const [failed, ...rest] = await w.reminders(tenant, digits);
      expect(failed).toMatchObject({ createdAt: iso(T + 30 * MINUTE), state: 'failed', errorCode: 131049, attempts: 1 });
      // The paused customer: 24 h from the failure at T+30m covers the 4 h and the 24 h steps.
      expect(rest.map((m) => [m.createdAt, m.state, m.skipReason])).toEqual([
        [iso(T + 4 * HOUR), 'skipped', 'marketing_limit'],
        [iso(T + DAY), 'skipped', 'marketing_limit'],
      ]);
      // One request to Meta in all: the failed one was not sent again.
      expect(w.sender.log(digits).map((s) => s.at)).toEqual([iso(T + 30 * MINUTE)]);
      expect(await w.cart(tenant, key)).toMatchObject({ state: 'reminded', remindersSent: 1, nextStep: 3, reason: 'marketing_limit' });

      // The same error arriving later in a failed status webhook pauses marketing the same way.
      const late = w.phone();
      const U = w.begin();
      await w.post(tenant, '/abandoned-cart', cartOf(w, late, U));
      await w.runUntil(U + 30 * MINUTE);
      const [sent] = await w.reminders(tenant, `91${late}`);
      const wamid = (await w.h.orderline.messages.get(sent!.id))?.wamid ?? 'none';
      const failure = { id: wamid, status: 'failed', recipient_id: `91${late}`, errors: [{ code: 131049, title: 'healthy ecosystem engagement' }] };
      expect((await postWebhook(w.h, tenant.phoneNumberId, statusesWebhook(tenant.phoneNumberId, [failure]))).statusCode).toBe(200);
      await w.runUntil(U + 5 * HOUR);
      expect(await outcomes(tenant, `91${late}`)).toEqual([
        [iso(U + 30 * MINUTE), 'failed', null],
        [iso(U + 4 * HOUR), 'skipped', 'marketing_limit'],
      ]);
    });

    it('records a 131050 as a marketing opt-out: the cart stops at its next step', async () => {
      const phone = w.phone();
      const digits = `91${phone}`;
      const T = w.begin();
      const key = w.uid('cart');
      await w.post(tenant, '/abandoned-cart', cartOf(w, phone, T, key));
      await w.runUntil(T + 30 * MINUTE - 1);
      w.sender.failNext(131050);
      await w.runUntil(T + 2 * DAY);

      expect((await w.reminders(tenant, digits)).map((m) => [m.createdAt, m.state, m.errorCode])).toEqual([[iso(T + 30 * MINUTE), 'failed', 131050]]);
      expect(await w.h.orderline.customers.optOuts(tenant.id, digits)).toEqual([expect.objectContaining({ scope: 'marketing', source: 'error_131050' })]);
      expect(await w.cart(tenant, key)).toMatchObject({ state: 'opted_out', reason: 'opted_out:error_131050', remindersSent: 1 });
      expect(w.sender.log(digits)).toHaveLength(1);
      // Order updates (utility) still reach the customer.
      await w.post(tenant, '/orders-create', businessOnBotOrder({ id: w.uid('ord'), phone, fullyPaid: true, createdAt: iso(w.now()) }));
      await w.settle();
      expect(w.sender.log(digits).map((s) => s.template)).toEqual(['orderline_cart_reminder', 'orderline_order_confirmed']);
    });
  });
});
