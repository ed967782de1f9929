/**
 * The statements of a guest API group commit (see use-cases/store-event-batch.ts), prepared
 * once for each of a few numbers of rows (prepared-rows-query.ts) for the event store: which bodies are
 * stored, the resources' states, their changes, the events, and their jobs.
 */
import type { Kysely } from 'kysely';
import type { Capabilities } from './connect.js';
import { prepareRowsQuery } from './prepared-rows-query.js';
import type { Database, EventsTable, JobsTable, ResourcesTable } from './schema.js';

/** Rows per statement at most (a power of two; a longer list runs in parts): a batch holds up to 256 events. */
const MAX_ROWS = 256;

type BodyKey = Pick<EventsTable, 'tenant_id' | 'kind' | 'resource_key' | 'body_hash'>;
type ResourceKey = Pick<ResourcesTable, 'tenant_id' | 'kind' | 'resource_key'>;

const EVENT_COLUMNS = ['id', 'tenant_id', 'kind', 'resource_key', 'body_hash', 'revision', 'outcome', 'raw_body', 'idempotency_key', 'received_at'] as const;
const RESOURCE_COLUMNS = ['tenant_id', 'kind', 'resource_key', 'revisions', 'progress', 'latest_event_id', 'updated_at'] as const;
const JOB_COLUMNS = ['id', 'kind', 'tenant_id', 'job_key', 'payload', 'state', 'run_at', 'attempts', 'max_attempts', 'locked_until', 'last_error', 'created_at', 'updated_at'] as const;

export function prepareIngestStatements(db: Kysely<Database>, capabilities: Capabilities) {
  return {
    storedBodies: prepareRowsQuery(
      db,
      ['tenant_id', 'kind', 'resource_key', 'body_hash'],
      (rows: readonly BodyKey[]) =>
        db
          .selectFrom('events')
          .select(['tenant_id', 'kind', 'resource_key', 'body_hash'])
          .where((eb) =>
            eb(
              eb.refTuple('tenant_id', 'kind', 'resource_key', 'body_hash'),
              'in',
              rows.map((r) => eb.tuple(r.tenant_id, r.kind, r.resource_key, r.body_hash)),
            ),
          ),
      MAX_ROWS,
    ),
    resourceStates: prepareRowsQuery(
      db,
      ['tenant_id', 'kind', 'resource_key'],
      (rows: readonly ResourceKey[]) => {
        const query = db
          .selectFrom('resources')
          .select(['tenant_id', 'kind', 'resource_key', 'revisions', 'progress'])
          .where((eb) => eb(eb.refTuple('tenant_id', 'kind', 'resource_key'), 'in', rows.map((r) => eb.tuple(r.tenant_id, r.kind, r.resource_key))));
        // Existing rows stay locked until commit, so concurrent writers of a resource take turns.
        return capabilities.rowLocks ? query.forUpdate() : query;
      },
      MAX_ROWS,
    ),
    applyResourceChanges: prepareRowsQuery(
      db,
      RESOURCE_COLUMNS,
      (rows: readonly ResourcesTable[]) =>
        db
          .insertInto('resources')
          .values(rows.map((r) => ({ ...r })))
          .onConflict((oc) =>
            oc.columns(['tenant_id', 'kind', 'resource_key']).doUpdateSet((eb) => ({
              revisions: eb('resources.revisions', '+', eb.ref('excluded.revisions')),
              progress: eb
                .case()
                .when(eb.ref('excluded.progress'), '>', eb.ref('resources.progress'))
                .then(eb.ref('excluded.progress'))
                .else(eb.ref('resources.progress'))
                .end(),
              latest_event_id: eb.ref('excluded.latest_event_id'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .returning(['tenant_id', 'kind', 'resource_key', 'revisions', 'progress']),
      MAX_ROWS,
    ),
    insertEvents: prepareRowsQuery(
      db,
      EVENT_COLUMNS,
      (rows: readonly EventsTable[]) =>
        db
          .insertInto('events')
          .values(rows.map((r) => ({ ...r })))
          .onConflict((oc) => oc.columns(['tenant_id', 'kind', 'resource_key', 'body_hash']).doNothing())
          .returning('id'),
      MAX_ROWS,
    ),
    insertJobs: prepareRowsQuery(db, JOB_COLUMNS, (rows: readonly JobsTable[]) => db.insertInto('jobs').values(rows.map((r) => ({ ...r }))), MAX_ROWS),
  };
}

export type IngestStatements = ReturnType<typeof prepareIngestStatements>;
