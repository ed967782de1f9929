import type { JobSpec } from '../domain/ports/job-queue.js';
import type { JobsTable } from './schema.js';

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
