import type { Kysely, Migration } from 'kysely';

/**
 * Due jobs are found by kind. Each thread of `serve` claims its own kinds (the main thread
 * plans, the worker thread sends), and `jobs_due` (state, run_at) served both by walking the
 * due jobs oldest first, skipping the other's: under a backlog of one kind, the other's
 * claims read through all of it while holding the write lock (a claim cost 0.6-0.7 ms over
 * the cap, against tens of µs for a plain index seek). With the kind first in the key, a
 * claim reads each of its kinds' oldest due jobs and no others (src/queue/database-queue.ts).
 * It replaces `jobs_due` rather than joining it: every index is written on each of a job's
 * insert, claim and delete.
 */
export const jobsDueByKind: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('jobs_due').execute();
    await db.schema.createIndex('jobs_due_by_kind').on('jobs').columns(['kind', 'state', 'run_at']).execute();
  },
  async down(): Promise<void> {
    throw new Error('Orderline migrations only move forward');
  },
};
