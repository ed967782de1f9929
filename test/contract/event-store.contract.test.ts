/**
 * The EventStore contract, run unchanged against real SQLite and real PostgreSQL: the
 * ingest transaction's small operations, its outbox (jobs commit or vanish with the events),
 * idempotency keys, listing, and byte-exact raw bodies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/ports/clock.js';
import { resourceRefKey, type EventStore, type NewEvent, type ResourceChange, type ResourceRef, type StoredEvent } from '../../src/domain/ports/event-store.js';
import { timeOrderedIds } from '../../src/domain/ports/ids.js';
import type { Page } from '../../src/domain/ports/page.js';
import { DatabaseJobQueue } from '../../src/queue/database-queue.js';
import { SqlEventStore } from '../../src/store/event-repository.js';
import { businessOnBotOrder, okValue, shopifyOrder } from '../../src/domain/events/fixtures.js';
import { normalizeEvent } from '../../src/domain/events/normalize.js';
import { parseJsonLossless } from '../../src/shared/lossless-json.js';
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
      store = new SqlEventStore(database.connection.db, ids, database.connection.capabilities);
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
        idempotencyKey: null,
        receivedAt: clock.now(),
        ...overrides,
      };
    }

    async function storeEvents(events: NewEvent[]): Promise<void> {
      const inserted = await store.ingest((tx) => tx.insertEvents(events));
      expect([...inserted].sort()).toEqual(events.map((e) => e.id).sort());
    }

    const ref = (tenantId: string, kind: string, resourceKey: string): ResourceRef => ({ tenantId, kind, resourceKey });
    const change = (r: ResourceRef, addRevisions: number, progress = 0): ResourceChange => ({
      ...r,
      addRevisions,
      progress,
      latestEventId: ids.next('evt'),
      at: clock.now(),
    });

    it('inserts an event once per (tenant, kind, resource, body hash)', async () => {
      const tenant = unique('ten');
      const first = event(tenant, { bodyHash: 'hash-a' });
      const otherBody = event(tenant, { bodyHash: 'hash-b', revision: 2 });
      const otherTenant = event(unique('ten'), { bodyHash: 'hash-a' });
      const otherKind = event(tenant, { bodyHash: 'hash-a', kind: 'order.cancelled' });
      const otherResource = event(tenant, { bodyHash: 'hash-a', resourceKey: 'order-2' });

      const inserted = await store.ingest((tx) => tx.insertEvents([first, otherBody, otherTenant, otherKind, otherResource]));
      expect(inserted).toEqual(new Set([first.id, otherBody.id, otherTenant.id, otherKind.id, otherResource.id]));
      // The test bodies are not orders, so they have no model.
      expect(await store.get(tenant, first.id)).toEqual({ ...first, normalized: null });
      expect(await store.get(tenant, otherBody.id)).toEqual({ ...otherBody, normalized: null });
      // The same body again, in a later transaction: skipped, not an error.
      const again = event(tenant, { bodyHash: 'hash-a', revision: 3 });
      const fresh = event(tenant, { bodyHash: 'hash-c', revision: 3 });
      expect(await store.ingest((tx) => tx.insertEvents([again, fresh]))).toEqual(new Set([fresh.id]));
      expect(await store.get(tenant, again.id)).toBeUndefined();
    });

    it('tells which bodies of which resources are stored', async () => {
      const tenant = unique('ten');
      await storeEvents([event(tenant, { kind: 'cart.updated', resourceKey: 'cart-9', bodyHash: 'h1' })]);
      const probe = (tenantId: string, kind: string, resourceKey: string, bodyHash: string) => ({ tenantId, kind, resourceKey, bodyHash });
      const found = await store.ingest((tx) =>
        tx.storedBodies([
          probe(tenant, 'cart.updated', 'cart-9', 'h1'),
          probe(tenant, 'cart.updated', 'cart-9', 'h2'),
          probe(tenant, 'cart.updated', 'cart-8', 'h1'),
          probe(tenant, 'order.created', 'cart-9', 'h1'),
          probe(unique('ten'), 'cart.updated', 'cart-9', 'h1'),
        ]),
      );
      expect(found).toEqual([probe(tenant, 'cart.updated', 'cart-9', 'h1')]);
      expect(await store.ingest((tx) => tx.storedBodies([]))).toEqual([]);
    });

    it('counts revisions per resource and per tenant, and reads them back', async () => {
      const [a, b] = [unique('ten'), unique('ten')];
      const refs = [ref(a, 'order', 'o-1'), ref(a, 'order', 'o-2'), ref(b, 'order', 'o-1'), ref(a, 'cart', 'o-1')];
      expect((await store.ingest((tx) => tx.resourceStates(refs))).size).toBe(0);
      const after = await store.ingest((tx) => tx.applyResourceChanges([change(refs[0]!, 2), change(refs[1]!, 1), change(refs[2]!, 1)]));
      expect(after.get(resourceRefKey(refs[0]!))).toEqual({ revisions: 2, progress: 0 });
      expect(after.get(resourceRefKey(refs[2]!))).toEqual({ revisions: 1, progress: 0 });
      const again = await store.ingest((tx) => tx.applyResourceChanges([change(refs[0]!, 1), change(refs[2]!, 1)]));
      expect(again.get(resourceRefKey(refs[0]!))?.revisions).toBe(3);
      expect(again.get(resourceRefKey(refs[2]!))?.revisions).toBe(2);
      const states = await store.ingest((tx) => tx.resourceStates(refs));
      expect(states.get(resourceRefKey(refs[1]!))).toEqual({ revisions: 1, progress: 0 });
      expect(states.has(resourceRefKey(refs[3]!))).toBe(false);
    });

    it('moves progress forward only', async () => {
      const r = ref(unique('ten'), 'delivery', 'awb-1');
      const key = resourceRefKey(r);
      const progressAfter = async (progress: number) =>
        (await store.ingest((tx) => tx.applyResourceChanges([change(r, 0, progress)]))).get(key)?.progress;
      expect(await progressAfter(1)).toBe(1);
      expect(await progressAfter(3)).toBe(3);
      expect(await progressAfter(2)).toBe(3);
      expect(await progressAfter(4)).toBe(4);
      // Progress is per tenant: another tenant starts from nothing.
      const other = ref(unique('ten'), 'delivery', 'awb-1');
      expect((await store.ingest((tx) => tx.applyResourceChanges([change(other, 0, 1)]))).get(resourceRefKey(other))?.progress).toBe(1);
    });

    it('keeps idempotency records per tenant until they expire', async () => {
      const tenant = unique('ten');
      const start = clock.now().getTime();
      const at = (ms: number) => new Date(start + ms);
      const record = (bodyHash: string, expires: number, tenantId = tenant) => ({ tenantId, key: 'idem-1', bodyHash, expiresAt: at(expires) });
      await store.ingest((tx) => tx.saveIdempotencyRecords([record('h1', 10 * MINUTE)], at(0)));
      const read = (now: number, tenantId = tenant) => store.ingest((tx) => tx.idempotencyRecords([{ tenantId, key: 'idem-1' }], at(now)));
      expect(await read(MINUTE)).toEqual([record('h1', 10 * MINUTE)]);
      expect(await store.idempotencyHash(tenant, 'idem-1', at(10 * MINUTE - 1))).toBe('h1');
      // Expired at exactly its expiry instant; then the key may take a new body.
      expect(await read(10 * MINUTE)).toEqual([]);
      expect(await store.idempotencyHash(tenant, 'idem-1', at(10 * MINUTE))).toBeUndefined();
      await store.ingest((tx) => tx.saveIdempotencyRecords([record('h2', 20 * MINUTE)], at(10 * MINUTE)));
      expect(await store.idempotencyHash(tenant, 'idem-1', at(11 * MINUTE))).toBe('h2');
      expect(await read(11 * MINUTE, unique('ten'))).toEqual([]);
    });

    // PostgreSQL runs ingest transactions side by side (several API processes); SQLite has one
    // writer at a time, so a second transaction reads what the first saved.
    it.runIf(factory.name === 'postgres')('lets one of two transactions that read no record at once save a key; the other is told it is taken', async () => {
      const tenant = unique('ten');
      const now = clock.now();
      const record = (bodyHash: string) => ({ tenantId: tenant, key: 'idem-race', bodyHash, expiresAt: new Date(now.getTime() + MINUTE) });
      const other = database!.connectAgain();
      const otherStore = new SqlEventStore(other.db, ids, other.capabilities);
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => (release = resolve));
      let firstRead: () => void = () => {};
      const read = new Promise<void>((resolve) => (firstRead = resolve));
      // A reads nothing and saves, and waits before committing; B reads and saves meanwhile.
      const a = store.ingest(async (tx) => {
        expect(await tx.idempotencyRecords([{ tenantId: tenant, key: 'idem-race' }], now)).toEqual([]);
        const taken = await tx.saveIdempotencyRecords([record('hash-a')], now);
        firstRead();
        await gate;
        return taken;
      });
      await read;
      const b = otherStore.ingest(async (tx) => {
        const seen = await tx.idempotencyRecords([{ tenantId: tenant, key: 'idem-race' }], now);
        return { seen, taken: await tx.saveIdempotencyRecords([record('hash-b')], now) };
      });
      // B read nothing (A has not committed) and its save waits for A's row.
      setTimeout(release, 50);
      expect(await a).toEqual([]);
      expect(await b).toEqual({ seen: [], taken: [{ tenantId: tenant, key: 'idem-race' }] });
      expect(await store.idempotencyHash(tenant, 'idem-race', now)).toBe('hash-a');
    });

    it('queues a job in the ingest transaction that the job queue can claim', async () => {
      const tenant = unique('ten');
      const key = unique('job-key');
      const e = event(tenant);
      const returned = await store.ingest(async (tx) => {
        await tx.insertEvents([e]);
        await tx.enqueue(
          [{ kind: 'contract.notify', payload: { eventId: e.id, big: '5735266369709823012' }, runAt: clock.now(), key, tenantId: tenant }],
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
          await tx.saveIdempotencyRecords(
            [{ tenantId: tenant, key: 'idem-rollback', bodyHash: e.bodyHash, expiresAt: new Date(clock.now().getTime() + MINUTE) }],
            clock.now(),
          );
          await tx.applyResourceChanges([change(ref(tenant, e.kind, e.resourceKey), 1)]);
          expect(await tx.insertEvents([e])).toEqual(new Set([e.id]));
          await tx.enqueue([{ kind: 'contract.rollback', payload: {}, runAt: clock.now(), key, tenantId: tenant }], clock.now());
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
        (await tx.resourceStates([ref(tenant, e.kind, e.resourceKey)])).size,
        (await tx.storedBodies([{ tenantId: tenant, kind: e.kind, resourceKey: e.resourceKey, bodyHash: e.bodyHash }])).length,
        (await tx.insertEvents([e])).size,
      ]);
      expect(after).toEqual([0, 0, 1]);
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
      expect(seen).toEqual(newestFirst.map((e) => ({ ...e, normalized: null })));

      const carts = await store.list(tenant, { limit: 2, cursor: null }, { kind: 'cart.updated' });
      expect(carts.items.map((e) => e.id)).toEqual([events[6]?.id, events[3]?.id]);
      const cartsRest = await store.list(tenant, { limit: 2, cursor: carts.nextCursor }, { kind: 'cart.updated' });
      expect(cartsRest).toEqual({ items: [{ ...events[0], normalized: null }], nextCursor: null });
      const r1 = await store.list(tenant, { limit: 10, cursor: null }, { resourceKey: 'r-1' });
      expect(r1.items.map((e) => e.id)).toEqual([events[5]?.id, events[3]?.id, events[1]?.id]);

      expect(await store.get(tenant, events[2]?.id ?? '')).toEqual({ ...events[2], normalized: null });
      expect(await store.get(other, events[2]?.id ?? '')).toBeUndefined();
      expect(await store.get(tenant, foreign.id)).toBeUndefined();
      expect(await store.list(other, { limit: 10, cursor: null })).toEqual({ items: [{ ...foreign, normalized: null }], nextCursor: null });
    });

    it('purges expired idempotency keys and says how many', async () => {
      const tenant = unique('ten');
      // Keys of earlier tests expire within an hour; a day later, purge them so the counts below are exact.
      clock.advance(24 * 60 * MINUTE);
      const start = clock.now().getTime();
      const at = (ms: number) => new Date(start + ms);
      await store.purgeExpiredIdempotencyKeys(at(0));
      await store.ingest((tx) =>
        tx.saveIdempotencyRecords(
          [
            { tenantId: tenant, key: 'p-1', bodyHash: 'h', expiresAt: at(MINUTE) },
            { tenantId: tenant, key: 'p-2', bodyHash: 'h', expiresAt: at(MINUTE) },
            { tenantId: tenant, key: 'p-3', bodyHash: 'h', expiresAt: at(5 * MINUTE) },
          ],
          at(0),
        ),
      );
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
      const stored = bodies.map((rawBody, i) => event(tenant, { rawBody, resourceKey: `raw-${i}` }));
      await storeEvents(stored);
      for (const [i, e] of stored.entries()) {
        const got = await store.get(tenant, e.id);
        expect(got?.rawBody).toBe(bodies[i]);
      }
    });

    it('derives the model from the stored body as the guest API read it, long ids exact', async () => {
      const tenant = unique('ten');
      const rawBody = '{"id":5735266369709823012,"name":"#9001","line_items":[{"title":"Tee","quantity":1,"variant_id":40000000000000001}]}';
      const order = event(tenant, { kind: 'order_created', rawBody, resourceKey: '5735266369709823012' });
      // Stored bodies that no longer read as their kind (a stricter normaliser, a kind
      // from an older version) come back with no model rather than failing the read.
      const notAnOrder = event(tenant, { kind: 'order_created', rawBody: '[1,2]', resourceKey: 'x-1' });
      const unknownKind = event(tenant, { kind: 'order.created', rawBody, resourceKey: 'x-2' });
      await storeEvents([order, notAnOrder, unknownKind]);
      const got = await store.get(tenant, order.id);
      expect(got?.normalized?.kind).toBe('order_created');
      const model = got?.normalized?.kind === 'order_created' ? got.normalized.order : undefined;
      expect(model?.id).toBe('5735266369709823012');
      expect(JSON.stringify(model)).toContain('"40000000000000001"');
      expect((await store.get(tenant, notAnOrder.id))?.normalized).toBeNull();
      expect((await store.get(tenant, unknownKind.id))?.normalized).toBeNull();
    });

    it('reads an event stored with its model back at once (once), as a later read derives it, and only once committed', async () => {
      const tenant = unique('ten');
      const receivedAt = clock.now();
      const bodies = [JSON.stringify(shopifyOrder({ name: `#${unique('o')}` })), JSON.stringify(businessOnBotOrder({ orderId: unique('bob') }))];
      const stored = bodies.map((rawBody, i) => {
        const normalized = okValue(normalizeEvent('order_created', parseJsonLossless(rawBody), receivedAt));
        return event(tenant, { kind: 'order_created', rawBody, resourceKey: `fresh-${i}`, normalized, receivedAt });
      });
      await storeEvents(stored);
      // Another store on the same database has no memory of them: it reads and derives.
      const elsewhere = new SqlEventStore(database!.connection.db, ids, database!.connection.capabilities);
      for (const e of stored) {
        const remembered = await store.get(tenant, e.id);
        expect(remembered?.normalized).toBe(e.normalized);
        expect(remembered).toEqual(await elsewhere.get(tenant, e.id));
        // Kept for its first read only: the next one derives it again, with the same result.
        const again = await store.get(tenant, e.id);
        expect(again?.normalized).not.toBe(e.normalized);
        expect(again).toEqual(remembered);
      }
      // A store that keeps none (its events are planned elsewhere) derives even the first read.
      const keepsNone = new SqlEventStore(database!.connection.db, ids, database!.connection.capabilities, 0);
      const unkept = event(tenant, { kind: 'order_created', rawBody: bodies[1]!, resourceKey: 'unkept', normalized: stored[1]!.normalized! });
      await keepsNone.ingest((tx) => tx.insertEvents([unkept]));
      const read = await keepsNone.get(tenant, unkept.id);
      expect(read?.normalized).not.toBe(unkept.normalized);
      expect(read?.normalized).toEqual(unkept.normalized);
      // Rolled back: not remembered, not found.
      const lost = event(tenant, { kind: 'order_created', rawBody: bodies[0]!, resourceKey: 'lost', normalized: stored[0]!.normalized! });
      await expect(
        store.ingest(async (tx) => {
          await tx.insertEvents([lost]);
          throw new Error('the rest of the batch failed');
        }),
      ).rejects.toThrow('the rest of the batch failed');
      expect(await store.get(tenant, lost.id)).toBeUndefined();
    });

    it('shares parked chains between processes on PostgreSQL, moving them forward only; keeps none on SQLite', async () => {
      const [a, b] = [unique('ten'), unique('ten')];
      const at = (s: number) => new Date(Date.UTC(2026, 2, 1, 10, 0, s));
      await store.ingest((tx) => tx.extendParkedChains(new Map([[a, at(30)], [b, at(10)]])));
      // An earlier time (a process whose chain is behind) never moves a chain back.
      await store.ingest((tx) => tx.extendParkedChains(new Map([[a, at(20)], [b, at(40)]])));
      const other = new SqlEventStore(database!.connectAgain().db, ids, database!.connection.capabilities);
      const chains = await other.ingest((tx) => tx.parkedChains([a, b, unique('ten')]));
      if (factory.name === 'sqlite') {
        expect(chains.size).toBe(0);
        return;
      }
      expect(chains).toEqual(new Map([[a, at(30)], [b, at(40)]]));
      // Written in a transaction that rolls back: not shared.
      await expect(
        store.ingest(async (tx) => {
          await tx.extendParkedChains(new Map([[a, at(59)]]));
          throw new Error('the batch failed');
        }),
      ).rejects.toThrow('the batch failed');
      expect((await other.ingest((tx) => tx.parkedChains([a]))).get(a)).toEqual(at(30));
    });
  });
});
