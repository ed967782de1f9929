/**
 * The embedded queue: jobs are rows in the database, written in the same transaction as
 * the events that need them. Claiming is one WITH … UPDATE … WHERE id IN (…) RETURNING,
 * atomic on SQLite and, with SKIP LOCKED, safe with several workers on PostgreSQL.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Clock } from '../domain/ports/clock.js';
import type { IdGenerator } from '../domain/ports/ids.js';
import type { ClaimOptions, ClaimedJob, JobInfo, JobQueue, JobSpec, JobState, Postponement } from '../domain/ports/job-queue.js';
import { prepareQuery } from '../store/prepared-query.js';
import type { Capabilities } from '../store/connect.js';
import { deleteJobs, newJobRow } from '../store/job-rows.js';
import type { Database, JobsTable } from '../store/schema.js';

function toClaimed(row: Selectable<JobsTable>): ClaimedJob {
  return {
    id: row.id,
    kind: row.kind,
    payload: JSON.parse(row.payload) as unknown,
    key: row.job_key,
    tenantId: row.tenant_id,
    runAt: new Date(row.run_at),
    attempt: row.attempts,
    maxAttempts: row.max_attempts,
  };
}

/** What a claim takes, oldest first by `time`: jobs due to run, or running jobs whose lease ran out. */
const CLAIMABLE = {
  due: { state: 'pending', time: 'run_at' },
  abandoned: { state: 'running', time: 'locked_until' },
} as const;

/**
 * The claim: the `limit` oldest claimable jobs of the given kinds, leased in one statement
 * (exported so tests can check how the databases plan it).
 */
export function claimStatement(db: Kysely<Database>, capabilities: Capabilities, options: ClaimOptions, now: number, which: 'due' | 'abandoned') {
  // The candidates are a MATERIALIZED CTE, not an `IN (subquery)`: PostgreSQL may plan the
  // subquery as the inner side of a nested loop and re-run it (LIMIT, SKIP LOCKED and all)
  // for every outer row, claiming more than `limit` jobs.
  return (
    db
      .with(
        (cte) => cte('candidates').materialized(),
        () => candidates(db, capabilities, options, now, which),
      )
      .updateTable('jobs')
      .set((eb) => ({
        state: 'running',
        locked_until: now + options.leaseMs,
        attempts: eb('attempts', '+', 1),
        updated_at: now,
      }))
      // Looked up by id only: repeating the condition here lets SQLite plan this on the
      // (kind, state, run_at) index and walk every claimable job. The candidates are already
      // ours: the statement is atomic on SQLite, and PostgreSQL holds their row locks (FOR UPDATE).
      .where('id', 'in', (eb) => eb.selectFrom('candidates').select('candidates.id'))
      .returningAll()
  );
}

/**
 * Each kind is its own range of the (kind, state, run_at) index (migration 007), read only as
 * far as `limit`, and the oldest of those are taken: a backlog of other kinds (another
 * thread's) is never walked.
 */
function candidates(db: Kysely<Database>, capabilities: Capabilities, options: ClaimOptions, now: number, which: 'due' | 'abandoned') {
  const { state, time } = CLAIMABLE[which];
  const oldest = (kind: string | null) => {
    let query = db.selectFrom('jobs').select(['id', time]).where('state', '=', state).where(time, '<=', now).orderBy(time).limit(options.limit);
    if (kind !== null) query = query.where('kind', '=', kind);
    return capabilities.skipLocked ? query.forUpdate().skipLocked() : query;
  };
  const kinds = options.kinds;
  if (kinds === undefined) return oldest(null);
  if (kinds.length === 1) return oldest(kinds[0]!);
  // Each part is wrapped: a part of a UNION may have no ORDER BY or LIMIT of its own.
  const [first, ...others] = kinds.map((kind, i) => db.selectFrom(oldest(kind).as(`k${i}`)).select(['id', time]));
  let union = first!;
  for (const other of others) union = union.unionAll(other);
  return db.selectFrom(union.as('due')).select(['id', time]).orderBy(time).limit(options.limit);
}

export class DatabaseJobQueue implements JobQueue {
  // Paced sends come back often: compiled once.
  private readonly postponeOne;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {
    this.postponeOne = prepareQuery(
      db,
      ['runAt', 'reason', 'updatedAt', 'jobId'],
      (p: { runAt: number; reason: string; updatedAt: number; jobId: string }) =>
        db
          .updateTable('jobs')
          .set((eb) => ({
            state: 'pending',
            run_at: p.runAt,
            locked_until: null,
            attempts: eb('attempts', '-', 1),
            last_error: p.reason,
            updated_at: p.updatedAt,
          }))
          .where('id', '=', p.jobId)
          .where('state', '=', 'running'),
    );
  }

  async enqueue(jobs: readonly JobSpec[]): Promise<void> {
    if (jobs.length === 0) return;
    const now = this.clock.now();
    await this.db
      .insertInto('jobs')
      .values(jobs.map((spec) => newJobRow(this.ids.next('job'), spec, now)))
      .execute();
  }

