import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Fewer index writes per message: on the send path every write queues for the one SQLite
 * writer (docs/notifications.md has the measurement).
 * - `messages_recipient` keyed every message by (tenant, recipient, state, sequence): each of a
 *   message's five state changes moved its entry, at a random place of an index as large as
 *   the table. Only messages still to be sent are ever looked up through it (a customer's
 *   messages go out in order), so it becomes a partial index of those: a few hundred entries,
 *   always in cache.
 * - `message_statuses_unapplied` (applied, received_at) took an entry for every status and
 *   moved it when the status was applied, to serve no query (statuses are found by wamid, their
 *   primary key). It becomes `message_statuses_waiting`, a partial index of the statuses still
 *   waiting for their wamid: those are few, except for statuses of messages other tools sent
 *   from the same number, which wait for ever; maintenance purges them through it.
 * - `jobs_leases` (state, locked_until) moved on every claim and completion to serve a
 *   once-a-second look for expired leases; that look now walks the running jobs (at most the
 *   workers' slots) through `jobs_due`.
 * The literals in a partial index's WHERE must be in its queries too (bound parameters would
 * keep the planner from proving the query stays inside the index).
 */
export const leanHotIndexes: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('messages_recipient').execute();
    await db.schema
      .createIndex('messages_unsent')
      .on('messages')
      .columns(['tenant_id', 'recipient', 'sequence'])
      .where(sql.ref('state'), 'in', [sql.lit('queued'), sql.lit('sending')])
      .execute();
    await db.schema.dropIndex('message_statuses_unapplied').execute();
    await db.schema
      .createIndex('message_statuses_waiting')
      .on('message_statuses')
      .column('received_at')
      .where(sql.ref('applied'), '=', sql.lit(0))
      .execute();
    await db.schema.dropIndex('jobs_leases').execute();
  },
  async down(): Promise<void> {
    throw new Error('Orderline migrations only move forward');
  },
};
