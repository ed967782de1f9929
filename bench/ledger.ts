/** What each request id got back: a 2xx, another status, or nothing (cut off / failed). */
export class AnswerLedger {
  readonly ok = new Set<string>();
  readonly refused = new Map<string, number>();

  record(id: string, status: number): void {
    if (status >= 200 && status < 300) this.ok.add(id);
    else this.refused.set(id, status);
  }

  answered(id: string): boolean {
    return this.ok.has(id) || this.refused.has(id);
  }
}

/** Response times of one run, kept exactly (autocannon's own histogram has 1 ms steps). */
export class LatencyRecorder {
  private values = new Float64Array(1 << 16);
  private count = 0;

  add(ms: number): void {
    if (this.count === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.count++] = ms;
  }

  /** Nearest-rank percentile, `p` in (0, 100]. */
  percentiles(...ps: number[]): number[] {
    const sorted = this.values.slice(0, this.count).sort();
    return ps.map((p) => (this.count === 0 ? NaN : (sorted[Math.max(0, Math.ceil((p / 100) * this.count) - 1)] ?? NaN)));
  }
}
