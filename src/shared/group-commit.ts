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

/**
 * As RunBatch, but the items are taken when `take` is called: inside the transaction, once
 * it holds the write lock. What arrived while it waited for the lock joins this commit
 * instead of queueing for another one behind it.
 */
export type RunTakenBatch<I, O> = (take: () => readonly I[]) => Promise<O[]>;

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

export class GroupCommitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GroupCommitError';
  }
}

export class GroupCommit<I, O> {
  private waiting: Waiting<I, O>[] = [];
  private running = false;
  private scheduled = false;
  private readonly run: RunTakenBatch<I, O>;

  constructor(runBatch: RunBatch<I, O>, maxBatch?: number);
  constructor(runBatch: RunTakenBatch<I, O>, maxBatch: number, mode: 'take-late');
  constructor(
    runBatch: RunBatch<I, O> | RunTakenBatch<I, O>,
    private readonly maxBatch = 256,
    mode: 'take-early' | 'take-late' = 'take-early',
  ) {
    this.run =
      mode === 'take-late' ? (runBatch as RunTakenBatch<I, O>) : (take) => (runBatch as RunBatch<I, O>)(take());
  }

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
    try {
      await this.commit();
    } finally {
      this.running = false;
      if (this.waiting.length > 0) this.schedule();
    }
  }

  private async commit(): Promise<void> {
    let batch: Waiting<I, O>[] | undefined;
    const take = () => (batch ??= this.waiting.splice(0, this.maxBatch)).map((w) => w.item);
    let results: O[];
    try {
      results = await this.run(take);
    } catch (error) {
      // Failed before taking (the transaction did not begin): the items it would have taken fail with it.
      await this.oneByOne(batch ?? this.waiting.splice(0, this.maxBatch), error);
      return;
    }
    if (batch === undefined || results.length !== batch.length) {
      // A bug in the batch function, not a failed write: nothing is retried, every caller hears of it.
      const error = new GroupCommitError(`a batch commit answered ${results.length} results for ${batch?.length ?? 'no'} items taken`);
      for (const w of batch ?? this.waiting.splice(0, this.maxBatch)) w.reject(error);
      return;
    }
    batch.forEach((w, i) => w.resolve(results[i] as O));
  }

  /** After a failed batch, each item in a commit of its own, so one bad item fails alone. */
  private async oneByOne(failed: Waiting<I, O>[], error: unknown): Promise<void> {
    if (failed.length === 1) {
      failed[0]?.reject(error);
      return;
    }
    for (const w of failed) {
      try {
        const [result] = await this.run(() => [w.item]);
        w.resolve(result as O);
      } catch (itemError) {
        w.reject(itemError);
      }
    }
  }
}
