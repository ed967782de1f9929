/**
 * A fixed piece of single-core work timed in the bench process before and after the runs: the
 * request path's own kind of work (parse, stringify and SHA-256 of the 2 KB order body). The
 * benchmark machine's speed drifts by tens of percent between hours of the same day; this
 * number lets two RESULTS.md sections be compared, and a run taken on a slow stretch be seen.
 */
import { hash } from 'node:crypto';
import { OrderBodies } from './order-body.js';

const ITERATIONS = 10_000;
const SAMPLES = 5;

/** Milliseconds for ITERATIONS rounds of the work: the median of SAMPLES timings. */
export function speedCheck(): number {
  const bodies = new OrderBodies();
  const text = bodies.body(bodies.nextId());
  const times: number[] = [];
  let sink = 0;
  for (let s = 0; s < SAMPLES; s++) {
    const started = performance.now();
    for (let i = 0; i < ITERATIONS; i++) {
      const again = JSON.stringify(JSON.parse(text) as unknown);
      sink += hash('sha256', again, 'hex').charCodeAt(i % 64);
    }
    times.push(performance.now() - started);
  }
  // Kept observable so the loop cannot be optimised away.
  if (sink < 0) throw new Error('unreachable');
  return times.sort((a, b) => a - b)[Math.floor(SAMPLES / 2)]!;
}

export function speedLine(before: number, after: number): string {
  return `- Speed check (bench process, one core; lower is faster): ${ITERATIONS.toLocaleString('en-US')} × parse + stringify + SHA-256 of the 2 KB order body in ${before.toFixed(0)} ms before the runs, ${after.toFixed(0)} ms after`;
}
