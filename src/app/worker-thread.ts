/**
 * The worker of `serve --role all` on a thread of its own: the API keeps the main thread
 * (HTTP, ingestion, webhook intake) and the job runner (planning, sending, statuses, cart
 * timers, the bot) runs beside it, each with its own database connection. One process, as
 * `npm start` promises, but two cores' worth of JavaScript instead of one.
 *
 * What crosses the thread boundary is small: a nudge when an accepted event queued work, a
 * tenant whose settings changed (caches to forget), a metrics scrape, and stop.
 */
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/config.js';
import type { MetricsJson } from '../http/metrics.js';
import { PROCESS_EVENT_JOB } from '../use-cases/ingest-event.js';
import { SEND_MESSAGE_JOB } from '../use-cases/plan-notifications.js';
import { PROCESS_WEBHOOK_JOB } from '../use-cases/receive-webhook.js';
import { CART_REMINDER_JOB } from '../use-cases/recover-carts.js';

/** The main thread plans (beside the API). */
export const MAIN_THREAD_JOBS: readonly string[] = [PROCESS_EVENT_JOB];
/** The worker thread sends (so pacing lives in one place), applies statuses and runs cart timers. */
export const WORKER_THREAD_JOBS: readonly string[] = [SEND_MESSAGE_JOB, PROCESS_WEBHOOK_JOB, CART_REMINDER_JOB];

/** What the worker thread is started with (structured-cloned to it). */
export interface WorkerThreadData {
  config: Config;
  /** The SQLite write lock's shared memory, or null on PostgreSQL. */
  sqliteWriteLock: SharedArrayBuffer | null;
  /** Where the main thread listens (the built-in sandbox is reached there). */
  internalUrl: string;
}

export type ToWorker =
  | { type: 'nudge' }
  | { type: 'tenant-changed'; tenantId: string }
  | { type: 'metrics'; id: number }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'metrics'; id: number; metrics: MetricsJson }
  | { type: 'stopped' };

export class WorkerThreadError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WorkerThreadError';
  }
}

export class WorkerThread {
  private nudged = false;
  private nextScrape = 0;
  private readonly scrapes = new Map<number, (metrics: MetricsJson) => void>();
  private stopped: (() => void) | undefined;
  private exited = false;
  private failed = false;

  private constructor(
    private readonly worker: Worker,
    onFailure: (error: Error) => void,
  ) {
    // An uncaught error is followed by the exit: report the first, once.
    const fail = (error: Error) => {
      if (this.failed) return;
      this.failed = true;
      onFailure(error);
    };
    worker.on('message', (message: FromWorker) => this.receive(message));
    worker.on('error', (error) => fail(new WorkerThreadError(`the worker thread failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => {
      this.exited = true;
      for (const answer of this.scrapes.values()) answer([]);
      this.scrapes.clear();
      if (this.stopped !== undefined) this.stopped();
      else fail(new WorkerThreadError(`the worker thread exited (code ${code}) without being stopped`));
    });
  }

  /**
   * Starts the thread and resolves once its runner runs. `onFailure`: the thread died or
   * exited unasked. `entry` is for tests (a stand-in thread speaking the same messages).
   */
  static async start(
    data: WorkerThreadData,
    onFailure: (error: Error) => void,
    entry: URL = new URL('./worker-thread-main.js', import.meta.url),
  ): Promise<WorkerThread> {
    const worker = new Worker(entry, { workerData: data });
    const ready = new Promise<void>((resolve, reject) => {
      const early = (error: Error) => reject(new WorkerThreadError(`the worker thread did not start: ${error.message}`, { cause: error }));
      worker.once('error', early);
      worker.once('message', (message: FromWorker) => {
        worker.off('error', early);
        if (message.type === 'ready') resolve();
        else reject(new WorkerThreadError(`the worker thread said ${message.type} before it was ready`));
      });
    });
    await ready;
    return new WorkerThread(worker, onFailure);
  }

  /** Accepted events queued work: the runner claims at once instead of at its next poll. */
  nudge(): void {
    // One message per event-loop turn is enough, however many commits queued work in it.
    if (this.nudged || this.exited) return;
    this.nudged = true;
    queueMicrotask(() => {
      this.nudged = false;
      this.send({ type: 'nudge' });
    });
  }

  tenantChanged(tenantId: string): void {
    if (!this.exited) this.send({ type: 'tenant-changed', tenantId });
  }

  /** The worker thread's metrics, to be added to this thread's (an empty list once it has exited). */
  metrics(): Promise<MetricsJson> {
    if (this.exited) return Promise.resolve([]);
    const id = this.nextScrape++;
    return new Promise((resolve) => {
      this.scrapes.set(id, resolve);
      this.send({ type: 'metrics', id });
    });
  }

  /** Finishes the sends in flight, closes the thread's connection, and ends the thread. */
  stop(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.stopped = resolve;
      this.send({ type: 'stop' });
    });
  }

  private send(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  private receive(message: FromWorker): void {
    if (message.type === 'metrics') {
      this.scrapes.get(message.id)?.(message.metrics);
      this.scrapes.delete(message.id);
    } else if (message.type === 'stopped') {
      // Its connection is closed and its sends are done: nothing left that should keep it alive.
      void this.worker.terminate();
    }
  }
}
