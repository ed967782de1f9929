/**
 * Runs queued jobs through their handlers: claims what is due (up to `concurrency` at a
 * time), retries failures with exponential backoff and jitter, dead-letters after the last
 * attempt, and on stop finishes what is in flight before returning.
 *
 * Per job the database work is kept small, since on SQLite it is what limits throughput:
 * - Claims come in batches: the loop claims once a quarter of the slots (`claimBatch`) is
 *   free, or nothing is in flight, rather than each time one job finishes.
 * - Abandoned leases (a dead worker's jobs) are looked for at most once per `leaseCheckMs`
 *   of the injected clock; they cannot appear more often than workers die.
 * - Finished jobs are deleted together: completions gathered in one turn of the event loop
 *   are written by one `completeMany`, postponed ones (pacing) by one `postponeMany`
 *   (src/worker/turn-writes.ts). A job keeps its slot until that write is done, so
 *   `runOnce()` and `stop()` return only once their jobs are settled. If the process dies
 *   before the write, the lease runs out and the job runs again (delivery is at least once).
 *   A handler whose own commit already removed its job with the work (planning, an accepted
 *   send) says `jobRemoved`, and nothing is written for it.
 *
 * `runOnce()` is one claim-and-run round (for every free slot, abandoned leases included),
 * so tests drive the runner step by step with a manual clock; `start()` loops, polling when
 * idle.
 */
import type { Logger } from 'pino';
import type { Clock } from '../domain/ports/clock.js';
import type { ClaimedJob, JobQueue, Postponement } from '../domain/ports/job-queue.js';
import { TurnWrites } from './turn-writes.js';

export type JobResult =
  /**
   * `jobRemoved`: the handler's own commit already removed the job along with the work it
   * recorded (an outbox finishing the job that filled it), so there is nothing left to write.
   */
  | { kind: 'done'; jobRemoved?: boolean }
  /** Try again after `afterMs`; counts as an attempt. */
  | { kind: 'retry'; afterMs?: number; error: string }
  /** Come back after `afterMs` without counting an attempt (pacing, ordering). */
  | { kind: 'postpone'; afterMs: number; reason: string }
  | { kind: 'dead'; error: string };

export type JobHandler = (job: ClaimedJob) => Promise<JobResult>;

export interface RunnerOptions {
  concurrency: number;
  leaseMs: number;
  idlePollMs: number;
  /** How often, on the injected clock, the polling loop also claims abandoned leases. */
  leaseCheckMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  random: () => number;
}

export const DEFAULT_RUNNER_OPTIONS: RunnerOptions = {
  // Most of a job's time is spent waiting on Meta (or the sandbox), not on this process.
  concurrency: 64,
  // Jobs are short (a send times out after 10 s); a dead worker's jobs are taken over this soon.
  leaseMs: 30_000,
  idlePollMs: 100,
  // Small next to the lease, so a dead worker's jobs still wait about `leaseMs`, no longer.
  leaseCheckMs: 1_000,
  backoffBaseMs: 2_000,
  backoffMaxMs: 30 * 60_000,
  random: Math.random,
};

