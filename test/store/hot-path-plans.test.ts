/**
 * The send path's ordering check (is an earlier message to this customer still unsent?) runs
 * once per message and must stay on the small partial index of unsent messages (migration
 * 006): the planner uses a partial index only when the query repeats its condition with the
 * same literals, which a refactor to bound parameters would silently lose. On real SQLite and
 * real PostgreSQL, plus what the check answers.
 */
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/ports/clock.js';
import { timeOrderedIds } from '../../src/domain/ports/ids.js';
import type { NewMessage } from '../../src/domain/ports/message-store.js';
import { SqlMessageStore } from '../../src/store/message-repository.js';
import { prepareStatements } from '../../src/store/message-statements.js';
import { openContractDatabase, unique, type ContractDatabase } from '../contract/contract-database.js';
import { databaseTargets } from '../support/databases.js';

describe.each(databaseTargets())('the send path on $name', (factory) => {
  describe.skipIf(factory.skip)('', () => {
    let database: ContractDatabase | undefined;
    const clock = new ManualClock('2026-03-01T10:00:00.000Z');
    const ids = timeOrderedIds(() => clock.now().getTime());

    beforeAll(async () => {
      database = await openContractDatabase(factory);
    });
    afterAll(async () => database?.close());

    async function planOf(query: string, parameters: unknown[]): Promise<string> {
      const { db } = database!.connection;
      if (factory.name === 'sqlite') {
        const rows = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${query}`, parameters));
        return rows.rows.map((r) => r.detail).join('\n');
      }
      // An empty table would be scanned whatever the indexes; the question is whether the index can serve.
      return db.transaction().execute(async (trx) => {
        await sql`set local enable_seqscan = off`.execute(trx);
        const rows = await trx.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain ${query}`, parameters));
        return rows.rows.map((r) => r['QUERY PLAN']).join('\n');
      });
    }

    it('looks for earlier unsent messages through the partial index of unsent messages', async () => {
      const { earlierPending } = prepareStatements(database!.connection.db);
      const plan = await planOf(earlierPending.sql, ['ten_1', '919800000001', 'seq_1']);
      expect(plan).toContain('messages_unsent');
    });

    it('finds an earlier message to the same customer while it is queued or sending, and not after', async () => {
      const store = new SqlMessageStore(database!.connection.db, ids, database!.connection.capabilities);
      const tenantId = unique('ten');
      const recipient = '919800000042';
      const message = (n: number): NewMessage => ({
        id: ids.next('msg'),
        tenantId,
        eventId: null,
        dedupeKey: `k${n}`,
        sequence: ids.next('seq'),
        kind: 'order_confirmed',
        category: 'utility',
        orderId: null,
        recipient,
        state: 'queued',
        skipReason: null,
        body: null,
        createdAt: clock.now(),
      });
      const first = message(1);
      const second = message(2);
      await store.plan(first, null);
      await store.plan(second, null);
      await expect(store.hasEarlierPending(tenantId, recipient, second.sequence)).resolves.toBe(true);
      await expect(store.hasEarlierPending(tenantId, recipient, first.sequence)).resolves.toBe(false);
      await store.markSending(first.id, clock.now());
      await expect(store.hasEarlierPending(tenantId, recipient, second.sequence)).resolves.toBe(true);
      await store.markAccepted(first.id, 'wamid.first', recipient, clock.now());
      await expect(store.hasEarlierPending(tenantId, recipient, second.sequence)).resolves.toBe(false);
    });
  });
});
