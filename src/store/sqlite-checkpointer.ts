/**
 * Copies the SQLite write-ahead log back into the database file from a thread of its own.
 *
 * SQLite's automatic checkpoint runs inside whichever commit crosses the WAL size limit, so
 * that one commit (and the event loop with it) waits for the copy and two fsyncs: measured
 * at about half of all commit time under ingestion load, with single commits of 10-20 ms.
 * A PASSIVE checkpoint on another connection runs beside the writer instead of in it.
 *
 * The writer's own automatic checkpoint stays on with a high limit (AUTOCHECKPOINT_PAGES), so
 * the WAL stays bounded even if this thread stops or falls behind.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** The writer's fallback limit: 10,000 pages (about 40 MB at 4 KB pages). */
export const AUTOCHECKPOINT_PAGES = 10_000;
export const CHECKPOINT_INTERVAL_MS = 100;

export interface CheckpointResult {
  /** Frames in the WAL. */
  log: number;
  /** Frames copied into the database file (all of them when equal to `log`). */
  checkpointed: number;
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

type WorkerMessage =
  | { type: 'checkpointed'; id: number; result: CheckpointResult }
  | { type: 'failed'; id: number | null; message: string };

// Plain CommonJS run by the worker (`eval`), so the same code works from src under the test
// runner and from dist: no worker file whose path differs between the two.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
db.pragma('synchronous = NORMAL');
const checkpoint = () => {
  const [row] = db.pragma('wal_checkpoint(PASSIVE)');
  return { log: row.log, checkpointed: row.checkpointed };
};
const timer = setInterval(() => {
  try { checkpoint(); } catch (error) { parentPort.postMessage({ type: 'failed', id: null, message: String(error && error.message || error) }); }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message.type === 'checkpoint') {
    try { parentPort.postMessage({ type: 'checkpointed', id: message.id, result: checkpoint() }); }
    catch (error) { parentPort.postMessage({ type: 'failed', id: message.id, message: String(error && error.message || error) }); }
  } else if (message.type === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort.close();
  }
});
`;

export class SqliteCheckpointer {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (r: CheckpointResult) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private running = true;
  private readonly exited: Promise<void>;

  constructor(file: string, onError: (error: Error) => void, intervalMs = CHECKPOINT_INTERVAL_MS) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs } });
    // Never the reason a CLI command or a test keeps running.
    this.worker.unref();
    this.worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'checkpointed') {
        this.waiting.get(message.id)?.resolve(message.result);
        this.waiting.delete(message.id);
        return;
      }
      const error = new CheckpointError(`SQLite checkpoint failed: ${message.message}`);
      if (message.id === null) {
        onError(error);
        return;
      }
      this.waiting.get(message.id)?.reject(error);
      this.waiting.delete(message.id);
    });
    this.worker.on('error', (error) => onError(new CheckpointError(`SQLite checkpointer stopped: ${error.message}`)));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    void this.exited.then(() => {
      this.running = false;
      for (const pending of this.waiting.values()) pending.reject(new CheckpointError('SQLite checkpointer has stopped'));
      this.waiting.clear();
    });
  }

  /** Checkpoints now (besides the timer) and says how far the WAL was copied. */
  checkpoint(): Promise<CheckpointResult> {
    if (!this.running) return Promise.reject(new CheckpointError('SQLite checkpointer has stopped'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'checkpoint', id });
    });
  }

  async stop(): Promise<void> {
    // Held until it has closed its connection, so the writer's close is the last one.
    this.worker.ref();
    this.worker.postMessage({ type: 'stop' });
    await this.exited;
  }
}

export function startCheckpointer(file: string, onError: (error: Error) => void): SqliteCheckpointer {
  return new SqliteCheckpointer(file, onError);
}
