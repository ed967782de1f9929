/**
 * The life of an abandoned cart on real SQLite and PostgreSQL with a manual clock: reminders
 * at 30 m, 4 h and 24 h after the cart's own time, updates that move them, the stops (an
 * order by token or by phone, `completed_at`, an opt-out, expiry), a restart with reminders
 * pending, and the revenue recovered. The suppression rules, quiet hours, US numbers and
 * Meta's marketing errors are in cart-suppression.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/domain/events/fields.js';
import { businessOnBotCart, businessOnBotOrder, shopifyCheckout, shopifyOrder } from '../../src/domain/events/fixtures.js';
import { databaseTargets } from '../support/databases.js';
import { postWebhook, preferencesWebhook, textWebhook } from '../support/meta-webhooks.js';
import { CartWorld, DAY, HOUR, MINUTE, epochSeconds, iso, type TestTenant } from './cart-world.js';

describe.each(databaseTargets())('abandoned-cart recovery on $name', (factory) => {
  describe.skipIf(factory.skip)('', () => {
    let w: CartWorld;
    let tenant: TestTenant;

    beforeAll(async () => {
      w = await CartWorld.start(factory, '98');
      tenant = await w.tenant('Silk Route', { discountCode: 'COMEBACK10' });
    });
    afterAll(async () => w?.close());

    /** A Shopify checkout (its key is the token) left at `at` by this customer. */
    const checkout = (phone: string, at: number, overrides: JsonObject = {}) => {
      const token = w.uid('chk');
      return shopifyCheckout({ token, cart_token: `ct-${token}`, phone: `+91${phone}`, updated_at: iso(at), abandoned_checkout_url: `https://shop.example.com/checkouts/${token}/recover`, ...overrides });
    };
    const sentTo = (phone: string, t: TestTenant = tenant) => w.sent(t, `91${phone}`);

    it("reminds at 30 m, 4 h and 24 h after the cart's own time (not its arrival), the last with the discount code, each link through /r/{token} to the cart", async () => {
      const phone = w.phone();
      const key = w.uid('woo');
      // The plugin sends the cart 10 minutes after it was left.
      const T = w.begin() - 10 * MINUTE;
      const recoveryUrl = `https://woo.example.com/checkout/?recover=${key}`;
      await w.post(tenant, '/abandoned-cart', businessOnBotCart({ abandoned_cart_id: key, abandoned_cart_time: epochSeconds(T), customer_phone: phone, recovery_url: recoveryUrl }));
      await w.settle();
      expect(await w.cart(tenant, key)).toMatchObject({ state: 'pending', remindersSent: 0, nextStep: 0, customer: `91${phone}`, cartTime: iso(T), recoveryUrl });

      await w.runUntil(T + 30 * MINUTE - 1);
      expect(await sentTo(phone)).toEqual([]);
      await w.runUntil(T + 30 * MINUTE);
      expect((await sentTo(phone)).map((s) => s.at)).toEqual([iso(T + 30 * MINUTE)]);
      await w.runUntil(T + 3 * DAY);

      const cartItems = ['Kabir', 'Steel Bottle × 2', 'Silk Route'];
      const sent = await sentTo(phone);
      expect(sent).toEqual([
        { at: iso(T + 30 * MINUTE), template: 'orderline_cart_reminder', body: [...cartItems, 'shown at checkout'], url: expect.any(String) as unknown },
        { at: iso(T + 4 * HOUR), template: 'orderline_cart_reminder', body: [...cartItems, 'shown at checkout'], url: expect.any(String) as unknown },
        { at: iso(T + DAY), template: 'orderline_cart_reminder_discount', body: [...cartItems, 'COMEBACK10'], url: expect.any(String) as unknown },
      ]);
      // The exact request: a marketing template in English with the redirect token as the URL button's suffix.
      const request = w.sender.to(`91${phone}`)[2]!;
      expect(request.account).toMatchObject({ tenantId: tenant.id, phoneNumberId: tenant.phoneNumberId });
      const reminders = await w.reminders(tenant, `91${phone}`);
      expect(request.message).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: `91${phone}`,
        type: 'template',
        template: {
          name: 'orderline_cart_reminder_discount',
          language: { code: 'en' },
          components: [
            { type: 'body', parameters: [...cartItems, 'COMEBACK10'].map((text) => ({ type: 'text', text })) },
            { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: sent[2]!.url }] },
          ],
        },
        biz_opaque_callback_data: reminders[2]!.id,
      });
      expect(reminders.map((m) => [m.createdAt, m.category, m.state])).toEqual([
        [iso(T + 30 * MINUTE), 'marketing', 'accepted'],
        [iso(T + 4 * HOUR), 'marketing', 'accepted'],
        [iso(T + DAY), 'marketing', 'accepted'],
      ]);
      // Each reminder has its own link, and each leads to the cart.
      expect(new Set(sent.map((s) => s.url)).size).toBe(3);
      for (const s of sent) expect(await w.follow(s.url)).toBe(recoveryUrl);
      expect(await w.cart(tenant, key)).toMatchObject({ state: 'reminded', remindersSent: 3, nextStep: 3, lastRemindedAt: iso(T + DAY), reason: null });
    });

    it('takes a later event for the same cart as its new contents and moves the pending reminders; one already sent is not repeated; an older copy changes nothing', async () => {
      const phone = w.phone();
      const T = w.begin();
      const first = checkout(phone, T);
      const token = first.token as string;
      await w.post(tenant, '/abandoned-cart', first);
      // 10 minutes later the customer adds a second scarf: the first reminder moves to T+40m.
      await w.runUntil(T + 10 * MINUTE);
      const twoScarves = [{ title: 'Silk Scarf', variant_title: 'Red', quantity: 2, price: '899.00' }];
      await w.post(tenant, '/abandoned-cart', { ...first, updated_at: iso(T + 10 * MINUTE), line_items: twoScarves, total_price: '1798.00' });
      await w.runUntil(T + 39 * MINUTE);
      expect(await sentTo(phone)).toEqual([]);
      await w.runUntil(T + HOUR);
      // An hour after the cart: a hair clip too. The 4 h step now counts from T+1h.
      const withClip = [...twoScarves, { title: 'Hair Clip', quantity: 1, price: '150.00' }];
      await w.post(tenant, '/abandoned-cart', { ...first, updated_at: iso(T + HOUR), line_items: withClip, total_price: '1948.00' });
      await w.runUntil(T + 4 * HOUR + 10 * MINUTE);
      expect(await sentTo(phone)).toHaveLength(1);
      await w.runUntil(T + HOUR + 4 * HOUR);
      // A copy from before the last update, arriving late, is ignored.
      await w.post(tenant, '/abandoned-cart', { ...first, updated_at: iso(T + 20 * MINUTE), line_items: twoScarves, total_price: '1798.00' });
      await w.runUntil(T + 3 * DAY);

      expect((await sentTo(phone)).map((s) => [s.at, s.template, s.body])).toEqual([
        [iso(T + 40 * MINUTE), 'orderline_cart_reminder', ['Meera', 'Silk Scarf × 2', 'Silk Route', '₹1,798.00']],
        [iso(T + 5 * HOUR), 'orderline_cart_reminder', ['Meera', 'Silk Scarf × 2 and Hair Clip', 'Silk Route', '₹1,948.00']],
        [iso(T + HOUR + DAY), 'orderline_cart_reminder_discount', ['Meera', 'Silk Scarf × 2 and Hair Clip', 'Silk Route', 'COMEBACK10']],
      ]);
      expect(await w.cart(tenant, token)).toMatchObject({ state: 'reminded', remindersSent: 3, cartTime: iso(T + HOUR), total: '1948.00', items: 2 });
    });

    it('stops when an order comes for the same checkout token or cart token, whatever its phone', async () => {
      const phone = w.phone();
      const T = w.begin();
      const byCheckout = checkout(phone, T);
      const byCart = checkout(w.phone(), T);
      await w.post(tenant, '/abandoned-cart', byCheckout);
      await w.post(tenant, '/abandoned-cart', byCart);
      await w.runUntil(T + HOUR);
      // Paid with another number: the checkout token still ties the order to the cart.
      const orderId = w.uid('5735');
      const elsewhere = { phone: `+91${w.phone()}`, shipping_address: null, billing_address: null, customer: null };
      await w.post(tenant, '/orders-create', shopifyOrder({ id: orderId, checkout_token: byCheckout.token as string, cart_token: null, created_at: iso(T + HOUR), ...elsewhere }));
      const otherOrder = w.uid('5736');
      await w.post(tenant, '/orders-create', shopifyOrder({ id: otherOrder, checkout_token: null, cart_token: byCart.cart_token as string, total_price: '2400.00', current_total_price: '2400.00', created_at: iso(T + HOUR), ...elsewhere }));
      await w.runUntil(T + 3 * DAY);

      expect((await sentTo(phone)).map((s) => s.at)).toEqual([iso(T + 30 * MINUTE)]);
      expect(await w.cart(tenant, byCheckout.token as string)).toMatchObject({
        state: 'recovered',
        reason: 'order_by_token',
        remindersSent: 1,
        recovered: { orderId, value: '1499.00', currency: 'INR', afterReminder: 1 },
      });
      expect(await w.cart(tenant, byCart.token as string)).toMatchObject({
        state: 'recovered',
        reason: 'order_by_token',
        recovered: { orderId: otherOrder, value: '2400.00', currency: 'INR', afterReminder: 1 },
      });
    });

    it("stops when the same customer orders after the cart's time (by phone), not for an order placed before it", async () => {
      // No order-confirmation suppression here, so the late earlier order shows only what it closes.
      const store = await w.tenant('Phone Match', { suppression: { afterOrderConfirmation: null } });
      const phone = w.phone();
      const T = w.begin();
      const key = w.uid('woo');
      await w.post(store, '/abandoned-cart', businessOnBotCart({ abandoned_cart_id: key, abandoned_cart_time: epochSeconds(T), customer_phone: phone }));
      await w.runUntil(T + HOUR);
      // An order placed an hour before the cart, arriving now, is another purchase.
      await w.post(store, '/orders-create', businessOnBotOrder({ id: w.uid('old'), phone, createdAt: iso(T - HOUR) }));
      await w.runUntil(T + 5 * HOUR);
      expect(await w.cart(store, key)).toMatchObject({ state: 'reminded', remindersSent: 2 });
      const orderId = w.uid('ord');
      await w.post(store, '/orders-create', businessOnBotOrder({ id: orderId, phone: `+91 ${phone}`, total_amount: '698.0', createdAt: iso(T + 5 * HOUR) }));
      await w.runUntil(T + 3 * DAY);

      expect((await sentTo(phone, store)).map((s) => s.at)).toEqual([iso(T + 30 * MINUTE), iso(T + 4 * HOUR)]);
      expect(await w.cart(store, key)).toMatchObject({
        state: 'recovered',
        reason: 'order_by_phone',
        recovered: { orderId, value: '698.0', currency: 'INR', afterReminder: 2 },
      });

      // Ordered before any reminder: completed, not recovered by a reminder.
      const quick = w.phone();
      const U = w.begin();
      const quickKey = w.uid('woo');
      await w.post(store, '/abandoned-cart', businessOnBotCart({ abandoned_cart_id: quickKey, abandoned_cart_time: epochSeconds(U), customer_phone: quick }));
      await w.runUntil(U + 10 * MINUTE);
      await w.post(store, '/orders-create', businessOnBotOrder({ id: w.uid('ord'), phone: quick, createdAt: iso(U + 10 * MINUTE) }));
      await w.runUntil(U + 2 * DAY);
      expect(await sentTo(quick, store)).toEqual([]);
      expect(await w.cart(store, quickKey)).toMatchObject({ state: 'completed', reason: 'order_by_phone', remindersSent: 0, recovered: null });

      // An order whose own phone is junk (Shopify's "1234567") carries the customer's number in
      // its shipping address, which planning messages: the cart is matched by that number too.
      const gift = w.phone();
      const V = w.begin();
      const giftKey = w.uid('woo');
      await w.post(store, '/abandoned-cart', businessOnBotCart({ abandoned_cart_id: giftKey, abandoned_cart_time: epochSeconds(V), customer_phone: gift }));
      await w.runUntil(V + 10 * MINUTE);
      const shipTo = { name: 'Ravi Kumar', phone: gift, address1: 'MG Road', city: 'Pune', country: 'India', zip: '411001' };
      await w.post(store, '/orders-create', businessOnBotOrder({ id: w.uid('ord'), phone: '1234567', shippingAddress: shipTo, createdAt: iso(V + 10 * MINUTE) }));
      await w.runUntil(V + 2 * DAY);
      expect(await w.cart(store, giftKey)).toMatchObject({ state: 'completed', reason: 'order_by_phone', remindersSent: 0 });
    });

    it("reads a national number in the country the cart's address names, and matches the order that carries it the same way", async () => {
      const store = await w.tenant('Dubai Deliveries', { suppression: { afterOrderConfirmation: null } });
      // An Emirati mobile written nationally ("050 xxx xxxx"): no Indian number, so under the
      // tenant's default (IN) neither the cart nor the order would have a customer to match.
      const local = `050 ${w.phone().slice(-7)}`;
      const digits = `971${local.replace(/\D/g, '').slice(1)}`;
      const T = w.begin();
      const key = w.uid('woo');
      await w.post(store, '/abandoned-cart', businessOnBotCart({ abandoned_cart_id: key, abandoned_cart_time: epochSeconds(T), customer_phone: local, billing_city: 'Dubai', billing_country: 'AE' }));
      await w.runUntil(T + HOUR);
      expect(await w.cart(store, key)).toMatchObject({ state: 'reminded', customer: digits, remindersSent: 1 });
      // The order names the country by name only (BusinessOnBot's shippingAddress.country), and no tokens: matched by phone.
      const orderId = w.uid('ord');
      const dubai = { name: 'Omar Khan', phone: local, address1: 'Marina Walk', city: 'Dubai', country: 'United Arab Emirates', zip: null };
      await w.post(store, '/orders-create', businessOnBotOrder({ id: orderId, shippingAddress: dubai, total_amount: '349.0', createdAt: iso(T + HOUR) }));
      await w.runUntil(T + 3 * DAY);

      expect((await w.sent(store, digits)).map((s) => s.at)).toEqual([iso(T + 30 * MINUTE)]);
      expect(await w.cart(store, key)).toMatchObject({ state: 'recovered', reason: 'order_by_phone', recovered: { orderId, value: '349.0', afterReminder: 1 } });
    });

    it('stops when the checkout reports completed_at: recovered after a reminder, completed before any', async () => {
      const phone = w.phone();
      const T = w.begin();
      const reminded = checkout(phone, T);
      const early = checkout(w.phone(), T);
      await w.post(tenant, '/abandoned-cart', reminded);
      await w.post(tenant, '/abandoned-cart', early);
      await w.runUntil(T + 20 * MINUTE);
      await w.post(tenant, '/abandoned-cart', { ...early, updated_at: iso(T + 20 * MINUTE), completed_at: iso(T + 20 * MINUTE) });
      await w.runUntil(T + 2 * HOUR);
      await w.post(tenant, '/abandoned-cart', { ...reminded, updated_at: iso(T + 2 * HOUR), completed_at: iso(T + 2 * HOUR), order_id: '820982911946154508' });
      await w.runUntil(T + 3 * DAY);

      expect((await sentTo(phone)).map((s) => s.at)).toEqual([iso(T + 30 * MINUTE)]);
      expect(await w.cart(tenant, reminded.token as string)).toMatchObject({
        state: 'recovered',
        reason: 'checkout_completed',
        recovered: { orderId: '820982911946154508', value: '899.00', currency: 'INR', afterReminder: 1 },
      });
      expect(await w.cart(tenant, early.token as string)).toMatchObject({ state: 'completed', reason: 'checkout_completed', remindersSent: 0, recovered: null });
    });

    it('stops for a customer who opts out: typed STOP, Meta user_preferences stop, or STOP before the cart came', async () => {
      const T = w.begin();
      const [typed, preferences, before] = [w.phone(), w.phone(), w.phone()];
      await postWebhook(w.h, tenant.phoneNumberId, textWebhook(tenant.phoneNumberId, `91${before}`, 'STOP', w.uid('wamid.in')));
      await w.settle();
      const carts = [typed, preferences, before].map((p) => checkout(p, T));
      for (const c of carts) await w.post(tenant, '/abandoned-cart', c);
      await w.runUntil(T + HOUR);
      await postWebhook(w.h, tenant.phoneNumberId, textWebhook(tenant.phoneNumberId, `91${typed}`, 'STOP', w.uid('wamid.in')));
      await postWebhook(w.h, tenant.phoneNumberId, preferencesWebhook(tenant.phoneNumberId, `91${preferences}`, 'stop'));
      await w.runUntil(T + 3 * DAY);

      expect((await sentTo(typed)).map((s) => s.at)).toEqual([iso(T + 30 * MINUTE)]);
      expect((await sentTo(preferences)).map((s) => s.at)).toEqual([iso(T + 30 * MINUTE)]);
      expect(await sentTo(before)).toEqual([]);
      const states = await Promise.all(carts.map(async (c) => w.cart(tenant, c.token as string)));
      expect(states.map((c) => [c.state, c.reason, c.remindersSent, c.updatedAt])).toEqual([
        ['opted_out', 'opted_out:keyword', 1, iso(T + 4 * HOUR)],
        ['opted_out', 'opted_out:user_preferences', 1, iso(T + 4 * HOUR)],
        ['opted_out', 'opted_out:keyword', 0, iso(T + 30 * MINUTE)],
      ]);
    });

    it("reminds a checkout whose phone came in a later update (Shopify's create, then update with the phone)", async () => {
      const phone = w.phone();
      const T = w.begin();
      const first = checkout(phone, T, { phone: null, shipping_address: null, billing_address: null, customer: null });
      const token = first.token as string;
      await w.post(tenant, '/abandoned-cart', first);
      await w.settle();
      expect(await w.cart(tenant, token)).toMatchObject({ state: 'skipped', reason: 'no_phone', customer: null });
      await w.runUntil(T + 2 * MINUTE);
      await w.post(tenant, '/abandoned-cart', { ...first, phone: `+91${phone}`, updated_at: iso(T + 2 * MINUTE), total_price: '1798.00' });
      await w.settle();
      expect(await w.cart(tenant, token)).toMatchObject({ state: 'pending', reason: null, customer: `91${phone}`, total: '1798.00' });
      await w.runUntil(T + 2 * MINUTE + 30 * MINUTE);
      expect((await sentTo(phone)).map((s) => s.at)).toEqual([iso(T + 32 * MINUTE)]);

      // An unusable phone, then a usable one: the same.
      const later = w.phone();
      const U = w.begin();
      const bad = checkout(later, U, { phone: '98765' });
      await w.post(tenant, '/abandoned-cart', bad);
      await w.settle();
      expect((await w.cart(tenant, bad.token as string)).reason).toMatch(/^invalid_phone:/);
      await w.post(tenant, '/abandoned-cart', { ...bad, phone: `+91${later}`, updated_at: iso(U + MINUTE) });
      await w.runUntil(U + 31 * MINUTE);
      expect((await sentTo(later)).map((s) => s.at)).toEqual([iso(U + 31 * MINUTE)]);
    });

    it('expires a cart older than expireAfter', async () => {
      const store = await w.tenant('Short Memory', { expireAfter: '3h' });
      const phone = w.phone();
      const T = w.begin();
      const fresh = checkout(phone, T);
      await w.post(store, '/abandoned-cart', fresh);
      await w.runUntil(T + 3 * DAY);
      expect((await sentTo(phone, store)).map((s) => s.at)).toEqual([iso(T + 30 * MINUTE)]);
      expect(await w.cart(store, fresh.token as string)).toMatchObject({ state: 'expired', reason: 'older_than_expire_after', remindersSent: 1, updatedAt: iso(T + 4 * HOUR) });

      // Default 7 days: a cart left 8 days ago expires on arrival, without a reminder.
      const old = w.phone();
      const U = w.begin();
      const stale = checkout(old, U - 8 * DAY);
      await w.post(tenant, '/abandoned-cart', stale);
      await w.runUntil(U + DAY);
      expect(await sentTo(old)).toEqual([]);
      expect(await w.cart(tenant, stale.token as string)).toMatchObject({ state: 'expired', reason: 'older_than_expire_after', remindersSent: 0, updatedAt: iso(U) });
    });

    it("sends a step without its own template with notifications.cart_reminder's, and the discount step with one that gives the code", async () => {
      const nudge = { name: 'brand_cart_nudge', body: ['customer.firstName', 'cart.itemsSummary'], layout: { bodyParams: 2 } };
      const own = { name: 'brand_cart_second', body: [{ value: 'Still thinking, {{customer.firstName}}?' }], layout: { bodyParams: 1 } };
      const store = await w.tenant('Kind Wide', { discountCode: 'SAVE5', reminders: [{ after: '30m' }, { after: '4h', template: own }, { after: '24h' }] }, { notifications: { cart_reminder: { template: nudge } } });
      const phone = w.phone();
      const T = w.begin();
      await w.post(store, '/abandoned-cart', checkout(phone, T));
      await w.runUntil(T + 3 * DAY);
      // The kind-wide template has no discount.code, so the last step keeps the catalog's discount template.
      expect((await sentTo(phone, store)).map((s) => [s.at, s.template, s.body])).toEqual([
        [iso(T + 30 * MINUTE), 'brand_cart_nudge', ['Meera', 'Silk Scarf']],
        [iso(T + 4 * HOUR), 'brand_cart_second', ['Still thinking, Meera?']],
        [iso(T + DAY), 'orderline_cart_reminder_discount', ['Meera', 'Silk Scarf', 'Kind Wide', 'SAVE5']],
      ]);

      // One that gives the code is used for the discount step too.
      await w.patch(store, { notifications: { cart_reminder: { template: { ...nudge, body: ['customer.firstName', { value: 'Use {{discount.code}}', fallback: 'See you soon' }] } } } });
      const next = w.phone();
      const U = w.begin();
      await w.post(store, '/abandoned-cart', checkout(next, U));
      await w.runUntil(U + 3 * DAY);
      expect((await sentTo(next, store)).map((s) => [s.template, s.body])).toEqual([
        ['brand_cart_nudge', ['Meera', 'See you soon']],
        ['brand_cart_second', ['Still thinking, Meera?']],
        ['brand_cart_nudge', ['Meera', 'Use SAVE5']],
      ]);
    });

    it('stops reminding when the tenant turns reminders off after the cart came: notifications.cart_reminder skips each step, cartRecovery closes the cart', async () => {
      const store = await w.tenant('Second Thoughts');
      const phone = w.phone();
      const T = w.begin();
      const left = checkout(phone, T);
      await w.post(store, '/abandoned-cart', left);
      await w.runUntil(T + HOUR);
      await w.patch(store, { notifications: { cart_reminder: { enabled: false } } });
      await w.runUntil(T + 5 * HOUR);
      expect((await w.reminders(store, `91${phone}`)).map((m) => [m.state, m.skipReason])).toEqual([
        ['accepted', null],
        ['skipped', 'kind_disabled'],
      ]);
      // Turned back on: the next step goes.
      await w.patch(store, { notifications: { cart_reminder: { enabled: true } } });
      await w.runUntil(T + 2 * DAY);
      expect((await sentTo(phone, store)).map((s) => s.at)).toEqual([iso(T + 30 * MINUTE), iso(T + DAY)]);

      const other = w.phone();
      const U = w.begin();
      const second = checkout(other, U);
      await w.post(store, '/abandoned-cart', second);
      await w.runUntil(U + HOUR);
      await w.patch(store, { cartRecovery: { enabled: false } });
      await w.runUntil(U + 3 * DAY);
      expect((await sentTo(other, store)).map((s) => s.at)).toEqual([iso(U + 30 * MINUTE)]);
      expect(await w.cart(store, second.token as string)).toMatchObject({ state: 'skipped', reason: 'cart_recovery_disabled', remindersSent: 1 });
    });
  });
});
