/**
 * The timing loop of the scheduling and cancelling phases: one awaited use-case call at a time,
 * each timed, under a time budget so the run length stays bounded whatever a call costs, with the
 * rate kept per block of calls so a slowdown as the tables grow shows in the report. Also the
 * random sample the full-scale calls are drawn from.
 */
import type { PhaseResult } from './carts-report.js';
import { distribution, int, log, measureCpu, Samples } from './carts-stats.js';

/**
 * Runs `op` for the items, one awaited call at a time, timing each, until they are done or the
 * budget is spent; the rate is also kept per block of calls (it may fall as the tables grow).
 */
export async function timedCalls<T>(label: string, items: readonly T[], op: (item: T) => Promise<void>, budgetMs = Infinity): Promise<PhaseResult> {
  const latencies = new Samples(items.length);
  const cpu = measureCpu();
  const start = performance.now();
  const blockSize = Math.max(1, Math.floor(items.length / 20));
  const blocks: PhaseResult['blocks'] = [];
  let blockStart = start;
  let done = 0;
  while (done < items.length && performance.now() - start < budgetMs) {
    const t = performance.now();
    await op(items[done]!);
    latencies.push(performance.now() - t);
    done += 1;
    if (done % blockSize === 0 || done === items.length) {
      const now = performance.now();
      blocks.push({ upTo: done, perSecond: ((done - 1) % blockSize + 1) / ((now - blockStart) / 1000) });
      blockStart = now;
      if (items.length >= 1000 && done % (blockSize * 2) === 0) log(`${label}: ${int(done)} / ${int(items.length)} (${int(blocks[blocks.length - 1]!.perSecond)}/s now)`);
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const { selfPct, otherPct } = cpu();
  return { ops: done, seconds, perSecond: done / seconds, latencyMs: distribution(latencies.values()), selfCpuPct: selfPct, otherCpuPct: otherPct, blocks };
}

/** A random sample of `count` items (without replacement). */
export function sample<T>(items: readonly T[], count: number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, Math.min(count, copy.length));
}
