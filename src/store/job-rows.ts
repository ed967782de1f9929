import type { Kysely } from 'kysely';
import type { JobSpec } from '../domain/ports/job-queue.js';
import { prepareQuery } from './prepared-query.js';
import type { Database, JobsTable } from './schema.js';

export const DEFAULT_MAX_ATTEMPTS = 10;

/** The row for a new pending job; shared by the outbox (in a transaction) and the queue. */
export function newJobRow(id: string, spec: JobSpec, now: Date): JobsTable {
  return {
    id,
    kind: spec.kind,
    tenant_id: spec.tenantId ?? null,
    job_key: spec.key ?? null,
    payload: JSON.stringify(spec.payload ?? null),
    state: 'pending',
    run_at: spec.runAt.getTime(),
    attempts: 0,
    max_attempts: spec.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    locked_until: null,
    last_error: null,
    created_at: now.getTime(),
    updated_at: now.getTime(),
  };
}

const JOB_COLUMNS = [
  'id',
  'kind',
  'tenant_id',
  'job_key',
  'payload',
  'state',
  'run_at',
  'attempts',
  'max_attempts',
  'locked_until',
  'last_error',
  'created_at',
  'updated_at',
] as const;

/** Inserts one `newJobRow`; compiled once, for outboxes that add a job per message. */
export function prepareJobInsert(db: Kysely<Database>) {
  return prepareQuery(db, JOB_COLUMNS, (row: JobsTable) => db.insertInto('jobs').values({ ...row }));
}
