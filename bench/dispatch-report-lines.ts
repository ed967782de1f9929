/**
 * The console one-liner per dispatch run and per baseline, and the cell formats the markdown
 * tables share with them, so a number reads the same on the console and in bench/RESULTS.md.
 */
import type { CpuShares } from './cpu.js';
import type { BaselineRun, OrderlineRun, RunKind } from './dispatch-report-runs.js';

/** A run whose other processes used more than this share of a core is flagged noisy. */
export const NOISY_PCT = 25;

export const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
export const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
export const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');
export const cpuOf = (c: CpuShares, name: string) => fixed(c.processes[name] ?? NaN, 0);
/** The service's CPU with its two busiest threads (API and worker): "128 (74+51)". */
export const serviceCpu = (c: CpuShares) => {
  const [first, second] = c.threads.service ?? [];
  const parts = [first, second].filter((p): p is number => p !== undefined).map((p) => fixed(p, 0));
  return parts.length < 2 ? cpuOf(c, 'service') : `${cpuOf(c, 'service')} (${parts.join('+')})`;
};
export const noisy = (c: CpuShares) => c.otherPct > NOISY_PCT;
export const kindLabel = (k: RunKind) => (k === 'warm-up' ? 'warm-up' : k === 'below' ? 'below cap' : 'over cap');

export function runLine(run: OrderlineRun): string {
  return (
    `round ${run.round} orderline ${kindLabel(run.kind)} (${int(run.offeredRate)}/s offered): ingested ${int(run.postRate)}/s ` +
    `(POST p99 ${fixed(run.postP99)} ms, ${run.non2xx} non-2xx, ${run.errors} errors), accepted ${int(run.throughput)}/s ` +
    `(seconds ${int(run.secondMin)}-${int(run.secondMax)}), max in any 1 s ${run.maxWindow} (service side ${run.maxWindowSender}), ` +
    `event-to-send p50 ${fixed(run.e2s.p50, 0)} ms p99 ${fixed(run.e2s.p99, 0)} ms, drain ${fixed(run.drainMs / 1000, 2)} s at ${int(run.drainRate)}/s, ` +
    `loop lag p99 ${fixed(run.lag.p99Ms, 0)} ms max ${fixed(run.lag.maxMs, 0)} ms, ` +
    `lost ${run.lost} dup ${run.duplicates} unexpected ${run.unexpected}; CPU service ${serviceCpu(run.cpu)}% sandbox ${cpuOf(run.cpu, 'sandbox')}% ` +
    `bench ${fixed(run.cpu.benchPct, 0)}% other ${fixed(run.cpu.otherPct, 0)}%${noisy(run.cpu) ? '  << noisy' : ''}`
  );
}

export function baselineLine(run: BaselineRun): string {
  const r = run.result;
  return (
    `round ${run.round} baseline: ${int(r.msgsPerSec)} msgs/s, p50 ${fixed(r.p50Ms, 2)} ms, p99 ${fixed(r.p99Ms, 2)} ms, ` +
    `${r.ok} accepted, ${r.non2xx} refused, ${r.errors} errors; CPU sandbox ${cpuOf(run.cpu, 'sandbox')}% service ${cpuOf(run.cpu, 'service')}% ` +
    `bench ${fixed(run.cpu.benchPct, 0)}% other ${fixed(run.cpu.otherPct, 0)}%${noisy(run.cpu) ? '  << noisy' : ''}`
  );
}
