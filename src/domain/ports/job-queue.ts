/**
 * The queue port. A job has a kind, a JSON payload, a run-at time and an optional key that
 * names it while it is live, so a pending job (a cart reminder) can be found or cancelled
 * by that key. Delivery is at least once: a handler must tolerate running twice.
 *
 * Deliberately left out: priorities, job dependencies, repeatable jobs and progress
 * reports. Nothing here needs them, and each would constrain the Redis adapter.
 */

export interface JobSpec {
  kind: string;
  payload: unknown;
  runAt: Date;
  key?: string | null;
  tenantId?: string | null;
  /** Attempts before the job is dead-lettered; defaults to the queue's setting. */
  maxAttempts?: number;
}

export interface ClaimedJob {
  id: string;
  kind: string;
  payload: unknown;
  key: string | null;
  tenantId: string | null;
  runAt: Date;
  /** Including this one. */
  attempt: number;
  maxAttempts: number;
}

export type JobState = 'pending' | 'running' | 'dead';

export interface JobInfo {
  id: string;
  kind: string;
  key: string | null;
  state: JobState;
  runAt: Date;
  attempts: number;
  lastError: string | null;
}

export interface ClaimOptions {
  limit: number;
  /** How long a claimed job stays with this worker before another may take it over. */
  leaseMs: number;
  /**
   * The kinds this worker runs; an empty list claims nothing. Left out, any kind is taken,
   * which reads every live job (tools and tests): a worker names its kinds.
   */
  kinds?: readonly string[];
  /**
   * Also take over jobs whose lease ran out (a dead worker's); default true. Those only
   * appear when a worker dies, so a busy worker may look for them less often than it claims.
   */
  includeAbandoned?: boolean;
}

export interface Postponement {
  jobId: string;
  runAt: Date;
  reason: string;
}

export interface JobQueue {
  enqueue(jobs: readonly JobSpec[]): Promise<void>;
  /** Due jobs, leased to the caller; jobs whose lease ran out (a dead worker) are due again. */
  claim(options: ClaimOptions): Promise<ClaimedJob[]>;
  complete(jobId: string): Promise<void>;
  /** `complete` for many jobs in one write; unknown ids are ignored. */
  completeMany(jobIds: readonly string[]): Promise<void>;
  /** Back to pending at `runAt`, keeping the error; dead-lettered if attempts are used up. */
  retry(jobId: string, runAt: Date, error: string): Promise<JobState>;
  deadLetter(jobId: string, error: string): Promise<void>;
  /**
   * Running jobs back to pending at their `runAt` without counting the attempt (pacing,
   * ordering waits); one write for all of them. Jobs no longer running are left alone.
   */
  postponeMany(postponements: readonly Postponement[]): Promise<void>;
  /**
   * Brings a tenant's pending jobs of a kind that were postponed for `reasonPrefix` forward, in
   * the order they were due: the first to `to`, each next `spacingMs` after the one before
   * (never later than it was). Returns how many moved.
   */
  bringForward(kind: string, tenantId: string, reasonPrefix: string, to: Date, spacingMs: number): Promise<number>;
  /** Dead-lettered jobs back to pending with fresh attempts; returns how many. */
  revive(jobIds: readonly string[], runAt: Date): Promise<number>;
  /** Cancels the pending job with this key; true when there was one. */
  cancelByKey(key: string): Promise<boolean>;
  findByKey(key: string): Promise<JobInfo | undefined>;
  /** Whether a job of this kind for this tenant is pending with a run-at after `after` (held back: parked, or retrying). */
  hasPendingAfter(kind: string, tenantId: string, after: Date): Promise<boolean>;
  /** How many jobs of this kind are pending with a run-at after `after` (all tenants). */
  countPendingAfter(kind: string, after: Date): Promise<number>;
  /** Jobs not yet done (pending or running). */
  depth(): Promise<number>;
}
