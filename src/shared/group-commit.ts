/**
 * Lets concurrent callers share one transaction. Items submitted while a commit is running
 * wait for the next one; each caller's promise settles only after the commit that holds its
 * item. One commit per batch instead of one per request is what lets ingestion keep up with
 * the HTTP layer on a single SQLite writer.
 *
 * If a batch fails as a whole, each of its items is retried in a transaction of its own, so
 * one bad item cannot fail its neighbours.
 */

export type RunBatch<I, O> = (items: readonly I[]) => Promise<O[]>;

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<I, O> {
  private waiting: Waiting<I, O>[] = [];
  private running = false;
  private scheduled = false;

  constructor(
    private readonly runBatch: RunBatch<I, O>,
    private readonly maxBatch = 256,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    // setImmediate lets the requests already read in this turn of the event loop join the batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.running || this.waiting.length === 0) return;
    this.running = true;
    const batch = this.waiting.splice(0, this.maxBatch);
    try {
      await this.commit(batch);
    } finally {
      this.running = false;
      if (this.waiting.length > 0) this.schedule();
    }
  }

  private async commit(batch: Waiting<I, O>[]): Promise<void> {
    try {
      const results = await this.runBatch(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i] as O));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      for (const w of batch) {
        try {
          const [result] = await this.runBatch([w.item]);
          w.resolve(result as O);
        } catch (itemError) {
          w.reject(itemError);
        }
      }
    }
  }
}
