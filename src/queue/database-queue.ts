/**
 * The embedded queue: jobs are rows in the database, written in the same transaction as
 * the events that need them. Claiming is one WITH … UPDATE … WHERE id IN (…) RETURNING,
 * atomic on SQLite and, with SKIP LOCKED, safe with several workers on PostgreSQL.
 */
import type { Expression, ExpressionBuilder, Kysely, Selectable, SqlBool } from 'kysely';
import type { Clock } from '../domain/ports/clock.js';
import type { IdGenerator } from '../domain/ports/ids.js';
import type { ClaimOptions, ClaimedJob, JobInfo, JobQueue, JobSpec, JobState, Postponement } from '../domain/ports/job-queue.js';
import { prepareQuery } from '../store/prepared-query.js';
import type { Capabilities } from '../store/connect.js';
import { newJobRow } from '../store/job-rows.js';
import type { Database, JobsTable } from '../store/schema.js';

const COMPLETE_CHUNK = 1000;

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
    // Two narrow claims rather than one with an OR. Due jobs: a range scan of (state, run_at)
    // with no sort, however long the backlog. Expired leases: the running jobs (at most the
    // workers' slots) through the same index, sorted; no index of their own to keep up on
    // every claim (migration 006).
    const due = await this.claimWhere(options, now, 'run_at', (eb) => eb.and([eb('state', '=', 'pending'), eb('run_at', '<=', now)]), options.limit);
    if (due.length >= options.limit || options.includeAbandoned === false) return due;
    const abandoned = await this.claimWhere(
      options,
      now,
      'locked_until',
      (eb) => eb.and([eb('state', '=', 'running'), eb('locked_until', '<=', now)]),
      options.limit - due.length,
    );
    return [...due, ...abandoned];
  }

  private async claimWhere(
    options: ClaimOptions,
    now: number,
    order: 'run_at' | 'locked_until',
    condition: (eb: ExpressionBuilder<Database, 'jobs'>) => Expression<SqlBool>,
    limit: number,
  ): Promise<ClaimedJob[]> {
    // The candidates are a MATERIALIZED CTE, not an `IN (subquery)`: PostgreSQL may plan the
    // subquery as the inner side of a nested loop and re-run it (LIMIT, SKIP LOCKED and all)
    // for every outer row, claiming more than `limit` jobs.
    const rows = await this.db
      .with(
        (cte) => cte('candidates').materialized(),
        (db) => {
          let candidates = db.selectFrom('jobs').select('id').where(condition).orderBy(order).limit(limit);
          if (options.kinds !== undefined) candidates = candidates.where('kind', 'in', [...options.kinds]);
          return this.capabilities.skipLocked ? candidates.forUpdate().skipLocked() : candidates;
        },
      )
      .updateTable('jobs')
      .set((eb) => ({
        state: 'running',
        locked_until: now + options.leaseMs,
        attempts: eb('attempts', '+', 1),
        updated_at: now,
      }))
      // Looked up by id only: repeating the condition here lets SQLite plan this on the
      // (state, run_at) index and walk every due job. The candidates are already ours: the
      // statement is atomic on SQLite, and PostgreSQL holds their row locks (FOR UPDATE).
      .where('id', 'in', (eb) => eb.selectFrom('candidates').select('candidates.id'))
      .returningAll()
      .execute();
    return rows.sort((a, b) => a.run_at - b.run_at).map(toClaimed);
  }

  async complete(jobId: string): Promise<void> {
    await this.db.deleteFrom('jobs').where('id', '=', jobId).execute();
  }

  async completeMany(jobIds: readonly string[]): Promise<void> {
    // The runner passes at most its concurrency (1,000 at most): one statement. Longer lists
    // are split to stay well under the bound-parameter limits (SQLite 32,766, PostgreSQL 65,535).
    for (let start = 0; start < jobIds.length; start += COMPLETE_CHUNK) {
      await this.db
        .deleteFrom('jobs')
        .where('id', 'in', jobIds.slice(start, start + COMPLETE_CHUNK))
        .execute();
    }
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

  async depth(): Promise<number> {
    const row = await this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('state', '<>', 'dead')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
