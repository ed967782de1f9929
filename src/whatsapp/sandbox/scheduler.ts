/**
 * When the sandbox does something later (status webhooks, webhook retries, status batches).
 * Injected so tests run every pending task at once, in due order, without sleeping.
 * A task may return a promise; the manual scheduler waits for it, so a task that schedules
 * the next step (sent → delivered → read) is seen by the same `runAll()`.
 */

export interface Scheduler {
  after(ms: number, task: () => void | Promise<void>): void;
}

export interface ClosableScheduler extends Scheduler {
  /** Drops pending tasks; later `after` calls are ignored. */
  close(): void;
}

/** Real timers, unref'd so pending webhooks never keep a process alive. */
export function timerScheduler(onError: (error: unknown) => void = () => undefined): ClosableScheduler {
  const pending = new Set<NodeJS.Timeout>();
  let closed = false;
  return {
    after(ms, task) {
      if (closed) return;
      const timer = setTimeout(() => {
        pending.delete(timer);
        Promise.resolve()
          .then(task)
          .catch(onError);
      }, ms);
      timer.unref();
      pending.add(timer);
    },
    close() {
      closed = true;
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
    },
  };
}

interface Pending {
  due: number;
  seq: number;
  task: () => void | Promise<void>;
}

/** A scheduler tests drive by hand: nothing runs until `runAll()` or `advance(ms)`. */
export class ManualScheduler implements ClosableScheduler {
  private now = 0;
  private seq = 0;
  private queue: Pending[] = [];
  private closed = false;

  after(ms: number, task: () => void | Promise<void>): void {
    if (this.closed) return;
    this.queue.push({ due: this.now + Math.max(0, ms), seq: this.seq++, task });
  }

  /** How many tasks wait. */
  get pending(): number {
    return this.queue.length;
  }

  /** Runs tasks due within `ms` of virtual time, one at a time in due order, awaiting each. */
  async advance(ms: number): Promise<number> {
    return this.runWhile(this.now + ms);
  }

  /** Runs every task, including those scheduled while running, until none is left. */
  async runAll(limit = 10_000): Promise<number> {
    return this.runWhile(Number.POSITIVE_INFINITY, limit);
  }

  close(): void {
    this.closed = true;
    this.queue = [];
  }

  private async runWhile(until: number, limit = 10_000): Promise<number> {
    let ran = 0;
    for (;;) {
      this.queue.sort((a, b) => a.due - b.due || a.seq - b.seq);
      const next = this.queue[0];
      if (next === undefined || next.due > until) break;
      if (ran >= limit) throw new Error(`ManualScheduler: more than ${limit} tasks; is something rescheduling itself forever?`);
      this.queue.shift();
      this.now = Math.max(this.now, next.due);
      await next.task();
      ran++;
    }
    if (Number.isFinite(until)) this.now = Math.max(this.now, until);
    return ran;
  }
}
