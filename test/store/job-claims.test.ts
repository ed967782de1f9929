/**
 * Each thread of `serve` claims its own job kinds. On real SQLite and real PostgreSQL: a claim
 * reads its kinds' oldest jobs through the (kind, state, run_at) index (migration 007) and
 * takes the oldest of them across its kinds, however large a backlog of other kinds is. With
 * the old (state, run_at) index a claim walked every older due job of any kind, under the
 * write lock; a planner falling back to that walk, or to a scan, fails the plan checks here.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/ports/clock.js';
import { timeOrderedIds } from '../../src/domain/ports/ids.js';
import type { JobSpec } from '../../src/domain/ports/job-queue.js';
import { claimStatement, DatabaseJobQueue } from '../../src/queue/database-queue.js';
import { openContractDatabase, type ContractDatabase } from '../contract/contract-database.js';
import { databaseTargets } from '../support/databases.js';
import { planOf } from '../support/query-plans.js';

const LEASE = 30_000;

describe.each(databaseTargets())('claiming jobs by kind on $name', (factory) => {
  describe.skipIf(factory.skip)('', () => {
    let database: ContractDatabase | undefined;
    let queue: DatabaseJobQueue;
    const clock = new ManualClock('2026-03-01T10:00:00.000Z');
    const ids = timeOrderedIds(() => clock.now().getTime());
    const at = (offsetMs: number) => new Date(clock.now().getTime() + offsetMs);
    const job = (kind: string, offsetMs: number): JobSpec => ({ kind, payload: { offsetMs }, runAt: at(offsetMs) });

    beforeAll(async () => {
      database = await openContractDatabase(factory);
      queue = new DatabaseJobQueue(database.connection.db, database.connection.capabilities, clock, ids);
    });
    afterAll(async () => database?.close());
    beforeEach(async () => {
      await database?.connection.db.deleteFrom('jobs').execute();
    });

    const planFor = (kinds: string[], which: 'due' | 'abandoned') => {
      const { db, capabilities } = database!.connection;
      const compiled = claimStatement(db, capabilities, { kinds, limit: 8, leaseMs: LEASE }, clock.now().getTime(), which).compile();
      return planOf(db, factory.name, compiled.sql, compiled.parameters);
    };

    it.each([
      ['one kind, due jobs', ['event.process'], 'due'],
      ['three kinds, due jobs', ['message.send', 'webhook.process', 'cart.reminder'], 'due'],
      ['three kinds, expired leases', ['message.send', 'webhook.process', 'cart.reminder'], 'abandoned'],
    ] as const)('plans the claim (%s) on the kind index, never a scan of the jobs', async (_label, kinds, which) => {
      const plan = await planFor([...kinds], which);
      if (factory.name === 'sqlite') {
        // One index search per kind, on the kind and state, and no scan of the table.
        const searches = plan.split('\n').filter((line) => /SEARCH jobs USING INDEX jobs_due_by_kind \(kind=\? AND state=\?/.test(line));
        expect(searches).toHaveLength(kinds.length);
        expect(plan).not.toMatch(/SCAN jobs\b/);
      } else {
        expect(plan.match(/Index (Only )?Scan using jobs_due_by_kind on jobs/g)).toHaveLength(kinds.length);
        expect(plan).not.toMatch(/Seq Scan on jobs/);
      }
    });

    it("tells whether a tenant has jobs of a kind held back to a later time, not counting due, running, other tenants' or other kinds' jobs", async () => {
      const forTenant = (tenantId: string, kind: string, offsetMs: number): JobSpec => ({ ...job(kind, offsetMs), tenantId });
      await queue.enqueue([forTenant('ten_a', 'event.process', 0), forTenant('ten_b', 'event.process', 5_000), forTenant('ten_a', 'cart.reminder', 5_000)]);
      expect(await queue.hasPendingAfter('event.process', 'ten_a', clock.now())).toBe(false);
      expect(await queue.hasPendingAfter('event.process', 'ten_b', clock.now())).toBe(true);
      expect(await queue.hasPendingAfter('event.process', 'ten_b', at(5_000))).toBe(false);
      expect(await queue.hasPendingAfter('cart.reminder', 'ten_b', clock.now())).toBe(false);
      await queue.enqueue([forTenant('ten_a', 'event.process', 2_000)]);
      expect(await queue.hasPendingAfter('event.process', 'ten_a', clock.now())).toBe(true);
      clock.advance(2_000);
      const claimed = await queue.claim({ kinds: ['event.process'], limit: 8, leaseMs: LEASE });
      expect(claimed.map((j) => j.tenantId).sort()).toEqual(['ten_a', 'ten_a']);
      expect(await queue.hasPendingAfter('event.process', 'ten_a', at(-1_000))).toBe(false);
    });

    it('takes the oldest due jobs across its kinds, and leaves a backlog of other kinds alone', async () => {
      // Another thread's backlog, all older than ours.
      await queue.enqueue(Array.from({ length: 300 }, (_, i) => job('event.process', -60_000 + i)));
      await queue.enqueue([job('message.send', -30), job('webhook.process', -20), job('message.send', -10), job('cart.reminder', 5_000)]);

      const first = await queue.claim({ kinds: ['message.send', 'webhook.process', 'cart.reminder'], limit: 2, leaseMs: LEASE });
      expect(first.map((j) => [j.kind, (j.payload as { offsetMs: number }).offsetMs])).toEqual([
        ['message.send', -30],
        ['webhook.process', -20],
      ]);
      const rest = await queue.claim({ kinds: ['message.send', 'webhook.process', 'cart.reminder'], limit: 8, leaseMs: LEASE });
      // The reminder is not due yet.
      expect(rest.map((j) => [j.kind, (j.payload as { offsetMs: number }).offsetMs])).toEqual([['message.send', -10]]);

      const planning = await queue.claim({ kinds: ['event.process'], limit: 5, leaseMs: LEASE });
      expect(planning.map((j) => (j.payload as { offsetMs: number }).offsetMs)).toEqual([-60_000, -59_999, -59_998, -59_997, -59_996]);
      expect(await queue.claim({ kinds: ['event.process'], limit: 1000, leaseMs: LEASE })).toHaveLength(295);
    });

    it('takes over expired leases of its kinds only', async () => {
      await queue.enqueue([job('message.send', -1), job('event.process', -1)]);
      await queue.claim({ kinds: ['message.send', 'event.process'], limit: 2, leaseMs: LEASE });
      clock.advance(LEASE);
      const taken = await queue.claim({ kinds: ['message.send', 'webhook.process'], limit: 8, leaseMs: LEASE });
      expect(taken.map((j) => [j.kind, j.attempt])).toEqual([['message.send', 2]]);
      const planning = await queue.claim({ kinds: ['event.process'], limit: 8, leaseMs: LEASE });
      expect(planning.map((j) => [j.kind, j.attempt])).toEqual([['event.process', 2]]);
    });
  });
});
