/**
 * At most `limit` holders at a time; the others wait their turn, first come first served.
 */
export class Permits {
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Resolves with the release once a permit is held; releasing twice is harmless. */
  async acquire(): Promise<() => void> {
    if (this.held < this.limit) this.held++;
    // A released permit passes straight to the next in line: `held` does not change.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next === undefined) this.held--;
      else next();
    };
  }
}
