/**
 * Planned and accepted messages are written in groups: those of the same turn of the event loop
 * share one transaction. On real SQLite and real PostgreSQL: each plan still stands on its own (a
 * duplicate in the group is refused without its send job, the others are stored with theirs).
 *
 * The send path's ordering check (is an earlier message to this customer still unsent?) runs
 * once per message and must stay on the small partial index of unsent messages (migration
 * 006): a planner uses a partial index only when the query repeats its condition with the
 * same literals, which a refactor to bound parameters would silently lose. The same holds for
 * the housekeeping that purges statuses which never found their message.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/domain/ports/clock.js';
import type { NewMessage } from '../../src/domain/ports/message-store.js';
import { timeOrderedIds } from '../../src/domain/ports/ids.js';
import { SqlMessageStore } from '../../src/store/message-repository.js';
import { newJobRow } from '../../src/store/job-rows.js';
import { prepareStatements } from '../../src/store/message-statements.js';
import { SqlEventStore } from '../../src/store/event-repository.js';
import { runMaintenance } from '../../src/worker/maintenance.js';
import { createLogger } from '../../src/app/logger.js';
import { openContractDatabase, unique, type ContractDatabase } from '../contract/contract-database.js';
import { databaseTargets } from '../support/databases.js';
import { planOf } from '../support/query-plans.js';

describe.each(databaseTargets())('the message store on $name', (factory) => {
  describe.skipIf(factory.skip)('', () => {
    let database: ContractDatabase | undefined;
    const clock = new ManualClock('2026-03-01T10:00:00.000Z');
    const ids = timeOrderedIds(() => clock.now().getTime());

    beforeAll(async () => {
      database = await openContractDatabase(factory);
    });
    afterAll(async () => database?.close());

    const plan = (tenantId: string, dedupeKey: string): NewMessage => ({
      id: ids.next('msg'),
      tenantId,
      eventId: null,
      dedupeKey,
      sequence: ids.next('seq'),
      kind: 'order_confirmed',
      category: 'utility',
      orderId: null,
      recipient: '919800000001',
      state: 'queued',
      skipReason: null,
      body: null,
      createdAt: clock.now(),
    });

    it('stores plans made together, each with its send job, and refuses a duplicate among them', async () => {
      const db = database!.connection.db;
      const store = new SqlMessageStore(db, ids, database!.connection.capabilities);
      const tenant = unique('ten');
      const first = plan(tenant, 'evt_1:order_confirmed');
      const second = plan(tenant, 'evt_2:order_confirmed');
      const again = plan(tenant, 'evt_1:order_confirmed');
      const job = (m: NewMessage) => ({ kind: 'message.send', payload: { messageId: m.id }, runAt: clock.now(), key: `send:${m.id}`, tenantId: tenant });
      const results = await Promise.all([first, second, again].map((m) => store.plan(m, job(m))));
      expect(results).toEqual([true, true, false]);

      const stored = await db.selectFrom('messages').select(['id', 'dedupe_key']).where('tenant_id', '=', tenant).orderBy('id').execute();
      expect(stored).toEqual([
        { id: first.id, dedupe_key: first.dedupeKey },
        { id: second.id, dedupe_key: second.dedupeKey },
      ]);
      const jobs = await db.selectFrom('jobs').select('job_key').where('tenant_id', '=', tenant).orderBy('job_key').execute();
      expect(jobs.map((j) => j.job_key).sort()).toEqual([`send:${first.id}`, `send:${second.id}`].sort());
    });

    it('finishes the planning job in the commit of its plan, a duplicate plan too, but not a plan that failed', async () => {
      const db = database!.connection.db;
      const store = new SqlMessageStore(db, ids, database!.connection.capabilities);
      const tenant = unique('ten');
      const planningJob = async () => {
        const id = ids.next('job');
        await db.insertInto('jobs').values(newJobRow(id, { kind: 'event.process', payload: {}, runAt: clock.now(), tenantId: tenant }, clock.now())).execute();
        return id;
      };
      const [forNew, forDuplicate, forFailed, untouched] = [await planningJob(), await planningJob(), await planningJob(), await planningJob()];
      const fresh = plan(tenant, 'evt_f1:order_confirmed');
      await store.plan(plan(tenant, 'evt_f0:order_confirmed'), null);
      // NOT NULL: the whole group's commit fails, then each plan is tried on its own.
      const broken = { ...plan(tenant, 'evt_f2:order_confirmed'), tenantId: null as unknown as string };

      const results = await Promise.allSettled([
        store.plan(fresh, null, forNew),
        store.plan(plan(tenant, 'evt_f0:order_confirmed'), null, forDuplicate),
        store.plan(broken, null, forFailed),
      ]);
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'failed'))).toEqual([true, false, 'failed']);
      const left = await db.selectFrom('jobs').select('id').where('tenant_id', '=', tenant).orderBy('id').execute();
      expect(left.map((j) => j.id)).toEqual([forFailed, untouched].sort());
    });

    it('finishes a send job in the commit that records its acceptance, and only the one named', async () => {
      const db = database!.connection.db;
      const store = new SqlMessageStore(db, ids, database!.connection.capabilities);
      const tenant = unique('ten');
      const [a, b] = [plan(tenant, 'evt_acc1:order_confirmed'), plan(tenant, 'evt_acc2:order_confirmed')];
      const sendJob = (m: NewMessage) => ({ kind: 'message.send', payload: { messageId: m.id }, runAt: clock.now(), key: `send:${m.id}`, tenantId: tenant });
      await Promise.all([store.plan(a, sendJob(a)), store.plan(b, sendJob(b))]);
      const jobOf = async (m: NewMessage) => (await db.selectFrom('jobs').select('id').where('job_key', '=', `send:${m.id}`).executeTakeFirst())?.id;
      const [jobA, jobB] = [await jobOf(a), await jobOf(b)];
      expect(jobA).toBeDefined();

      const states = await Promise.all([
        store.markAccepted(a.id, `wamid.${unique('a')}`, '919800000001', clock.now(), jobA),
        store.markAccepted(b.id, `wamid.${unique('b')}`, '919800000001', clock.now()),
      ]);
      expect(states).toEqual(['accepted', 'accepted']);
      expect(await jobOf(a)).toBeUndefined();
      expect(await jobOf(b)).toBe(jobB);
    });

    it('marks sends started together in one commit, each before its send goes out', async () => {
      const db = database!.connection.db;
      const store = new SqlMessageStore(db, ids, database!.connection.capabilities);
      const tenant = unique('ten');
      const started = [plan(tenant, 'evt_s1:order_confirmed'), plan(tenant, 'evt_s2:order_confirmed'), plan(tenant, 'evt_s3:order_confirmed')];
      await Promise.all(started.map((m) => store.plan(m, null)));
      const transactions = vi.spyOn(db, 'transaction');
      try {
        await Promise.all(started.map((m) => store.markSending(m.id, clock.now())));
        expect(transactions).toHaveBeenCalledTimes(1);
      } finally {
        transactions.mockRestore();
      }
      for (const m of started) {
        expect(await store.get(m.id)).toMatchObject({ state: 'sending', sendStartedAt: clock.now(), attempts: 1 });
      }
    });

    it('records sends accepted together, each applying the statuses that came before its wamid', async () => {
      const db = database!.connection.db;
      const store = new SqlMessageStore(db, ids, database!.connection.capabilities);
      const tenant = unique('ten');
      const [a, b] = [plan(tenant, 'evt_a:order_confirmed'), plan(tenant, 'evt_b:order_confirmed')];
      await Promise.all([store.plan(a, null), store.plan(b, null)]);
      const early = `wamid.${unique('early')}`;
      await store.recordStatuses([{ wamid: early, status: 'delivered', at: clock.now(), errorCode: null, errorDetail: null, callbackData: a.id }], clock.now());

      const states = await Promise.all([store.markAccepted(a.id, early, '919800000001', clock.now()), store.markAccepted(b.id, `wamid.${unique('b')}`, '919800000001', clock.now())]);
      expect(states).toEqual(['delivered', 'accepted']);
      expect((await store.get(a.id))?.deliveredAt).toEqual(clock.now());
      expect((await store.get(b.id))?.wamid).toMatch(/^wamid\.b/);
    });

    const planOfQuery = (query: string, parameters: unknown[]) => planOf(database!.connection.db, factory.name, query, parameters);

    it('looks for earlier unsent messages through the partial index of unsent messages', async () => {
      const { earlierPending } = prepareStatements(database!.connection.db);
      expect(await planOfQuery(earlierPending.sql, ['ten_1', '919800000001', 'seq_1'])).toContain('messages_unsent');
    });

    it("counts a tenant's unsent messages (queued or sending) up to a limit, through the partial index of unsent messages", async () => {
      const { db, capabilities } = database!.connection;
      const store = new SqlMessageStore(db, ids, capabilities);
      const tenant = unique('ten');
      const planned = [0, 1, 2, 3, 4].map((i) => plan(tenant, `evt_${i}:order_confirmed`));
      for (const m of planned) await store.plan(m, null);
      await store.plan(plan(unique('ten'), 'evt_other:order_confirmed'), null);
      await store.markSending(planned[0]!.id, clock.now());
      await store.markAccepted(planned[1]!.id, `wamid.${unique('a')}`, '919800000001', clock.now());
      await store.markSkipped(planned[2]!.id, 'opted_out', clock.now());
      expect(await store.countUnsent(tenant, 10)).toBe(3);
      expect(await store.countUnsent(tenant, 2)).toBe(2);
      const { countUnsent } = prepareStatements(db);
      expect(await planOfQuery(countUnsent.sql, [tenant, 10])).toContain('messages_unsent');
    });

    it('purges statuses through the partial index of those still waiting for their message', async () => {
      const { purgeWaitingStatuses } = prepareStatements(database!.connection.db);
      expect(await planOfQuery(purgeWaitingStatuses.sql, [0])).toContain('message_statuses_waiting');
    });

    it('housekeeping purges statuses that waited over 30 days for their message, and keeps every other', async () => {
      const { db, capabilities } = database!.connection;
      const messages = new SqlMessageStore(db, ids, capabilities);
      const status = (wamid: string, callbackData: string | null = null) => ({ wamid, status: 'delivered' as const, at: clock.now(), errorCode: null, errorDetail: null, callbackData });
      const now = clock.now().getTime();
      const daysAgo = (days: number) => new Date(now - days * 24 * 3_600_000);
      const [stranger, recentStranger] = [`wamid.${unique('other-tool')}`, `wamid.${unique('recent')}`];
      const ours = plan(unique('ten'), 'evt_own:order_confirmed');
      await messages.plan(ours, null);
      const oursWamid = `wamid.${unique('ours')}`;
      await messages.markAccepted(ours.id, oursWamid, ours.recipient!, daysAgo(40));
      await messages.recordStatuses([status(stranger)], daysAgo(31));
      await messages.recordStatuses([status(recentStranger)], daysAgo(29));
      await messages.recordStatuses([status(oursWamid, ours.id)], daysAgo(40));

      await runMaintenance({ clock, events: new SqlEventStore(db, ids, capabilities), messages, logger: createLogger('silent') });

      expect(await messages.statusesOf(stranger)).toEqual([]);
      expect(await messages.statusesOf(recentStranger)).toHaveLength(1);
      expect(await messages.statusesOf(oursWamid)).toHaveLength(1);
      expect((await messages.get(ours.id))?.state).toBe('delivered');
    });

    it('finds an earlier message to the same customer while it is queued or sending, and not after', async () => {
      const store = new SqlMessageStore(database!.connection.db, ids, database!.connection.capabilities);
      const tenant = unique('ten');
      const [first, second] = [plan(tenant, 'evt_1:order_confirmed'), plan(tenant, 'evt_2:order_shipped')];
      await Promise.all([store.plan(first, null), store.plan(second, null)]);
      const earlierThanSecond = () => store.hasEarlierPending(tenant, second.recipient!, second.sequence);
      await expect(earlierThanSecond()).resolves.toBe(true);
      await expect(store.hasEarlierPending(tenant, first.recipient!, first.sequence)).resolves.toBe(false);
      await store.markSending(first.id, clock.now());
      await expect(earlierThanSecond()).resolves.toBe(true);
      await store.markAccepted(first.id, `wamid.${unique('first')}`, first.recipient!, clock.now());
      await expect(earlierThanSecond()).resolves.toBe(false);
    });
  });
});
