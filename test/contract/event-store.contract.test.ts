/**
 * The EventStore contract, run unchanged against real SQLite and real PostgreSQL: the
 * ingest transaction's small operations, its outbox (jobs commit or vanish with the events),
 * idempotency keys, listing, and byte-exact raw bodies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/ports/clock.js';
import type { EventStore, NewEvent, StoredEvent } from '../../src/domain/ports/event-store.js';
import { timeOrderedIds } from '../../src/domain/ports/ids.js';
import type { Page } from '../../src/domain/ports/page.js';
import { DatabaseJobQueue } from '../../src/queue/database-queue.js';
import { SqlEventStore } from '../../src/store/event-repository.js';
import { databaseTargets } from '../support/databases.js';
import { openContractDatabase, sha256, unique, type ContractDatabase } from './contract-database.js';

const MINUTE = 60_000;

describe.each(databaseTargets())('$name event store', (factory) => {
  describe.skipIf(factory.skip)('contract', () => {
    let database: ContractDatabase | undefined;
    let store: EventStore;
    let queue: DatabaseJobQueue;
    const clock = new ManualClock('2026-03-01T10:00:00.000Z');
    const ids = timeOrderedIds(() => clock.now().getTime());

    beforeAll(async () => {
      database = await openContractDatabase(factory);
      store = new SqlEventStore(database.connection.db, ids);
      queue = new DatabaseJobQueue(database.connection.db, database.connection.capabilities, clock, ids);
    });
    afterAll(async () => database?.close());

    function event(tenantId: string, overrides: Partial<NewEvent> = {}): NewEvent {
      clock.advance(1);
      const rawBody = overrides.rawBody ?? JSON.stringify({ n: unique('body') });
      return {
        id: ids.next('evt'),
        tenantId,
        kind: 'order.created',
        resourceKey: 'order-1',
        bodyHash: sha256(rawBody),
        revision: 1,
        outcome: 'accepted',
        rawBody,
        normalized: { order: 'order-1', total: 12.5, items: [{ sku: 'A', qty: 2 }], note: null },
        idempotencyKey: null,
        receivedAt: clock.now(),
        ...overrides,
      };
    }

    async function storeEvents(events: NewEvent[]): Promise<void> {
      const inserted = await store.ingest(async (tx) => {
        const results: boolean[] = [];
        for (const e of events) results.push(await tx.insertEvent(e));
        return results;
      });
      expect(inserted).toEqual(events.map(() => true));
    }

    it('inserts an event once per (tenant, kind, resource, body hash)', async () => {
      const tenant = unique('ten');
      const first = event(tenant, { bodyHash: 'hash-a' });
      const sameBody = event(tenant, { bodyHash: 'hash-a', revision: 2 });
      const otherBody = event(tenant, { bodyHash: 'hash-b', revision: 2 });
      const otherTenant = event(unique('ten'), { bodyHash: 'hash-a' });
      const otherKind = event(tenant, { bodyHash: 'hash-a', kind: 'order.cancelled' });
      const otherResource = event(tenant, { bodyHash: 'hash-a', resourceKey: 'order-2' });

      const results = await store.ingest(async (tx) => [
        await tx.insertEvent(first),
        await tx.insertEvent(sameBody),
        await tx.insertEvent(otherBody),
        await tx.insertEvent(otherTenant),
        await tx.insertEvent(otherKind),
        await tx.insertEvent(otherResource),
      ]);
      expect(results).toEqual([true, false, true, true, true, true]);
      expect(await store.get(tenant, first.id)).toEqual(first);
      expect(await store.get(tenant, sameBody.id)).toBeUndefined();
      expect(await store.get(tenant, otherBody.id)).toEqual(otherBody);
      // Also across transactions.
      expect(await store.ingest((tx) => tx.insertEvent(event(tenant, { bodyHash: 'hash-b' })))).toBe(false);
    });

    it('tells whether the same body of a resource is stored', async () => {
      const tenant = unique('ten');
      await storeEvents([event(tenant, { kind: 'cart.updated', resourceKey: 'cart-9', bodyHash: 'h1' })]);
      const answers = await store.ingest(async (tx) => [
        await tx.hasSameBody(tenant, 'cart.updated', 'cart-9', 'h1'),
        await tx.hasSameBody(tenant, 'cart.updated', 'cart-9', 'h2'),
        await tx.hasSameBody(tenant, 'cart.updated', 'cart-8', 'h1'),
        await tx.hasSameBody(tenant, 'order.created', 'cart-9', 'h1'),
        await tx.hasSameBody(unique('ten'), 'cart.updated', 'cart-9', 'h1'),
      ]);
      expect(answers).toEqual([true, false, false, false, false]);
    });

    it('counts revisions per resource and per tenant', async () => {
      const [a, b] = [unique('ten'), unique('ten')];
      const now = clock.now();
      const counts = await store.ingest(async (tx) => [
        await tx.bumpResource(a, 'order', 'o-1', 'evt_1', now),
        await tx.bumpResource(a, 'order', 'o-1', 'evt_2', now),
        await tx.bumpResource(a, 'order', 'o-2', 'evt_3', now),
        await tx.bumpResource(b, 'order', 'o-1', 'evt_4', now),
        await tx.bumpResource(a, 'cart', 'o-1', 'evt_5', now),
      ]);
      expect(counts).toEqual([1, 2, 1, 1, 1]);
      expect(await store.ingest((tx) => tx.bumpResource(a, 'order', 'o-1', 'evt_6', now))).toBe(3);
      expect(await store.ingest((tx) => tx.bumpResource(b, 'order', 'o-1', 'evt_7', now))).toBe(2);
    });

    it('moves progress forward only, and knows which resources exist', async () => {
      const tenant = unique('ten');
      const now = clock.now();
      const before = await store.ingest(async (tx) => [
        await tx.resourceExists(tenant, 'delivery', 'awb-1'),
        await tx.resourceExists(tenant, 'order', 'o-1'),
      ]);
      expect(before).toEqual([false, false]);

      const steps = await store.ingest(async (tx) => [
        await tx.advanceProgress(tenant, 'delivery', 'awb-1', 1, 'evt_a', now),
        await tx.advanceProgress(tenant, 'delivery', 'awb-1', 3, 'evt_b', now),
        await tx.advanceProgress(tenant, 'delivery', 'awb-1', 2, 'evt_c', now),
      ]);
      expect(steps).toEqual([true, true, false]);
      expect(await store.ingest((tx) => tx.advanceProgress(tenant, 'delivery', 'awb-1', 3, 'evt_d', now))).toBe(false);
      expect(await store.ingest((tx) => tx.advanceProgress(tenant, 'delivery', 'awb-1', 4, 'evt_e', now))).toBe(true);
      // Progress is per tenant: another tenant starts from nothing.
      expect(await store.ingest((tx) => tx.advanceProgress(unique('ten'), 'delivery', 'awb-1', 1, 'evt_f', now))).toBe(true);

      await store.ingest((tx) => tx.bumpResource(tenant, 'order', 'o-1', 'evt_g', now));
      const after = await store.ingest(async (tx) => [
        await tx.resourceExists(tenant, 'delivery', 'awb-1'),
        await tx.resourceExists(tenant, 'order', 'o-1'),
        await tx.resourceExists(tenant, 'order', 'o-2'),
        await tx.resourceExists(tenant, 'cart', 'o-1'),
        await tx.resourceExists(unique('ten'), 'order', 'o-1'),
      ]);
      expect(after).toEqual([true, true, false, false, false]);
    });

    it('claims an idempotency key: new, replay, conflict, and new again once expired', async () => {
      const tenant = unique('ten');
      const start = clock.now().getTime();
      const at = (ms: number) => new Date(start + ms);
      const claim = (hash: string, now: Date, ttl = 10 * MINUTE) =>
        store.ingest((tx) => tx.claimIdempotencyKey(tenant, 'idem-1', hash, now, new Date(now.getTime() + ttl)));

      expect(await claim('h1', at(0))).toBe('new');
      expect(await claim('h1', at(MINUTE))).toBe('replay');
      expect(await claim('h2', at(MINUTE))).toBe('conflict');
      expect(await store.idempotencyHash(tenant, 'idem-1', at(10 * MINUTE - 1))).toBe('h1');
      expect(await claim('h1', at(10 * MINUTE - 1))).toBe('replay');
      // Expired at exactly its expiry instant; the key then takes the new body.
      expect(await store.idempotencyHash(tenant, 'idem-1', at(10 * MINUTE))).toBeUndefined();
      expect(await claim('h2', at(10 * MINUTE))).toBe('new');
      expect(await store.idempotencyHash(tenant, 'idem-1', at(10 * MINUTE))).toBe('h2');
      expect(await claim('h1', at(11 * MINUTE))).toBe('conflict');
      // Keys belong to a tenant.
      const otherTenant = unique('ten');
      expect(await store.idempotencyHash(otherTenant, 'idem-1', at(11 * MINUTE))).toBeUndefined();
      expect(
        await store.ingest((tx) => tx.claimIdempotencyKey(otherTenant, 'idem-1', 'h1', at(11 * MINUTE), at(20 * MINUTE))),
      ).toBe('new');
    });

    it('queues a job in the ingest transaction that the job queue can claim', async () => {
      const tenant = unique('ten');
      const key = unique('job-key');
      const e = event(tenant);
      const returned = await store.ingest(async (tx) => {
        await tx.insertEvent(e);
        await tx.enqueue(
          { kind: 'contract.notify', payload: { eventId: e.id, big: '5735266369709823012' }, runAt: clock.now(), key, tenantId: tenant },
          clock.now(),
        );
        return 'done';
      });
      expect(returned).toBe('done');
      expect(await queue.findByKey(key)).toMatchObject({ kind: 'contract.notify', state: 'pending', attempts: 0 });

      const claimed = await queue.claim({ limit: 10, leaseMs: MINUTE, kinds: ['contract.notify'] });
      expect(claimed).toEqual([
        {
          id: expect.stringMatching(/^job_/) as unknown,
          kind: 'contract.notify',
          payload: { eventId: e.id, big: '5735266369709823012' },
          key,
          tenantId: tenant,
          runAt: clock.now(),
          attempt: 1,
          maxAttempts: 10,
        },
      ]);
      await queue.complete(claimed[0]?.id ?? '');
    });

    it('keeps nothing of a transaction whose work throws: no event, resource, key or job', async () => {
      const tenant = unique('ten');
      const key = unique('job-key');
      const e = event(tenant);
      const depth = await queue.depth();
      const failure = new Error('use case failed');
      await expect(
        store.ingest(async (tx) => {
          await tx.claimIdempotencyKey(tenant, 'idem-rollback', e.bodyHash, clock.now(), new Date(clock.now().getTime() + MINUTE));
          await tx.bumpResource(tenant, e.kind, e.resourceKey, e.id, clock.now());
          expect(await tx.insertEvent(e)).toBe(true);
          await tx.enqueue({ kind: 'contract.rollback', payload: {}, runAt: clock.now(), key, tenantId: tenant }, clock.now());
          throw failure;
        }),
      ).rejects.toBe(failure);

      expect(await store.get(tenant, e.id)).toBeUndefined();
      expect((await store.list(tenant, { limit: 10, cursor: null })).items).toEqual([]);
      expect(await store.idempotencyHash(tenant, 'idem-rollback', clock.now())).toBeUndefined();
      expect(await queue.findByKey(key)).toBeUndefined();
      expect(await queue.depth()).toBe(depth);
      expect(await queue.claim({ limit: 10, leaseMs: MINUTE, kinds: ['contract.rollback'] })).toEqual([]);
      const after = await store.ingest(async (tx) => [
        await tx.resourceExists(tenant, e.kind, e.resourceKey),
        await tx.hasSameBody(tenant, e.kind, e.resourceKey, e.bodyHash),
        await tx.insertEvent(e),
      ]);
      expect(after).toEqual([false, false, true]);
    });

    it('lists a tenant’s events newest first with paging and filters; get is scoped by tenant', async () => {
      const tenant = unique('ten');
      const other = unique('ten');
      const events = Array.from({ length: 7 }, (_, i) =>
        event(tenant, { kind: i % 3 === 0 ? 'cart.updated' : 'order.created', resourceKey: `r-${i % 2}`, bodyHash: `h-${i}` }),
      );
      const foreign = event(other, { bodyHash: 'h-foreign' });
      await storeEvents([...events, foreign]);
      const newestFirst = [...events].reverse();

      const seen: StoredEvent[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Page<StoredEvent> = await store.list(tenant, { limit: 3, cursor });
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items);
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== null && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual(newestFirst);

      const carts = await store.list(tenant, { limit: 2, cursor: null }, { kind: 'cart.updated' });
      expect(carts.items.map((e) => e.id)).toEqual([events[6]?.id, events[3]?.id]);
      const cartsRest = await store.list(tenant, { limit: 2, cursor: carts.nextCursor }, { kind: 'cart.updated' });
      expect(cartsRest).toEqual({ items: [events[0]], nextCursor: null });
      const r1 = await store.list(tenant, { limit: 10, cursor: null }, { resourceKey: 'r-1' });
      expect(r1.items.map((e) => e.id)).toEqual([events[5]?.id, events[3]?.id, events[1]?.id]);

      expect(await store.get(tenant, events[2]?.id ?? '')).toEqual(events[2]);
      expect(await store.get(other, events[2]?.id ?? '')).toBeUndefined();
      expect(await store.get(tenant, foreign.id)).toBeUndefined();
      expect(await store.list(other, { limit: 10, cursor: null })).toEqual({ items: [foreign], nextCursor: null });
    });

    it('purges expired idempotency keys and says how many', async () => {
      const tenant = unique('ten');
      // Keys of earlier tests expire within an hour; a day later, purge them so the counts below are exact.
      clock.advance(24 * 60 * MINUTE);
      const start = clock.now().getTime();
      const at = (ms: number) => new Date(start + ms);
      await store.purgeExpiredIdempotencyKeys(at(0));
      await store.ingest(async (tx) => {
        await tx.claimIdempotencyKey(tenant, 'p-1', 'h', at(0), at(MINUTE));
        await tx.claimIdempotencyKey(tenant, 'p-2', 'h', at(0), at(MINUTE));
        await tx.claimIdempotencyKey(tenant, 'p-3', 'h', at(0), at(5 * MINUTE));
      });
      expect(await store.purgeExpiredIdempotencyKeys(at(MINUTE - 1))).toBe(0);
      expect(await store.purgeExpiredIdempotencyKeys(at(MINUTE))).toBe(2);
      expect(await store.purgeExpiredIdempotencyKeys(at(MINUTE))).toBe(0);
      expect(await store.idempotencyHash(tenant, 'p-3', at(MINUTE))).toBe('h');
      expect(await store.purgeExpiredIdempotencyKeys(at(5 * MINUTE))).toBe(1);
      // Purged, not merely expired: even a lookup from before its expiry finds nothing.
      expect(await store.idempotencyHash(tenant, 'p-3', at(0))).toBeUndefined();
    });

    it('stores raw bodies byte for byte, long integers and all', async () => {
      const tenant = unique('ten');
      const bodies = ['{"id":5735266369709823012}', '{ "id" : 5735266369709823012.50, "name":"Zoë \\u00e9 ✓ 🚚" }\n', '[]'];
      const stored = bodies.map((rawBody, i) => event(tenant, { rawBody, resourceKey: `raw-${i}`, normalized: { id: '5735266369709823012' } }));
      await storeEvents(stored);
      for (const [i, e] of stored.entries()) {
        const got = await store.get(tenant, e.id);
        expect(got?.rawBody).toBe(bodies[i]);
        expect(got?.normalized).toEqual({ id: '5735266369709823012' });
      }
    });
  });
});
