/**
 * The JobQueue contract for the in-database queue, run unchanged against real SQLite and real
 * PostgreSQL: due-ness, ordering, leases, retries and dead letters, keys, and claiming by
 * several connections at once (SKIP LOCKED on PostgreSQL, a serialised writer on SQLite).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/ports/clock.js';
import { timeOrderedIds } from '../../src/domain/ports/ids.js';
import type { ClaimedJob, JobSpec } from '../../src/domain/ports/job-queue.js';
import { DatabaseJobQueue } from '../../src/queue/database-queue.js';
import { ping } from '../../src/store/connect.js';
import { databaseTargets } from '../support/databases.js';
import { openContractDatabase, type ContractDatabase } from './contract-database.js';

const START = '2026-03-01T10:00:00.000Z';
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const LEASE = 30 * SECOND;

describe.each(databaseTargets())('$name job queue', (factory) => {
  describe.skipIf(factory.skip)('contract', () => {
    let database: ContractDatabase | undefined;
    let queue: DatabaseJobQueue;
    const clock = new ManualClock(START);
    const ids = timeOrderedIds(() => clock.now().getTime());

    beforeAll(async () => {
      database = await openContractDatabase(factory);
      queue = new DatabaseJobQueue(database.connection.db, database.connection.capabilities, clock, ids);
    });
    afterAll(async () => database?.close());
    beforeEach(async () => {
      clock.set(START);
      await database?.connection.db.deleteFrom('jobs').execute();
    });

    /** A time relative to the clock's current instant. */
    const inMs = (ms: number) => new Date(clock.now().getTime() + ms);
    const job = (kind: string, runAt: Date, extra: Partial<JobSpec> = {}): JobSpec => ({ kind, payload: { kind }, runAt, ...extra });
    const claim = (limit = 10, kinds?: string[]) => queue.claim({ limit, leaseMs: LEASE, ...(kinds === undefined ? {} : { kinds }) });
    const kindsOf = (jobs: ClaimedJob[]) => jobs.map((j) => j.kind);

    it('claims due jobs only, earliest runAt first, with their payload and attempt', async () => {
      const payload = { order: 'A-1', total: 12.5, lines: [{ sku: 'X', qty: 2 }], note: null, name: 'Zoë ✓', id: '5735266369709823012' };
      await queue.enqueue([job('now', inMs(0), { payload, key: 'k-now', tenantId: 'ten_1', maxAttempts: 3 })]);
      await queue.enqueue([job('later', inMs(LEASE / 2)), job('earlier', inMs(-SECOND))]);

      const claimed = await claim();
      expect(kindsOf(claimed)).toEqual(['earlier', 'now']);
      expect(claimed[1]).toEqual({
        id: expect.stringMatching(/^job_/) as unknown,
        kind: 'now',
        payload,
        key: 'k-now',
        tenantId: 'ten_1',
        runAt: new Date(START),
        attempt: 1,
        maxAttempts: 3,
      });
      expect(claimed[0]).toMatchObject({ key: null, tenantId: null, attempt: 1, maxAttempts: 10 });

      clock.advance(LEASE / 2 - 1);
      expect(await claim()).toEqual([]);
      clock.advance(1);
      expect(kindsOf(await claim())).toEqual(['later']);
    });

    it('claims no more than the limit, in runAt order across claims', async () => {
      const offsets = [3, 1, 5, 2, 4];
      await queue.enqueue(offsets.map((n) => job(`j${n}`, inMs(-10 * SECOND + n))));
      expect(kindsOf(await claim(2))).toEqual(['j1', 'j2']);
      expect(kindsOf(await claim(2))).toEqual(['j3', 'j4']);
      expect(kindsOf(await claim(2))).toEqual(['j5']);
      expect(await claim(2)).toEqual([]);
    });

    it('claims only the kinds asked for', async () => {
      await queue.enqueue([job('a', inMs(-3)), job('b', inMs(-2)), job('c', inMs(-1))]);
      expect(await claim(10, ['unknown'])).toEqual([]);
      expect(kindsOf(await claim(10, ['c', 'b']))).toEqual(['b', 'c']);
      expect(kindsOf(await claim(10, ['b', 'c']))).toEqual([]);
      expect(await claim(10, [])).toEqual([]);
      expect(kindsOf(await claim())).toEqual(['a']);
    });

    it('claims several kinds earliest first across them, within the limit, past a backlog of another kind', async () => {
      // Another runner's backlog is due earlier than everything this one takes.
      await queue.enqueue(Array.from({ length: 50 }, (_, i) => job('plan', inMs(-10 * MINUTE + i))));
      await queue.enqueue([job('send', inMs(-5)), job('status', inMs(-4)), job('send', inMs(-3)), job('status', inMs(-2)), job('send', inMs(-1)), job('send', inMs(5))]);
      expect(kindsOf(await claim(3, ['send', 'status']))).toEqual(['send', 'status', 'send']);
      expect(kindsOf(await claim(10, ['status', 'send']))).toEqual(['status', 'send']);
      expect(await claim(10, ['send', 'status'])).toEqual([]);
      expect(await queue.depth()).toBe(56);
      // Abandoned leases of several kinds come back too (after the one send now due).
      clock.advance(LEASE);
      const again = await claim(10, ['status', 'send']);
      expect(again.map((j) => j.attempt)).toEqual([1, 2, 2, 2, 2, 2]);
      expect(kindsOf(again).sort()).toEqual(['send', 'send', 'send', 'send', 'status', 'status']);
      expect(await claim(60, ['plan'])).toHaveLength(50);
    });

    it('does not claim a leased job again until its lease runs out (a crashed worker)', async () => {
      await queue.enqueue([job('lease', inMs(0), { key: 'k-lease' })]);
      const [first] = await claim();
      expect(first?.attempt).toBe(1);
      expect(await queue.findByKey('k-lease')).toMatchObject({ state: 'running', attempts: 1 });

      expect(await claim()).toEqual([]);
      clock.advance(LEASE - 1);
      expect(await claim()).toEqual([]);
      clock.advance(1);
      const [again] = await claim();
      expect(again).toEqual({ ...first, attempt: 2 });
      expect(await claim()).toEqual([]);
    });

    it('completes a job: it is gone and never claimed again', async () => {
      await queue.enqueue([job('done', inMs(0), { key: 'k-done' }), job('other', inMs(1))]);
      const [claimed] = await claim(1);
      await queue.complete(claimed?.id ?? '');
      expect(await queue.findByKey('k-done')).toBeUndefined();
      expect(await queue.depth()).toBe(1);
      clock.advance(10 * LEASE);
      expect(kindsOf(await claim())).toEqual(['other']);
      await queue.complete('job_unknown');
      expect(await queue.depth()).toBe(1);
    });

    it('completes many jobs with one call: they are gone, the others untouched', async () => {
      await queue.enqueue([
        job('a', inMs(-3), { key: 'k-a' }),
        job('b', inMs(-2), { key: 'k-b' }),
        job('c', inMs(-1), { key: 'k-c' }),
        job('later', inMs(MINUTE), { key: 'k-later' }),
      ]);
      const [a, b, c] = await claim();
      expect([a?.kind, b?.kind, c?.kind]).toEqual(['a', 'b', 'c']);
      await queue.completeMany([a?.id ?? '', c?.id ?? '', 'job_unknown']);
      expect(await queue.findByKey('k-a')).toBeUndefined();
      expect(await queue.findByKey('k-c')).toBeUndefined();
      expect(await queue.findByKey('k-b')).toMatchObject({ state: 'running' });
      expect(await queue.findByKey('k-later')).toMatchObject({ state: 'pending' });
      await queue.completeMany([]);
      expect(await queue.depth()).toBe(2);

      // Completed jobs never come back; b's lease runs out and it is claimed again.
      clock.advance(10 * LEASE);
      expect(kindsOf(await claim())).toEqual(['later', 'b']);
    });

    it('completes more jobs in one call than a statement takes parameters for comfortably', async () => {
      const count = 2_500;
      for (let start = 0; start < count; start += 500) {
        await queue.enqueue(Array.from({ length: 500 }, (_, i) => job('bulk', inMs(-count + start + i))));
      }
      await queue.enqueue([job('kept', inMs(0))]);
      const claimed = await claim(count);
      expect(claimed).toHaveLength(count);
      await queue.completeMany(claimed.map((j) => j.id));
      expect(await queue.depth()).toBe(1);
      expect(kindsOf(await claim())).toEqual(['kept']);
    });

    it('leaves abandoned leases alone when asked to (includeAbandoned: false), takes them by default', async () => {
      await queue.enqueue([job('abandoned', inMs(-1)), job('due', inMs(LEASE))]);
      expect(kindsOf(await claim())).toEqual(['abandoned']);
      clock.advance(LEASE);
      const dueOnly = () => queue.claim({ limit: 10, leaseMs: LEASE, includeAbandoned: false });
      expect(kindsOf(await dueOnly())).toEqual(['due']);
      expect(await dueOnly()).toEqual([]);
      const [again] = await queue.claim({ limit: 10, leaseMs: LEASE, includeAbandoned: true });
      expect(again).toMatchObject({ kind: 'abandoned', attempt: 2 });
      clock.advance(LEASE);
      expect(kindsOf(await claim())).toEqual(['abandoned', 'due']);
    });

    it('postpones many running jobs in one call: pending at their own times, attempts not counted, others untouched', async () => {
      await queue.enqueue([
        job('paced-1', inMs(0), { key: 'k-p1' }),
        job('paced-2', inMs(0), { key: 'k-p2' }),
        job('still-running', inMs(0), { key: 'k-run' }),
        job('done-meanwhile', inMs(0), { key: 'k-done' }),
      ]);
      const claimed = await claim();
      const byKind = new Map(claimed.map((j) => [j.kind, j]));
      // A job finished by another worker in the meantime is not brought back.
      await queue.complete(byKind.get('done-meanwhile')!.id);
      await queue.postponeMany([
        { jobId: byKind.get('paced-1')!.id, runAt: inMs(2 * SECOND), reason: 'pacing: slot in 2 s' },
        { jobId: byKind.get('paced-2')!.id, runAt: inMs(5 * SECOND), reason: 'pacing: slot in 5 s' },
        { jobId: byKind.get('done-meanwhile')!.id, runAt: inMs(SECOND), reason: 'too late' },
      ]);
      await queue.postponeMany([]);
      expect(await queue.findByKey('k-p1')).toMatchObject({ state: 'pending', runAt: inMs(2 * SECOND), attempts: 0, lastError: 'pacing: slot in 2 s' });
      expect(await queue.findByKey('k-p2')).toMatchObject({ state: 'pending', runAt: inMs(5 * SECOND), attempts: 0 });
      expect(await queue.findByKey('k-run')).toMatchObject({ state: 'running', attempts: 1 });
      expect(await queue.findByKey('k-done')).toBeUndefined();
      clock.advance(2 * SECOND);
      const [first] = await claim();
      expect(first).toMatchObject({ kind: 'paced-1', attempt: 1 });
      expect(await claim()).toEqual([]);
      clock.advance(3 * SECOND);
      expect(kindsOf(await claim())).toEqual(['paced-2']);
    });

    it("brings a tenant's jobs postponed for a reason forward, in their order and spaced out, and nothing else", async () => {
      const spec = (key: string, tenantId = 'ten_a', kind = 'send') => job(kind, inMs(0), { key, tenantId });
      await queue.enqueue([spec('a1'), spec('a2'), spec('a3'), spec('a-paced'), spec('a-near'), spec('b1', 'ten_b'), spec('a-other-kind', 'ten_a', 'plan')]);
      const byKey = new Map((await claim()).map((j) => [j.key, j.id]));
      const paused = (key: string, ms: number) => ({ jobId: byKey.get(key)!, runAt: inMs(ms), reason: 'sending paused: token expired (190)' });
      await queue.postponeMany([
        paused('a2', 5 * MINUTE + 700),
        paused('a1', 5 * MINUTE),
        paused('a3', 5 * MINUTE + 900),
        // Due before its slot would be: left as it is.
        paused('a-near', 5),
        { jobId: byKey.get('a-paced')!, runAt: inMs(4 * MINUTE), reason: 'throughput: pacing this phone number' },
        paused('b1', 5 * MINUTE),
        paused('a-other-kind', 5 * MINUTE),
      ]);
      clock.advance(SECOND);
      expect(await queue.bringForward('send', 'ten_a', 'sending paused: ', inMs(0), 12.5)).toBe(3);
      const at = async (key: string) => (await queue.findByKey(key))!.runAt.getTime() - clock.now().getTime();
      // a-near (due at -995 ms) is first in line and keeps its time; the rest follow 12.5 ms apart.
      expect([await at('a-near'), await at('a1'), await at('a2'), await at('a3')]).toEqual([-995, 13, 25, 38]);
      expect([await at('a-paced'), await at('b1'), await at('a-other-kind')]).toEqual([4 * MINUTE - SECOND, 5 * MINUTE - SECOND, 5 * MINUTE - SECOND]);
      expect(await queue.bringForward('send', 'ten_none', 'sending paused: ', inMs(0), 12.5)).toBe(0);
    });

    it('retries at the new time with the error, then dead-letters after maxAttempts', async () => {
      await queue.enqueue([job('flaky', inMs(0), { key: 'k-flaky', maxAttempts: 3 })]);
      for (const attempt of [1, 2]) {
        const [claimed] = await claim();
        expect(claimed?.attempt).toBe(attempt);
        expect(await queue.retry(claimed?.id ?? '', inMs(5 * SECOND), `boom ${attempt}`)).toBe('pending');
        expect(await queue.findByKey('k-flaky')).toMatchObject({
          state: 'pending',
          runAt: inMs(5 * SECOND),
          attempts: attempt,
          lastError: `boom ${attempt}`,
        });
        expect(await claim()).toEqual([]);
        clock.advance(5 * SECOND);
      }
      const [last] = await claim();
      expect(last).toMatchObject({ attempt: 3, maxAttempts: 3, runAt: clock.now() });
      expect(await queue.retry(last?.id ?? '', inMs(5 * SECOND), 'boom 3')).toBe('dead');

      expect(await queue.findByKey('k-flaky')).toBeUndefined();
      expect(await queue.depth()).toBe(0);
      clock.advance(24 * 60 * MINUTE);
      expect(await claim()).toEqual([]);
    });

    it('dead-letters a job on request, freeing its key', async () => {
      await queue.enqueue([job('poison', inMs(0), { key: 'k-poison' }), job('never', inMs(0), { key: 'k-never' })]);
      const [claimed] = await claim(1);
      expect(claimed?.kind).toBe('poison');
      await queue.deadLetter(claimed?.id ?? '', 'cannot parse');
      const pending = await queue.findByKey('k-never');
      await queue.deadLetter(pending?.id ?? '', 'tenant deleted');

      expect(await queue.depth()).toBe(0);
      expect(await queue.findByKey('k-poison')).toBeUndefined();
      clock.advance(10 * LEASE);
      expect(await claim()).toEqual([]);
      await queue.enqueue([job('poison-2', inMs(0), { key: 'k-poison' })]);
      expect(await queue.findByKey('k-poison')).toMatchObject({ kind: 'poison-2', state: 'pending' });
    });

    it('cancels a pending job by key, and only a pending one', async () => {
      await queue.enqueue([job('reminder', inMs(MINUTE), { key: 'cart-1' }), job('running', inMs(0), { key: 'cart-2' })]);
      expect(await queue.cancelByKey('cart-1')).toBe(true);
      expect(await queue.findByKey('cart-1')).toBeUndefined();
      expect(await queue.cancelByKey('cart-1')).toBe(false);
      expect(await queue.cancelByKey('cart-unknown')).toBe(false);

      expect(kindsOf(await claim())).toEqual(['running']);
      expect(await queue.cancelByKey('cart-2')).toBe(false);
      expect(await queue.findByKey('cart-2')).toMatchObject({ state: 'running' });

      clock.advance(2 * MINUTE);
      expect(await claim(10, ['reminder'])).toEqual([]);
      await queue.enqueue([job('reminder', inMs(MINUTE), { key: 'cart-1' })]);
      expect(await queue.findByKey('cart-1')).toMatchObject({ state: 'pending' });
    });

    it('allows one live job per key: a second is refused until the first is done', async () => {
      await queue.enqueue([job('first', inMs(0), { key: 'k-unique' })]);
      const first = await queue.findByKey('k-unique');
      await expect(queue.enqueue([job('second', inMs(0), { key: 'k-unique' })])).rejects.toThrow();
      expect(await queue.findByKey('k-unique')).toEqual(first);

      const [claimed] = await claim();
      await expect(queue.enqueue([job('second', inMs(0), { key: 'k-unique' })])).rejects.toThrow();
      await queue.complete(claimed?.id ?? '');
      await queue.enqueue([job('second', inMs(0), { key: 'k-unique' })]);
      expect(await queue.findByKey('k-unique')).toMatchObject({ kind: 'second', state: 'pending', attempts: 0 });

      // Jobs without a key never collide.
      await queue.enqueue([job('free', inMs(0)), job('free', inMs(0), { key: null })]);
      expect(await queue.depth()).toBe(3);
    });

    it('finds a live job by key with its state', async () => {
      await queue.enqueue([job('info', inMs(MINUTE), { key: 'k-info', tenantId: 'ten_9' })]);
      expect(await queue.findByKey('k-info')).toEqual({
        id: expect.stringMatching(/^job_/) as unknown,
        kind: 'info',
        key: 'k-info',
        state: 'pending',
        runAt: inMs(MINUTE),
        attempts: 0,
        lastError: null,
      });
      expect(await queue.findByKey('k-missing')).toBeUndefined();
    });

    it('counts pending and running jobs as depth, not completed or dead ones', async () => {
      await queue.enqueue([]);
      expect(await queue.depth()).toBe(0);
      await queue.enqueue([job('d1', inMs(-2)), job('d2', inMs(-1)), job('d3', inMs(MINUTE), { key: 'k-d3' }), job('d4', inMs(0))]);
      expect(await queue.depth()).toBe(4);
      const [a, b] = await claim(2);
      expect([a?.kind, b?.kind]).toEqual(['d1', 'd2']);
      expect(await queue.depth()).toBe(4);
      await queue.complete(a?.id ?? '');
      expect(await queue.depth()).toBe(3);
      await queue.deadLetter(b?.id ?? '', 'gone');
      expect(await queue.depth()).toBe(2);
      await queue.cancelByKey('k-d3');
      expect(await queue.depth()).toBe(1);
    });

    it('hands each of 200 jobs to exactly one of several concurrent claimers', async () => {
      const db = database;
      if (db === undefined) throw new Error('no database');
      await queue.enqueue(Array.from({ length: 200 }, (_, i) => job('load', inMs(-1000 + i), { payload: { i } })));

      // Separate connections (their own pools / file handles), so claims really overlap.
      const connections = Array.from({ length: 4 }, () => db.connectAgain());
      // PostgreSQL takes the FOR UPDATE SKIP LOCKED path; SQLite serialises the claims.
      expect(connections[0]?.capabilities.skipLocked).toBe(factory.name === 'postgres');
      await Promise.all(connections.map((c) => ping(c.db)));
      const claimers = connections.map((c) => new DatabaseJobQueue(c.db, c.capabilities, clock, ids));
      const claimedBy: ClaimedJob[][] = claimers.map(() => []);
      await Promise.all(
        claimers.flatMap((claimer, n) =>
          [0, 1].map(async () => {
            for (let rounds = 0; rounds < 500; rounds++) {
              // Half the claimers name the kinds they take, half take any.
              const jobs = await claimer.claim({ limit: 3, leaseMs: 10 * MINUTE, ...(n % 2 === 0 ? { kinds: ['load', 'other'] } : {}) });
              if (jobs.length === 0) return;
              expect(jobs.length).toBeLessThanOrEqual(3);
              claimedBy[n]?.push(...jobs);
            }
          }),
        ),
      );

      const all = claimedBy.flat();
      expect(all).toHaveLength(200);
      expect(new Set(all.map((j) => j.id)).size).toBe(200);
      expect(all.map((j) => (j.payload as { i: number }).i).sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i));
      expect(all.every((j) => j.attempt === 1)).toBe(true);
      expect(claimedBy.filter((jobs) => jobs.length > 0).length).toBeGreaterThan(1);
      expect(await claim(500)).toEqual([]);
      expect(await queue.depth()).toBe(200);
    });
  });
});