export function backoffMs(attempt: number, options: Pick<RunnerOptions, 'backoffBaseMs' | 'backoffMaxMs' | 'random'>): number {
  const ceiling = Math.min(options.backoffMaxMs, options.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
  // "Equal jitter": at least half the ceiling, so retries spread out but never bunch at zero.
  return Math.round(ceiling / 2 + (options.random() * ceiling) / 2);
}

/** Free slots at which the polling loop claims again: a quarter of them, at least one. */
export function claimBatch(concurrency: number): number {
  return Math.max(1, Math.floor(concurrency / 4));
}

export class JobRunner {
  private readonly options: RunnerOptions;
  private readonly batch: number;
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Set when there may be something to claim; a claim in progress must not miss it. */
  private signalled = false;
  private leaseCheckedAt = Number.NEGATIVE_INFINITY;
  private readonly completions: TurnWrites<string>;
  private readonly postponements: TurnWrites<Postponement>;
  private readonly finishedListeners: (() => void)[] = [];

  constructor(
    private readonly queue: JobQueue,
    private readonly handlers: ReadonlyMap<string, JobHandler>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: Partial<RunnerOptions> = {},
  ) {
    this.options = { ...DEFAULT_RUNNER_OPTIONS, ...options };
    this.batch = claimBatch(this.options.concurrency);
    this.completions = new TurnWrites(
      (ids) => this.queue.completeMany(ids),
      (error, ids) => this.logger.error({ err: error, jobs: ids }, 'recording finished jobs failed; they will run again after their lease'),
    );
    this.postponements = new TurnWrites(
      (items) => this.queue.postponeMany(items),
      (error, items) =>
        this.logger.error({ err: error, jobs: items.map((p) => p.jobId) }, 'postponing jobs failed; they will run again after their lease'),
    );
  }

  /** Claims due jobs for the free slots and runs them; resolves when they have finished. */
  async runOnce(): Promise<number> {
    const free = this.options.concurrency - this.inFlight.size;
    if (free <= 0) return 0;
    const jobs = await this.claim(free, true);
    await Promise.all(jobs.map((job) => this.track(this.execute(job))));
    return jobs.length;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.poll();
  }

  /** Called whenever a job has finished (it may have queued work for another runner). */
  onJobFinished(listener: () => void): void {
    this.finishedListeners.push(listener);
  }

  /** Something was queued: look now rather than at the next poll. */
  nudge(): void {
    this.signal();
  }

  /** Resolves once the jobs in flight have finished and their results are written. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await Promise.all([...this.inFlight]);
  }

  private claim(limit: number, includeAbandoned: boolean): Promise<ClaimedJob[]> {
    return this.queue.claim({ limit, leaseMs: this.options.leaseMs, kinds: [...this.handlers.keys()], includeAbandoned });
  }

  /** A batch's worth of slots is free, or nothing runs (a lone job must not wait for company). */
  private mayClaim(): boolean {
    return this.inFlight.size === 0 || this.options.concurrency - this.inFlight.size >= this.batch;
  }

  private signal(): void {
    if (!this.mayClaim()) return;
    this.signalled = true;
    this.wake?.();
  }

  private async poll(): Promise<void> {
    while (this.running) {
      this.signalled = false;
      try {
        if (this.mayClaim()) await this.claimAndStart();
      } catch (error) {
        this.logger.error({ err: error }, 'claiming jobs failed; will try again');
      }
      if (!this.running) break;
      // Claiming again at once would mostly find nothing (what was due is claimed) or too few
      // free slots: wait for new work (a nudge), for a batch of slots, or for the poll interval.
      if (!this.signalled) await this.idle();
    }
  }

  private async claimAndStart(): Promise<void> {
    const limit = this.options.concurrency - this.inFlight.size;
    const now = this.clock.now().getTime();
    const includeAbandoned = now - this.leaseCheckedAt >= this.options.leaseCheckMs;
    const jobs = await this.claim(limit, includeAbandoned);
    // A full claim may have stopped before the abandoned leases: look again next time.
    if (includeAbandoned && jobs.length < limit) this.leaseCheckedAt = now;
    for (const job of jobs) void this.track(this.execute(job));
  }

  private idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.options.idlePollMs);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      this.wake = undefined;
    });
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    const done = work.finally(() => {
      this.inFlight.delete(work);
      this.signal();
      for (const listener of this.finishedListeners) listener();
    });
    return done;
  }

  private async execute(job: ClaimedJob): Promise<void> {
    // SQLite answers synchronously, so a run of database-only jobs would never leave the
    // microtask queue: give HTTP requests and timers a turn before each job.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const handler = this.handlers.get(job.kind);
    let result: JobResult;
    try {
      result = handler === undefined ? { kind: 'dead', error: `no handler for job kind ${job.kind}` } : await handler(job);
    } catch (error) {
      result = { kind: 'retry', error: error instanceof Error ? error.message : String(error) };
      this.logger.warn({ err: error, job: job.id, kind: job.kind, attempt: job.attempt }, 'job failed; it will be retried');
    }
    try {
      await this.settle(job, result);
    } catch (error) {
      // The lease runs out and the job is claimed again: at least once, never lost.
      this.logger.error({ err: error, job: job.id }, 'recording a job result failed');
    }
  }

  private async settle(job: ClaimedJob, result: JobResult): Promise<void> {
    const now = this.clock.now().getTime();
    switch (result.kind) {
      case 'done':
        if (result.jobRemoved === true) return;
        return this.completions.add(job.id);
      case 'postpone':
        return this.postponements.add({ jobId: job.id, runAt: new Date(now + result.afterMs), reason: result.reason });
      case 'dead':
        this.logger.error({ job: job.id, kind: job.kind, error: result.error }, 'job dead-lettered');
        return this.queue.deadLetter(job.id, result.error);
      case 'retry': {
        const wait = result.afterMs ?? backoffMs(job.attempt, this.options);
        const state = await this.queue.retry(job.id, new Date(now + wait), result.error);
        if (state === 'dead') {
          this.logger.error({ job: job.id, kind: job.kind, attempts: job.attempt, error: result.error }, 'job dead-lettered after its last attempt');
        }
        return;
      }
    }
  }
}
