/**
 * The statements every message runs (plan, get, ordering check, mark sending, mark accepted),
 * and the status purge of the housekeeping, compiled once per database (see prepared-query.ts)
 * for the message repository.
 */
import { sql, type Kysely } from 'kysely';
import { prepareJobInsert } from './job-rows.js';
import { prepareQuery } from './prepared-query.js';
import type { Database, MessagesTable } from './schema.js';

/** The columns a planned message sets; the rest start empty (constants in the insert). */
const PLANNED_COLUMNS = [
  'id',
  'tenant_id',
  'event_id',
  'dedupe_key',
  'sequence',
  'kind',
  'category',
  'order_id',
  'recipient',
  'state',
  'skip_reason',
  'body',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof MessagesTable)[];
type PlannedColumns = Pick<MessagesTable, (typeof PLANNED_COLUMNS)[number]>;

/** The statements every message runs, compiled once for this database (see prepared-query.ts). */
export function prepareStatements(db: Kysely<Database>) {
  return {
    insert: prepareQuery(db, PLANNED_COLUMNS, (p: PlannedColumns) =>
      db
        .insertInto('messages')
        .values({
          id: p.id,
          tenant_id: p.tenant_id,
          event_id: p.event_id,
          dedupe_key: p.dedupe_key,
          sequence: p.sequence,
          kind: p.kind,
          category: p.category,
          order_id: p.order_id,
          recipient: p.recipient,
          wa_id: null,
          state: p.state,
          skip_reason: p.skip_reason,
          body: p.body,
          wamid: null,
          error_code: null,
          error_detail: null,
          attempts: 0,
          send_started_at: null,
          sent_at: null,
          delivered_at: null,
          read_at: null,
          failed_at: null,
          created_at: p.created_at,
          updated_at: p.updated_at,
        })
        .onConflict((oc) => oc.columns(['tenant_id', 'dedupe_key']).doNothing())
        .returning('id'),
    ),
    insertJob: prepareJobInsert(db),
    get: prepareQuery(db, ['id'], (p: { id: string }) => db.selectFrom('messages').selectAll().where('id', '=', p.id)),
    stateOf: prepareQuery(db, ['id'], (p: { id: string }) => db.selectFrom('messages').select('state').where('id', '=', p.id)),
    earlierPending: prepareQuery(
      db,
      ['tenantId', 'recipient', 'sequence'],
      (p: { tenantId: string; recipient: string; sequence: string }) =>
        db
          .selectFrom('messages')
          .select('id')
          .where('tenant_id', '=', p.tenantId)
          .where('recipient', '=', p.recipient)
          // Literals, as in the partial index messages_unsent (migration 006), so it is used.
          .where('state', 'in', [sql.lit('queued'), sql.lit('sending')])
          .where('sequence', '<', p.sequence),
    ),
    countUnsent: prepareQuery(db, ['tenantId', 'atMost'], (p: { tenantId: string; atMost: number }) =>
      db
        .selectFrom((eb) =>
          eb
            .selectFrom('messages')
            .select('id')
            .where('tenant_id', '=', p.tenantId)
            // Literals, as in messages_unsent: the count walks that small index, not the table.
            .where('state', 'in', [sql.lit('queued'), sql.lit('sending')])
            .limit(p.atMost)
            .as('unsent'),
        )
        .select((eb) => eb.fn.countAll<number | string>().as('n')),
    ),
    // The same time twice is two parameters: a prepared query binds each name once.
    markSending: prepareQuery(
      db,
      ['sendStartedAt', 'updatedAt', 'id'],
      (p: { sendStartedAt: number; updatedAt: number; id: string }) =>
        db
          .updateTable('messages')
          .set((eb) => ({ state: 'sending', send_started_at: p.sendStartedAt, attempts: eb('attempts', '+', 1), updated_at: p.updatedAt }))
          .where('id', '=', p.id),
    ),
    /** Statuses still waiting for their wamid, received before a time (the literal matches the partial index message_statuses_waiting). */
    purgeWaitingStatuses: prepareQuery(db, ['before'], (p: { before: number }) =>
      db.deleteFrom('message_statuses').where('applied', '=', sql.lit(0)).where('received_at', '<', p.before),
    ),
    markAccepted: prepareQuery(
      db,
      ['wamid', 'waId', 'updatedAt', 'id'],
      (p: { wamid: string; waId: string; updatedAt: number; id: string }) =>
        db
          .updateTable('messages')
          .set({ state: 'accepted', wamid: p.wamid, wa_id: p.waId, error_code: null, error_detail: null, updated_at: p.updatedAt })
          .where('id', '=', p.id),
    ),
  };
}
