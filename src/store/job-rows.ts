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

const DELETE_CHUNK = 1000;

/**
 * Removes finished jobs (unknown ids are ignored), in chunks well under the bound-parameter
 * limits (SQLite 32,766, PostgreSQL 65,535). Shared by the queue and by the stores that
 * finish a job in the same commit as its work (a plan, an accepted send).
 */
export async function deleteJobs(db: Kysely<Database>, jobIds: readonly string[]): Promise<void> {
  for (let start = 0; start < jobIds.length; start += DELETE_CHUNK) {
    await db
      .deleteFrom('jobs')
      .where('id', 'in', jobIds.slice(start, start + DELETE_CHUNK))
      .execute();
  }
}

/** Inserts one `newJobRow`; compiled once, for outboxes that add a job per message. */
export function prepareJobInsert(db: Kysely<Database>) {
  return prepareQuery(db, JOB_COLUMNS, (row: JobsTable) => db.insertInto('jobs').values({ ...row }));
}
