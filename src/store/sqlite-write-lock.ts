/**
 * One writer at a time across the threads of this process that open the same SQLite file.
 *
 * SQLite serialises writers itself, but a connection that finds the write lock taken sleeps
 * in its busy handler (1, 2, 5, 10 … 100 ms) and retries; meanwhile the other connection
 * commits again and again, so the sleeper can starve (the worker wrote ~200 messages/s
 * beside a busy API). Threads of one process can queue for the lock instead: a ticket lock
 * in shared memory, first come first served, and the next in line is woken the moment the
 * lock is released. Other processes on the same file still meet SQLite's busy handler.
 */

/** Two counters: the next ticket to hand out, and the ticket now allowed to write. */
const NEXT = 0;
const SERVING = 1;

export class SqliteWriteLock {
  private readonly cells: Int32Array;

  /** `shared`: the buffer of a lock made in another thread (`lock.buffer`), or none for a new lock. */
  constructor(shared?: SharedArrayBuffer) {
    this.cells = new Int32Array(shared ?? new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
  }

  /** Hand this to another thread (workerData) to share the lock. */
  get buffer(): SharedArrayBuffer {
    return this.cells.buffer as SharedArrayBuffer;
  }

  /**
   * Blocks this thread until it holds the lock. Holders keep it for one transaction: SQL
   * work only, never a wait on the network or a timer, so a wait here is short.
   */
  acquire(): void {
    const ticket = Atomics.add(this.cells, NEXT, 1);
    for (;;) {
      const serving = Atomics.load(this.cells, SERVING);
      if (serving === ticket) return;
      Atomics.wait(this.cells, SERVING, serving);
    }
  }

  /** As acquire, but the thread goes on with other work while it waits its turn. */
  async acquireAsync(): Promise<void> {
    const ticket = Atomics.add(this.cells, NEXT, 1);
    for (;;) {
      const serving = Atomics.load(this.cells, SERVING);
      if (serving === ticket) return;
      const waiting = waitAsync(this.cells, SERVING, serving);
      if (waiting.async) await waiting.value;
    }
  }

  release(): void {
    Atomics.add(this.cells, SERVING, 1);
    Atomics.notify(this.cells, SERVING);
  }
}

/** Atomics.waitAsync (Node 16+) is not in TypeScript's ES2023 lib. */
type WaitAsync = (cells: Int32Array, index: number, value: number) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