  async claim(options: ClaimOptions): Promise<ClaimedJob[]> {
    // No kinds asked for: nothing to claim (and `kind in ()` is a syntax error on PostgreSQL).
    if (options.kinds?.length === 0) return [];
    const now = this.clock.now().getTime();
    // Two narrow claims rather than one with an OR. Due jobs: a range scan per kind with no
    // sort, however long the backlog. Expired leases: the running jobs of those kinds (at most
    // the workers' slots) through the same index, sorted (migration 006 dropped their own).
    const due = await this.claimWhere(options, now, 'due', options.limit);
    if (due.length >= options.limit || options.includeAbandoned === false) return due;
    const abandoned = await this.claimWhere(options, now, 'abandoned', options.limit - due.length);
    return [...due, ...abandoned];
  }

  private async claimWhere(options: ClaimOptions, now: number, which: 'due' | 'abandoned', limit: number): Promise<ClaimedJob[]> {
    const rows = await claimStatement(this.db, this.capabilities, { ...options, limit }, now, which).execute();
    return rows.sort((a, b) => a.run_at - b.run_at).map(toClaimed);
  }

  async complete(jobId: string): Promise<void> {
    await this.db.deleteFrom('jobs').where('id', '=', jobId).execute();
  }

  async completeMany(jobIds: readonly string[]): Promise<void> {
    // The runner passes at most its concurrency (1,000 at most): one statement.
    await deleteJobs(this.db, jobIds);
  }

  async retry(jobId: string, runAt: Date, error: string): Promise<JobState> {
    const now = this.clock.now().getTime();
    const row = await this.db
      .updateTable('jobs')
      .set((eb) => ({
        state: eb.case().when('attempts', '>=', eb.ref('max_attempts')).then('dead').else('pending').end(),
        run_at: runAt.getTime(),
        locked_until: null,
        last_error: error.slice(0, 2000),
        updated_at: now,
      }))
      .where('id', '=', jobId)
      .returning('state')
      .executeTakeFirst();
    return (row?.state ?? 'dead') as JobState;
  }

  async deadLetter(jobId: string, error: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ state: 'dead', locked_until: null, last_error: error.slice(0, 2000), updated_at: this.clock.now().getTime() })
      .where('id', '=', jobId)
      .execute();
  }

  async postponeMany(postponements: readonly Postponement[]): Promise<void> {
    if (postponements.length === 0) return;
    const updatedAt = this.clock.now().getTime();
    await this.db.transaction().execute(async (trx) => {
      for (const { jobId, runAt, reason } of postponements) {
        await this.postponeOne.execute({ runAt: runAt.getTime(), reason: reason.slice(0, 2000), updatedAt, jobId }, trx);
      }
    });
  }

  async bringForward(kind: string, tenantId: string, reasonPrefix: string, to: Date, spacingMs: number): Promise<number> {
    const updatedAt = this.clock.now().getTime();
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('jobs')
        .select(['id', 'run_at'])
        .where('kind', '=', kind)
        .where('state', '=', 'pending')
        .where('tenant_id', '=', tenantId)
        .where(sql<string>`substr(last_error, 1, ${sql.lit(reasonPrefix.length)})`, '=', reasonPrefix)
        .orderBy('run_at')
        .orderBy('id')
        .execute();
      let moved = 0;
      for (const [i, row] of rows.entries()) {
        const runAt = Math.round(to.getTime() + i * spacingMs);
        if (runAt >= Number(row.run_at)) continue;
        await trx.updateTable('jobs').set({ run_at: runAt, updated_at: updatedAt }).where('id', '=', row.id).execute();
        moved++;
      }
      return moved;
    });
  }

  async revive(jobIds: readonly string[], runAt: Date): Promise<number> {
    if (jobIds.length === 0) return 0;
    const result = await this.db
      .updateTable('jobs')
      .set({ state: 'pending', attempts: 0, run_at: runAt.getTime(), locked_until: null, updated_at: this.clock.now().getTime() })
      .where('id', 'in', [...jobIds])
      .where('state', '=', 'dead')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async cancelByKey(key: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('jobs')
      .where('job_key', '=', key)
      // The live-key partial index's condition, so the job is found through it.
      .where('state', '<>', 'dead')
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async findByKey(key: string): Promise<JobInfo | undefined> {
    const row = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('job_key', '=', key)
      .where('state', '<>', 'dead')
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      id: row.id,
      kind: row.kind,
      key: row.job_key,
      state: row.state as JobState,
      runAt: new Date(row.run_at),
      attempts: row.attempts,
      lastError: row.last_error,
    };
  }

  async hasPendingAfter(kind: string, tenantId: string, after: Date): Promise<boolean> {
    // The range of held-back jobs of the kind in jobs_due_by_kind: empty unless some are held.
    const row = await this.db
      .selectFrom('jobs')
      .select('id')
      .where('kind', '=', kind)
      .where('state', '=', 'pending')
      .where('run_at', '>', after.getTime())
      .where('tenant_id', '=', tenantId)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async countPendingAfter(kind: string, after: Date): Promise<number> {
    const row = await this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('kind', '=', kind)
      .where('state', '=', 'pending')
      .where('run_at', '>', after.getTime())
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async depth(): Promise<number> {
    const row = await this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('state', '<>', 'dead')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
