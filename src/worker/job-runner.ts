/**
 * Runs queued jobs through their handlers: claims what is due (up to `concurrency` at a
 * time), retries failures with exponential backoff and jitter, dead-letters after the last
 * attempt, and on stop finishes what is in flight before returning.
 *
 * `runOnce()` is one claim-and-run round, so tests drive the runner step by step with a
 * manual clock; `start()` loops it, polling when idle.
 */
import type { Logger } from 'pino';
import type { Clock } from '../domain/ports/clock.js';
import type { ClaimedJob, JobQueue } from '../domain/ports/job-queue.js';

export type JobResult =
  | { kind: 'done' }
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
  backoffBaseMs: number;
  backoffMaxMs: number;
  random: () => number;
}

export const DEFAULT_RUNNER_OPTIONS: RunnerOptions = {
  concurrency: 16,
  // Jobs are short (a send times out after 10 s); a dead worker's jobs are taken over this soon.
  leaseMs: 30_000,
  idlePollMs: 100,
  backoffBaseMs: 2_000,
  backoffMaxMs: 30 * 60_000,
  random: Math.random,
};

export function backoffMs(attempt: number, options: Pick<RunnerOptions, 'backoffBaseMs' | 'backoffMaxMs' | 'random'>): number {
  const ceiling = Math.min(options.backoffMaxMs, options.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
  // "Equal jitter": at least half the ceiling, so retries spread out but never bunch at zero.
  return Math.round(ceiling / 2 + (options.random() * ceiling) / 2);
}

export class JobRunner {
  private readonly options: RunnerOptions;
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly queue: JobQueue,
    private readonly handlers: ReadonlyMap<string, JobHandler>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: Partial<RunnerOptions> = {},
  ) {
    this.options = { ...DEFAULT_RUNNER_OPTIONS, ...options };
  }

  /** Claims due jobs for the free slots and runs them; resolves when they have finished. */
  async runOnce(): Promise<number> {
    const free = this.options.concurrency - this.inFlight.size;
    if (free <= 0) return 0;
    const jobs = await this.queue.claim({ limit: free, leaseMs: this.options.leaseMs, kinds: [...this.handlers.keys()] });
    await Promise.all(jobs.map((job) => this.track(this.execute(job))));
    return jobs.length;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.poll();
  }

  /** Something was queued: look now rather than at the next poll. */
  nudge(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await Promise.all([...this.inFlight]);
  }

  private async poll(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      try {
        const free = this.options.concurrency - this.inFlight.size;
        if (free > 0) {
          const jobs = await this.queue.claim({ limit: free, leaseMs: this.options.leaseMs, kinds: [...this.handlers.keys()] });
          claimed = jobs.length;
          for (const job of jobs) void this.track(this.execute(job));
        }
      } catch (error) {
        this.logger.error({ err: error }, 'claiming jobs failed; will try again');
      }
      if (!this.running) break;
      if (claimed === 0 || this.inFlight.size >= this.options.concurrency) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.idlePollMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    const done = work.finally(() => {
      this.inFlight.delete(work);
      this.wake?.();
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
        return this.queue.complete(job.id);
      case 'postpone':
        return this.queue.postpone(job.id, new Date(now + result.afterMs), result.reason);
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
