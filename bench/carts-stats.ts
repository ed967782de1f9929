/** Small measuring helpers for the cart-timer benchmark: percentiles, CPU shares, formatting, progress lines. */
import { machineBusyMs, selfCpuMs } from './cpu.js';

export interface Distribution {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Exact nearest-rank percentiles of the samples. */
export function distribution(samples: ArrayLike<number>): Distribution {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  if (n === 0) return { count: 0, p50: NaN, p99: NaN, max: NaN, mean: NaN };
  const rank = (p: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))] ?? NaN;
  let sum = 0;
  for (const x of sorted) sum += x;
  return { count: n, p50: rank(50), p99: rank(99), max: sorted[n - 1] ?? NaN, mean: sum / n };
}

/** Grows a Float64Array as samples come in (100k samples without 100k boxed numbers). */
export class Samples {
  private data: Float64Array;
  private n = 0;
  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity);
  }
  push(x: number): void {
    if (this.n === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.n++] = x;
  }
  get length(): number {
    return this.n;
  }
  values(): Float64Array {
    return this.data.subarray(0, this.n);
  }
}

export interface CpuShare {
  /** This process (Orderline and the bench driving it), % of one core. */
  selfPct: number;
  /** The rest of the machine: noise. */
  otherPct: number;
}

/** Starts measuring; the returned function gives CPU use since then in % of one core. */
export function measureCpu(): () => CpuShare {
  const wall = performance.now();
  const self = selfCpuMs();
  const machine = machineBusyMs();
  return () => {
    const pct = (ms: number) => (100 * ms) / (performance.now() - wall);
    const selfPct = pct(selfCpuMs() - self);
    const now = machineBusyMs();
    const otherPct = machine === null || now === null ? NaN : Math.max(0, pct(now - machine) - selfPct);
    return { selfPct, otherPct };
  };
}

export const fixed = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
export const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
export const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** A progress line on the console, stamped with the time of day (UTC, to the millisecond). */
export const log = (line: string) => console.log(`[carts ${new Date().toISOString().slice(11, 23)}] ${line}`);

/** SQL (or any text) on one line, cut to `max` characters. */
export function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
