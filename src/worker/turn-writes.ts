/**
 * Job results of one turn of the event loop written by one call: the jobs that finish (or are
 * postponed) together while the runner is busy share a statement instead of a commit each.
 * Each caller's promise settles once that write is done or has failed; a failure is reported,
 * never thrown, because a job whose result was not written stays leased and runs again when
 * its lease runs out (at least once).
 */
export class TurnWrites<T> {
  private pending: { items: T[]; written: Promise<void>; release: () => void } | undefined;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly onError: (error: unknown, items: T[]) => void,
  ) {}

  add(item: T): Promise<void> {
    let pending = this.pending;
    if (pending === undefined) {
      let release = () => {};
      const written = new Promise<void>((resolve) => (release = resolve));
      pending = { items: [], written, release };
      this.pending = pending;
      setImmediate(() => void this.flush());
    }
    pending.items.push(item);
    return pending.written;
  }

  private async flush(): Promise<void> {
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    try {
      await this.write(pending.items);
    } catch (error) {
      this.onError(error, pending.items);
    } finally {
      pending.release();
    }
  }
}
