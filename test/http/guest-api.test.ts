/**
 * The guest API over inject(), on real SQLite and real PostgreSQL: every answer of
 * BRIEF.md's table, both payload families, duplicates, revisions, stale events, long ids
 * and tenant isolation.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  businessOnBotCart,
  businessOnBotOrder,
  seedDeliveryEvent,
  shopifyCheckout,
  shopifyFulfillment,
  shopifyFulfillmentEvent,
  shopifyOrder,
} from '../../src/domain/events/fixtures.js';
import { databaseTargets } from '../support/databases.js';
import { createTenant, startHarness, type Harness } from '../support/harness.js';

const SUCCESS = { status: 'success', statusCode: 200 };
let seq = 0;
const uniqueId = (prefix = 'ord') => `${prefix}-${Date.now()}-${++seq}`;

describe.each(databaseTargets())('guest API on $name', (factory) => {
  describe.skipIf(factory.skip)('', () => {
    let h: Harness;
    let tenant: { id: string; guestKey: string };

    beforeAll(async () => {
      h = await startHarness(factory, { BODY_LIMIT_BYTES: '4096' });
      tenant = await createTenant(h);
    });
    afterAll(async () => h?.close());

    const post = (url: string, body: unknown, headers: Record<string, string> = {}, key = tenant.guestKey) =>
      h.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', ...(key === '' ? {} : { 'x-guest-id': key }), ...headers },
        payload: typeof body === 'string' ? body : JSON.stringify(body),
      });

    async function events(tenantId = tenant.id, kind?: string) {
      const res = await h.app.inject({
        method: 'GET',
        url: `/admin/tenants/${tenantId}/events?limit=200${kind ? `&kind=${kind}` : ''}`,
        headers: h.admin,
      });
      expect(res.statusCode).toBe(200);
      return res.json<{ items: { id: string; kind: string; resourceKey: string; outcome: string; revision: number; event: Record<string, unknown> }[] }>().items;
    }

    async function jobsFor(eventId: string): Promise<number> {
      const rows = await h.orderline.connection.db.selectFrom('jobs').select('payload').where('kind', '=', 'event.process').execute();
      return rows.filter((r) => (JSON.parse(r.payload) as { eventId: string }).eventId === eventId).length;
    }

    describe('accepted events', () => {
      const cases: [string, () => Record<string, unknown>, string][] = [
        ['/orders-create', () => businessOnBotOrder({ id: uniqueId() }), 'order_created'],
        ['/orders-create', () => shopifyOrder({ id: uniqueId() }), 'order_created'],
        ['/orders-cancelled', () => businessOnBotOrder({ id: uniqueId(), cancelledAt: '2026-03-01T09:00:00Z' }), 'order_cancelled'],
        ['/fulfillments-create', () => shopifyFulfillment({ id: uniqueId('ful'), order_id: uniqueId() }), 'fulfillment_created'],
        ['/fulfillments-events-create', () => seedDeliveryEvent({ id: uniqueId(), fulfillment_id: uniqueId('ful') }), 'delivery_updated'],
        ['/fulfillments-events-create', () => shopifyFulfillmentEvent({ order_id: uniqueId(), fulfillment_id: uniqueId('ful') }), 'delivery_updated'],
        ['/abandoned-cart', () => shopifyCheckout({ token: uniqueId('tok') }), 'cart_abandoned'],
        ['/abandoned-cart', () => businessOnBotCart({ abandoned_cart_id: uniqueId('cart') }), 'cart_abandoned'],
        // Wrapped as Shopify's REST API and some forwarders send them.
        ['/orders-create', () => ({ order: shopifyOrder({ id: uniqueId() }) }), 'order_created'],
        ['/orders-cancelled', () => ({ order: shopifyOrder({ id: uniqueId(), cancelled_at: '2026-03-01T09:00:00Z' }) }), 'order_cancelled'],
        ['/fulfillments-create', () => ({ fulfillment: shopifyFulfillment({ id: uniqueId('ful'), order_id: uniqueId() }) }), 'fulfillment_created'],
        ['/fulfillments-events-create', () => ({ fulfillment_event: shopifyFulfillmentEvent({ order_id: uniqueId(), fulfillment_id: uniqueId('ful') }) }), 'delivery_updated'],
      ];
      it.each(cases)('%s stores the event and answers exactly the seed envelope', async (url, build, kind) => {
        const res = await post(url, build());
        expect(res.statusCode).toBe(200);
        expect(res.body).toBe(JSON.stringify(SUCCESS));
        const [latest] = await events();
        expect(latest?.kind).toBe(kind);
        expect(latest?.outcome).toBe('accepted');
        expect(await jobsFor(latest!.id)).toBe(1);
      });
    });

    describe('error envelopes, in the documented order', () => {
      it('404 for an unknown path, whatever the method', async () => {
        for (const method of ['GET', 'POST'] as const) {
          const res = await h.app.inject({ method, url: '/orders-created' });
          expect(res.statusCode).toBe(404);
          expect(res.json()).toEqual({ status: 'failure', statusCode: 404, error: 'Not Found!!' });
        }
      });

      it('405 with an Allow header for a wrong method, before auth', async () => {
        const res = await h.app.inject({ method: 'GET', url: '/orders-create' });
        expect(res.statusCode).toBe(405);
        expect(res.headers.allow).toBe('POST');
        expect(res.json()).toEqual({ status: 'failure', statusCode: 405, error: 'Method Not Allowed!!' });
      });

      it('401 for a missing or unknown key, before the content type is looked at', async () => {
        for (const key of ['', 'olk_not-a-real-key']) {
          const res = await h.app.inject({
            method: 'POST',
            url: '/orders-create',
            headers: { 'content-type': 'text/plain', ...(key ? { 'x-guest-id': key } : {}) },
            payload: 'hello',
          });
          expect(res.statusCode).toBe(401);
          expect(res.json()).toEqual({ status: 'failure', statusCode: 401, error: 'Unauthorized!!' });
        }
      });

      it('415 for a body that is not JSON, before its size is looked at', async () => {
        const res = await post('/orders-create', 'x'.repeat(10_000), { 'content-type': 'text/plain' });
        expect(res.statusCode).toBe(415);
        expect(res.json()).toEqual({ status: 'failure', statusCode: 415, error: 'Unsupported Media Type!!' });
      });

      it('413 for a JSON body over BODY_LIMIT_BYTES', async () => {
        const res = await post('/orders-create', { id: uniqueId(), note: 'x'.repeat(5000) });
        expect(res.statusCode).toBe(413);
        expect(res.json()).toEqual({ status: 'failure', statusCode: 413, error: 'Payload Too Large!!' });
      });

      it('400 with details for broken JSON, an empty body and a schema violation', async () => {
        const broken = await post('/orders-create', '{"id": "1",');
        expect(broken.statusCode).toBe(400);
        expect(broken.json()).toMatchObject({ status: 'failure', statusCode: 400, error: 'Bad payload!!' });
        expect(broken.json<{ details: { path: string }[] }>().details[0]?.path).toBe('');

        const empty = await post('/orders-create', '');
        expect(empty.statusCode).toBe(400);
        expect(empty.json()).toMatchObject({ error: 'Bad payload!!' });

        const missing = await post('/orders-create', { name: '#1' });
        expect(missing.statusCode).toBe(400);
        expect(missing.json<{ details: { path: string }[] }>().details).toContainEqual(expect.objectContaining({ path: '/id' }));

        const fulfillment = await post('/fulfillments-create', { id: 'f1' });
        expect(fulfillment.statusCode).toBe(400);
        expect(JSON.stringify(fulfillment.json())).toContain('order_id');

        const status = await post('/fulfillments-events-create', seedDeliveryEvent({ status: 'Lost-at-sea' }));
        expect(status.statusCode).toBe(400);
        expect(status.json<{ details: { path: string }[] }>().details).toContainEqual(expect.objectContaining({ path: '/status' }));

        const cart = await post('/abandoned-cart', { customer_phone: '9812345678' });
        expect(cart.statusCode).toBe(400);

        const array = await post('/orders-create', '[1,2]');
        expect(array.statusCode).toBe(400);
      });

      it('415 for a compressed body; a body led by a byte order mark is read as JSON', async () => {
        const gzipped = await h.app.inject({
          method: 'POST',
          url: '/orders-create',
          headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-guest-id': tenant.guestKey },
          payload: gzipSync(JSON.stringify({ id: uniqueId() })),
        });
        expect(gzipped.statusCode).toBe(415);
        expect(gzipped.json()).toEqual({
          status: 'failure',
          statusCode: 415,
          error: 'Unsupported Media Type!!',
          message: 'Content-Encoding "gzip" is not accepted; send the body uncompressed',
        });
        // JSON is UTF-8: a body declared in another charset is refused, not stored garbled.
        const latin1 = await post('/orders-create', { id: uniqueId() }, { 'content-type': 'application/json; charset=iso-8859-1' });
        expect(latin1.statusCode).toBe(415);
        expect(latin1.json()).toMatchObject({ message: 'charset "iso-8859-1" is not accepted; send JSON in UTF-8' });
        expect((await post('/orders-create', businessOnBotOrder({ id: uniqueId() }), { 'content-type': 'application/json; charset="UTF-8"' })).statusCode).toBe(200);
        const id = uniqueId();
        const bom = await post('/orders-create', `\ufeff${JSON.stringify(businessOnBotOrder({ id }))}`);
        expect(bom.statusCode).toBe(200);
        const stored = (await events()).find((e) => e.resourceKey === id);
        expect(stored?.event).toMatchObject({ kind: 'order_created', order: { id } });
      });

      it('400 for JSON nested deeper than 128 levels; as deep as that is stored and listed', async () => {
        const nestedIn = (id: string, depth: number) => `{"id":"${id}","extra":${'['.repeat(depth)}${']'.repeat(depth)}}`;
        const tooDeep = uniqueId();
        const refused = await post('/orders-create', nestedIn(tooDeep, 128));
        expect(refused.statusCode).toBe(400);
        expect(refused.json()).toEqual({
          status: 'failure',
          statusCode: 400,
          error: 'Bad payload!!',
          details: [{ path: '', message: 'JSON nested deeper than 128 levels' }],
        });
        const deepest = uniqueId();
        expect((await post('/orders-create', nestedIn(deepest, 127))).statusCode).toBe(200);
        const listed = (await events()).map((e) => e.resourceKey);
        expect(listed).toContain(deepest);
        expect(listed).not.toContain(tooDeep);
      });

      it('409 when an Idempotency-Key is reused with a different body; same body is a no-op', async () => {
        const key = `idem-${uniqueId()}`;
        const body = businessOnBotOrder({ id: uniqueId() });
        const first = await post('/orders-create', body, { 'idempotency-key': key });
        expect(first.statusCode).toBe(200);
        const again = await post('/orders-create', body, { 'idempotency-key': key });
        expect(again.statusCode).toBe(200);
        expect((await events()).filter((e) => e.resourceKey === body.id)).toHaveLength(1);
        const other = await post('/orders-create', businessOnBotOrder({ id: uniqueId() }), { 'idempotency-key': key });
        expect(other.statusCode).toBe(409);
        expect(other.json()).toMatchObject({ status: 'failure', statusCode: 409, error: 'Conflict!!' });
        // The same bytes under the same key to another endpoint are another request: 409, not a
        // 200 that stores nothing.
        const elsewhere = await post('/orders-cancelled', body, { 'idempotency-key': key });
        expect(elsewhere.statusCode).toBe(409);
        expect((await events(tenant.id, 'order_cancelled')).filter((e) => e.resourceKey === body.id)).toHaveLength(0);
      });

      it('429 over the tenant limit, and 200 again once the bucket refills', async () => {
        const limited = await createTenant(h, { name: 'Limited', guestApi: { requestsPerSecond: 2 } });
        const send = () => post('/orders-create', businessOnBotOrder({ id: uniqueId() }), {}, limited.guestKey);
        expect((await send()).statusCode).toBe(200);
        expect((await send()).statusCode).toBe(200);
        const third = await send();
        expect(third.statusCode).toBe(429);
        expect(third.json()).toEqual({ status: 'failure', statusCode: 429, error: 'Too Many Requests!!' });
        h.clock.advance(1000);
        expect((await send()).statusCode).toBe(200);
        expect(await events(limited.id)).toHaveLength(3);
      });

      it.skipIf(factory.name !== 'postgres')('holds the tenant limit across API processes sharing the database', async () => {
        const limited = await createTenant(h, { name: 'Limited Fleet', guestApi: { requestsPerSecond: 2 } });
        const second = await h.another();
        try {
          const send = (app: typeof h.app) =>
            app.inject({ method: 'POST', url: '/orders-create', headers: { 'content-type': 'application/json', 'x-guest-id': limited.guestKey }, payload: businessOnBotOrder({ id: uniqueId() }) });
          expect((await send(h.app)).statusCode).toBe(200);
          expect((await send(second.app)).statusCode).toBe(200);
          // Each process alone has had one request this second; together, the tenant has had its two.
          expect((await send(second.app)).statusCode).toBe(429);
          expect((await send(h.app)).statusCode).toBe(429);
          h.clock.advance(500);
          expect((await send(second.app)).statusCode).toBe(200);
          expect(await events(limited.id)).toHaveLength(3);
        } finally {
          await second.stop();
        }
      });
    });

    describe('the same event, and stale events', () => {
      it('stores a duplicate body once and queues one job', async () => {
        const body = shopifyOrder({ id: uniqueId() });
        for (let i = 0; i < 3; i++) expect((await post('/orders-create', body)).statusCode).toBe(200);
        const stored = (await events()).filter((e) => e.resourceKey === body.id);
        expect(stored).toHaveLength(1);
        expect(await jobsFor(stored[0]!.id)).toBe(1);
      });

      it('stores a changed body as a revision that queues nothing', async () => {
        const id = uniqueId();
        await post('/orders-create', businessOnBotOrder({ id, note: 'first' }));
        await post('/orders-create', businessOnBotOrder({ id, note: 'second' }));
        const stored = (await events()).filter((e) => e.resourceKey === id);
        expect(stored.map((e) => [e.revision, e.outcome])).toEqual([
          [2, 'revision'],
          [1, 'accepted'],
        ]);
        expect(await jobsFor(stored[0]!.id)).toBe(0);
      });

      it('moves delivery forward only; Returned may follow any, nothing follows Returned', async () => {
        const order = uniqueId();
        const fulfillment = uniqueId('ful');
        const send = (status: string) => post('/fulfillments-events-create', seedDeliveryEvent({ id: order, fulfillment_id: fulfillment, status }));
        for (const status of ['Dispatched', 'DELIVERED', 'in_transit', 'Returned', 'Delivered']) {
          expect((await send(status)).statusCode).toBe(200);
        }
        const outcomes = (await events(tenant.id, 'delivery_updated'))
          .filter((e) => e.resourceKey.startsWith(`${order}|`))
          .reverse()
          .map((e) => [e.resourceKey.split('|')[2], e.outcome]);
        expect(outcomes).toEqual([
          ['dispatched', 'accepted'],
          ['delivered', 'accepted'],
          ['in_transit', 'stale'],
          ['returned', 'accepted'],
          // Same (order, fulfillment, status) as DELIVERED with another body: a revision.
          ['delivered', 'revision'],
        ]);
      });

      it('nothing follows Returned', async () => {
        const order = uniqueId();
        await post('/fulfillments-events-create', seedDeliveryEvent({ id: order, fulfillment_id: 'r', status: 'Returned' }));
        await post('/fulfillments-events-create', seedDeliveryEvent({ id: order, fulfillment_id: 'r', status: 'Delivered' }));
        const [latest] = await events(tenant.id, 'delivery_updated');
        expect(latest?.resourceKey).toBe(`${order}|r|delivered`);
        expect(latest?.outcome).toBe('stale');
      });

      it('tracks delivery per fulfillment: another fulfillment of the same order is not stale', async () => {
        const order = uniqueId();
        await post('/fulfillments-events-create', seedDeliveryEvent({ id: order, fulfillment_id: 'a', status: 'Delivered' }));
        const res = await post('/fulfillments-events-create', seedDeliveryEvent({ id: order, fulfillment_id: 'b', status: 'In-transit' }));
        expect(res.statusCode).toBe(200);
        const latest = (await events(tenant.id, 'delivery_updated'))[0];
        expect(latest?.outcome).toBe('accepted');
      });

      it('decides events that share one commit in arrival order', async () => {
        const id = uniqueId();
        const order = uniqueId();
        const first = businessOnBotOrder({ id, note: 'A' });
        const sends: [string, unknown][] = [
          ['/orders-create', first],
          ['/orders-create', first],
          ['/orders-create', businessOnBotOrder({ id, note: 'B' })],
          ['/orders-create', first],
          ['/fulfillments-events-create', seedDeliveryEvent({ id: order, fulfillment_id: 'f', status: 'Delivered' })],
          ['/fulfillments-events-create', seedDeliveryEvent({ id: order, fulfillment_id: 'f', status: 'In-transit' })],
        ];
        const answers = await Promise.all(sends.map(([url, body]) => post(url, body)));
        expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
        const orders = (await events(tenant.id, 'order_created')).filter((e) => e.resourceKey === id);
        expect(orders.map((e) => [e.revision, e.outcome])).toEqual([
          [2, 'revision'],
          [1, 'accepted'],
        ]);
        expect(await jobsFor(orders[1]!.id)).toBe(1);
        const deliveries = (await events(tenant.id, 'delivery_updated')).filter((e) => e.resourceKey.startsWith(`${order}|`));
        expect(deliveries.map((e) => [e.resourceKey.split('|')[2], e.outcome])).toEqual([
          ['in_transit', 'stale'],
          ['delivered', 'accepted'],
        ]);
      });

      it('an orders-create after its cancellation notifies nobody', async () => {
        const id = uniqueId();
        await post('/orders-cancelled', businessOnBotOrder({ id, cancelledAt: '2026-03-01T09:00:00Z' }));
        await post('/orders-create', businessOnBotOrder({ id }));
        const created = (await events(tenant.id, 'order_created')).find((e) => e.resourceKey === id);
        expect(created?.outcome).toBe('stale');
        expect(await jobsFor(created!.id)).toBe(0);
      });
    });

    it('points into a wrapped body when what it wraps lacks a required field', async () => {
      const res = await post('/orders-create', { order: { name: '#1' } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ statusCode: 400, details: [{ path: '/order/id', message: "must have required property 'id'" }] });
      // Not wrapped (it has its own id): read as the order itself.
      const bare = await post('/orders-create', { id: uniqueId(), order: { note: 'a field named order' } });
      expect(bare.statusCode).toBe(200);
      // A Shopify id above 2^53 inside the wrapper is kept exactly.
      const big = `9${String(Date.now()).padStart(18, '0')}`;
      expect((await post('/orders-create', `{"order":{"id":${big},"name":"#W1"}}`)).statusCode).toBe(200);
      expect((await events())[0]?.resourceKey).toBe(big);
    });

    it('keeps numeric ids above 2^53 exactly, and the raw body byte for byte', async () => {
      const raw = '{"id":5735266369709823012,"name":"#9001","line_items":[{"title":"Tee","quantity":1,"variant_id":40000000000000001}]}';
      expect((await post('/orders-create', raw)).statusCode).toBe(200);
      const [latest] = await events();
      expect(latest?.resourceKey).toBe('5735266369709823012');
      const stored = await h.orderline.events.get(tenant.id, latest!.id);
      expect(stored?.rawBody).toBe(raw);
      expect(JSON.stringify(stored?.normalized)).toContain('"variantId":"40000000000000001"');
    });

    it("isolates tenants: one tenant's events never dedupe against or show up for another", async () => {
      const other = await createTenant(h, { name: 'Other Store' });
      const body = businessOnBotOrder({ id: uniqueId() });
      expect((await post('/orders-create', body)).statusCode).toBe(200);
      expect((await post('/orders-create', body, {}, other.guestKey)).statusCode).toBe(200);
      const mine = (await events(tenant.id)).filter((e) => e.resourceKey === body.id);
      const theirs = await events(other.id);
      expect(mine).toHaveLength(1);
      expect(theirs).toHaveLength(1);
      expect(theirs[0]?.outcome).toBe('accepted');
      expect(theirs[0]?.id).not.toBe(mine[0]?.id);
      const crossRead = await h.app.inject({ method: 'GET', url: `/admin/tenants/${other.id}/events/${mine[0]!.id}`, headers: h.admin });
      expect(crossRead.statusCode).toBe(404);
    });

    it('stops an old key at rotation, or after its grace period', async () => {
      const t = await createTenant(h, { name: 'Rotating' });
      const send = (key: string) => post('/orders-create', businessOnBotOrder({ id: uniqueId() }), {}, key);
      const rotate = async (body?: unknown) => {
        const res = await h.app.inject({ method: 'POST', url: `/admin/tenants/${t.id}/guest-keys`, headers: h.admin, ...(body ? { payload: body } : {}) });
        expect(res.statusCode, res.body).toBe(200);
        return res.json<{ guestKey: string; previousKeyValidUntil: string }>();
      };
      const first = await rotate();
      expect(first.previousKeyValidUntil).toBe(h.clock.now().toISOString());
      expect((await send(t.guestKey)).statusCode).toBe(401);
      expect((await send(first.guestKey)).statusCode).toBe(200);

      const second = await rotate({ gracePeriod: '10m' });
      expect((await send(first.guestKey)).statusCode).toBe(200);
      expect((await send(second.guestKey)).statusCode).toBe(200);
      h.clock.advance(10 * 60_000 + 2_001);
      expect((await send(first.guestKey)).statusCode).toBe(401);
      expect((await send(second.guestKey)).statusCode).toBe(200);
    });

    it('answers an unexpected fault with the 500 envelope and no internals', async () => {
      const broken = await startHarness(factory);
      const t = await createTenant(broken);
      await broken.orderline.connection.db.schema.dropTable('events').execute();
      const res = await broken.app.inject({
        method: 'POST',
        url: '/orders-create',
        headers: { 'content-type': 'application/json', 'x-guest-id': t.guestKey },
        payload: JSON.stringify(businessOnBotOrder({ id: uniqueId() })),
      });
      await broken.close();
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ status: 'failure', statusCode: 500, error: 'Internal Server Error!!' });
    });
  });
});
