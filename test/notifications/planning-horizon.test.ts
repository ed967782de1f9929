/**
 * Planning keeps only a few seconds ahead of a tenant's sending (src/use-cases/planning-horizon.ts),
 * on real SQLite and PostgreSQL with a manual clock. A number allowed 1 message a second has
 * its horizon at 10 waiting sends; its sending is paused (as by a 190, an expired token), so
 * the waiting sends stay until the token is replaced. Events posted then are stored and acknowledged at
 * once, their planning parked, in order; cart reminders wait for the parked events.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { businessOnBotCart, businessOnBotOrder } from '../../src/domain/events/fixtures.js';
import { PROCESS_EVENT_JOB } from '../../src/use-cases/ingest-event.js';
import { LEAD_SEC, REFRESH_MS } from '../../src/use-cases/planning-horizon.js';
import { CartWorld, epochSeconds, iso, MINUTE, type TestTenant } from '../carts/cart-world.js';
import { databaseTargets } from '../support/databases.js';


describe.each(databaseTargets())('planning horizon on $name', (factory) => {
  describe.skipIf(factory.skip)('', () => {
    let w: CartWorld;

    beforeAll(async () => {
      w = await CartWorld.start(factory, '96');
    });
    afterAll(async () => w?.close());

    const order = (tenant: TestTenant, id: string, phone: string, createdAt: number) =>
      w.post(tenant, '/orders-create', businessOnBotOrder({ id, phone, createdAt: iso(createdAt) }));

    /** A tenant sending 1 message a second whose sending is paused with 10 messages waiting: the horizon. */
    async function behindTenant(name: string, first: (tenant: TestTenant) => Promise<void> = async () => {}): Promise<TestTenant> {
      const tenant = await w.tenant(name, { reminders: [{ after: '10s' }], suppression: { afterOrderConfirmation: null } }, { whatsapp: { messagesPerSecond: 1, phoneNumberId: `20${Date.now()}${name.length}`, accessToken: 'EAAG-expiring' } });
      await first(tenant);
      // As after a 190 (expired token): sends wait, postponed, until a new token comes.
      await w.h.orderline.alerts.pauseSending(tenant.id, 'access token expired (190)');
      for (let i = 0; i < 10; i++) await order(tenant, w.uid('fill'), w.phone(), w.now());
      await w.settle();
      const queued = await w.get<{ items: { state: string }[] }>(`/admin/tenants/${tenant.id}/messages?state=queued&limit=50`);
      expect(queued.items).toHaveLength(10);
      // The next event starts a fresh read of the backlog; the ten let through already make the horizon.
      w.h.clock.advance(REFRESH_MS);
      return tenant;
    }

    const eventJobs = (tenantId: string) =>
      w.h.orderline.connection.db
        .selectFrom('jobs')
        .select(['id', 'run_at', 'payload'])
        .where('kind', '=', PROCESS_EVENT_JOB)
        .where('tenant_id', '=', tenantId)
        .where('state', '=', 'pending')
        .orderBy('run_at')
        .execute();

    it('stores and acknowledges events at once while their planning waits, in order, until sending catches up; then plans and sends them in that order', async () => {
      const tenant = await behindTenant('Flood Store');
      const T = w.now();
      const late = [w.phone(), w.phone(), w.phone()];
      const lateIds = late.map(() => w.uid('late'));
      // The runner is told of work due now only: told of a parked job it would claim in vain.
      const nudge = vi.spyOn(w.h.orderline.runner, 'nudge');
      for (let i = 0; i < late.length; i++) await order(tenant, lateIds[i]!, late[i]!, T);
      expect(nudge).not.toHaveBeenCalled();
      const calm = await w.tenant('Calm Store');
      await order(calm, w.uid('calm'), w.phone(), T);
      expect(nudge).toHaveBeenCalledTimes(1);
      nudge.mockRestore();

      const events = await w.get<{ items: { id: string }[] }>(`/admin/tenants/${tenant.id}/events?limit=50`);
      expect(events.items).toHaveLength(13);
      const parked = (await eventJobs(tenant.id)).filter((j) => j.run_at > T);
      expect(parked).toHaveLength(3);
      expect(parked[0]!.run_at).toBe(T + LEAD_SEC * 1000);
      // Each a paced send slot (1 / 0.96 s) after the one before, in the order posted.
      expect(parked.map((j) => j.run_at - parked[0]!.run_at)).toEqual([0, 1041, 2083]);
      const newest = [...events.items].slice(0, 3).reverse().map((e) => e.id);
      expect(parked.map((j) => (JSON.parse(j.payload) as { eventId: string }).eventId)).toEqual(newest);

      const metrics = await w.h.app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/^orderline_events_held_back 3$/m);

      await w.settle();
      const planned = await w.get<{ items: { orderId: string | null }[] }>(`/admin/tenants/${tenant.id}/messages?limit=50`);
      expect(planned.items.map((m) => m.orderId)).not.toContain(lateIds[0]);
      expect(planned.items).toHaveLength(10);

      // A new token resumes sending: the waiting messages go out, then the parked events are planned and sent, in order.
      const patched = await w.h.app.inject({ method: 'PATCH', url: `/admin/tenants/${tenant.id}`, headers: w.h.admin, payload: { whatsapp: { accessToken: 'EAAG-fresh' } } });
      expect(patched.statusCode).toBe(200);
      await w.runUntil(T + 10 * MINUTE);
      const all = await w.get<{ items: { state: string }[] }>(`/admin/tenants/${tenant.id}/messages?limit=50`);
      expect(all.items.map((m) => m.state)).toEqual(new Array<string>(13).fill('accepted'));
      const order_ = w.sender.sent.map((s) => s.message.to);
      const positions = late.map((p) => order_.indexOf(`91${p}`));
      expect(positions.every((p) => p >= 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    });

    /** A customer's cart that came just before the flood: planned at once, its reminder due at T + 10 s. */
    async function cartThenFlood(name: string) {
      const customer = w.phone();
      const key = w.uid('woo');
      const T = w.begin();
      const tenant = await behindTenant(name, async (t) => {
        await w.post(t, '/abandoned-cart', businessOnBotCart({ abandoned_cart_id: key, abandoned_cart_time: epochSeconds(T), customer_phone: customer }));
        await w.settle();
      });
      expect(await w.cart(tenant, key)).toMatchObject({ state: 'pending' });
      return { tenant, customer, key, T };
    }

    it('holds a cart reminder while the tenant has events waiting to be planned: the order among them stops it', async () => {
      const { tenant, customer, key, T } = await cartThenFlood('Cart Flood');

      // Nine more orders, then the customer's: parked past the reminder's time.
      for (let i = 0; i < 9; i++) await order(tenant, w.uid('fill'), w.phone(), w.now());
      await order(tenant, w.uid('ord'), customer, w.now());
      const jobs = await eventJobs(tenant.id);
      expect(jobs.at(-1)!.run_at).toBeGreaterThan(T + 10_000);

      await w.runUntil(T + 5 * MINUTE);
      expect(await w.reminders(tenant, `91${customer}`)).toEqual([]);
      expect(await w.cart(tenant, key)).toMatchObject({ state: 'completed', reason: 'order_by_phone', remindersSent: 0 });
    });

    it('does not hold a reminder back because sending is behind, only for events held back', async () => {
      const { tenant, customer, T } = await cartThenFlood('Slow Sender');
      await w.runUntil(T + 10_000);
      const [reminder] = await w.reminders(tenant, `91${customer}`);
      // Made at its time; it waits in the send queue like every message of a paused sender.
      expect(reminder).toMatchObject({ kind: 'cart_reminder', state: 'queued', createdAt: iso(T + 10_000) });
    });
  });
});
