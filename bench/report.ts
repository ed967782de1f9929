/**
 * Summary, targets and the `## Ingestion` section of bench/RESULTS.md (other benchmarks
 * keep their own `## …` sections in the same file; only this one is replaced).
 */
import fs from 'node:fs';
import { serviceNodeFlags } from './service-flags.js';
import type { DurabilityReport } from './durability.js';
import type { RunResult } from './load.js';
import type { Settings } from './settings.js';
import { speedLine } from './speed-check.js';

export const TARGET_RATIO = 0.6;
export const TARGET_P99_MS = 25;
/** `## Ingestion` for the service as `npm start` runs it; the API-only run keeps its own section. */
export const sectionTitle = (role: 'all' | 'api') => (role === 'all' ? '## Ingestion' : '## Ingestion, API role only (no worker)');

export interface Round {
  orderline: RunResult;
  /** The storage floor (bench/floor-server.ts): the baseline plus a group-committed insert of the raw body. */
  floor: RunResult;
  baseline: RunResult;
}

const SERVERS = ['orderline', 'floor', 'baseline'] as const;

export interface Context {
  date: Date;
  machine: string;
  settings: Settings;
  smoke: boolean;
  loadBefore: number[];
  loadAfter: number[];
  /** speedCheck() before and after the runs, ms. */
  speedBefore: number;
  speedAfter: number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}
const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');

/** Other processes used this much of a core during the run: the numbers are disturbed. */
const NOISY_PCT = 25;
const noisy = (run: RunResult) => run.otherCpuPct > NOISY_PCT;
const marks = (run: RunResult) => [flagged(run) ? 'FLAGGED (errors)' : '', noisy(run) ? 'noisy' : ''].filter(Boolean).join(', ');

export function flagged(run: RunResult): boolean {
  return run.errors > 0 || run.timeouts > 0 || run.non2xx > 0;
}

export function runLine(label: string, run: RunResult): string {
  return (
    `${label}: ${int(run.reqPerSec)} req/s, p50 ${fixed(run.p50Ms, 2)} ms, p99 ${fixed(run.p99Ms, 2)} ms, ` +
    `CPU server ${fixed(run.serverCpuPct, 0)}% / autocannon ${fixed(run.loadgenCpuPct, 0)}% / other ${fixed(run.otherCpuPct, 0)}%, 2xx ${run.ok}, non-2xx ${run.non2xx}, errors ${run.errors} (timeouts ${run.timeouts})${marks(run) === '' ? '' : `  << ${marks(run)}`}`
  );
}

export function summarise(rounds: Round[], durability: DurabilityReport): string {
  const side = (pick: (r: Round) => RunResult) => {
    const runs = rounds.map(pick);
    return {
      rps: mean(runs.map((r) => r.reqPerSec)),
      p50: median(runs.map((r) => r.p50Ms)),
      p99: median(runs.map((r) => r.p99Ms)),
      worstP99: Math.max(...runs.map((r) => r.p99Ms)),
    };
  };
  const o = side((r) => r.orderline);
  const f = side((r) => r.floor);
  const b = side((r) => r.baseline);
  const ratios = rounds.map((r) => r.orderline.reqPerSec / r.baseline.reqPerSec);
  const ratio = median(ratios);
  const floorRatios = rounds.map((r) => r.floor.reqPerSec / r.baseline.reqPerSec);
  const anyFlagged = rounds.some((r) => SERVERS.some((name) => flagged(r[name])));
  const d = durability;
  const noisyRuns = rounds.flatMap((r) => SERVERS.map((name) => r[name])).filter(noisy).length;
  return [
    '### Summary',
    '',
    '| | orderline | storage floor | baseline |',
    '|---|---:|---:|---:|',
    `| req/s (mean of rounds) | ${int(o.rps)} | ${int(f.rps)} | ${int(b.rps)} |`,
    `| p50 ms (median of rounds) | ${fixed(o.p50, 2)} | ${fixed(f.p50, 2)} | ${fixed(b.p50, 2)} |`,
    `| p99 ms (median of rounds) | ${fixed(o.p99, 2)} | ${fixed(f.p99, 2)} | ${fixed(b.p99, 2)} |`,
    `| p99 ms (worst round) | ${fixed(o.worstP99, 2)} | ${fixed(f.worstP99, 2)} | ${fixed(b.worstP99, 2)} |`,
    '',
    `Throughput ratio orderline/baseline, median of rounds: **${fixed(ratio, 3)}** (per round: ${ratios.map((r) => fixed(r, 3)).join(', ')})`,
    '',
    `Storage floor/baseline, median of rounds: ${fixed(median(floorRatios), 3)} (per round: ${floorRatios.map((r) => fixed(r, 3)).join(', ')}); ` +
      `orderline/storage floor: ${fixed(median(rounds.map((r) => r.orderline.reqPerSec / r.floor.reqPerSec)), 3)}. ` +
      'The floor does only what makes an answer durable (the raw body inserted, one commit per turn of the event loop), so its ratio is the most any design can reach here.',
    '',
    `- ratio >= ${TARGET_RATIO.toFixed(2)}: **${verdict(ratio >= TARGET_RATIO)}** (${fixed(ratio, 3)})`,
    `- orderline p99 < ${TARGET_P99_MS} ms (median of rounds): **${verdict(o.p99 < TARGET_P99_MS)}** (${fixed(o.p99, 2)} ms)`,
    `- runs without errors or non-2xx answers: **${verdict(!anyFlagged)}**`,
    `- machine quiet (other processes under ${NOISY_PCT}% of a core in every run): **${noisyRuns === 0 ? 'yes' : `no, ${noisyRuns} noisy run(s)`}**`,
    ...(median(rounds.map((r) => r.baseline.loadgenCpuPct)) > 90
      ? ['- note: during the baseline runs autocannon used a full core, so the baseline is capped by the load generator: bare Fastify is faster than shown and the true ratio is lower.']
      : []),
    `- durability: **${verdict(d.ok)}**: ${d.stored} events stored; ${d.answered2xx} answered 2xx` +
      ` + ${d.storedCutOff} cut off in flight when a run ended (completed by the service, answer never read)` +
      `; ${d.missing} answered 2xx but missing; ${d.unexpected} unexpected rows`,
  ].join('\n');
}

export function section(ctx: Context, rounds: Round[], summary: string): string {
  const s = ctx.settings;
  const table = rounds.flatMap((r, i) =>
    SERVERS.map((name) => {
      const run = r[name];
      return `| ${i + 1} | ${name} | ${int(run.reqPerSec)} | ${fixed(run.p50Ms, 2)} | ${fixed(run.p99Ms, 2)} | ${fixed(run.serverCpuPct, 0)} | ${fixed(run.loadgenCpuPct, 0)} | ${fixed(run.otherCpuPct, 0)} | ${run.ok} | ${run.non2xx} | ${run.errors} | ${run.timeouts} | ${marks(run)} |`;
    }),
  );
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  return [
    sectionTitle(s.role),
    '',
    ...(ctx.smoke ? ['> Smoke run with non-default settings: not representative.', ''] : []),
    `- Date: ${ctx.date.toISOString()}`,
    `- Machine: ${ctx.machine}`,
    `- Load average (1/5/15 min) before: ${load(ctx.loadBefore)}, after: ${load(ctx.loadAfter)}`,
    speedLine(ctx.speedBefore, ctx.speedAfter),
    `- Settings: ${s.connections} connections, ${s.durationSec} s per run, ${s.rounds} rounds (orderline, storage floor, baseline in each), ` +
      `${s.warmupSec} s warm-up per server, body ${s.bodyBytes} bytes (BusinessOnBot order, fresh order id and customer phone per request), pipelining 1`,
    `- Orderline: \`node ${serviceNodeFlags().join(' ')} dist/src/main.js serve --role ${s.role}\` in its own process (the Node flags of \`npm start\`)${s.role === 'all' ? ' (API and worker, as `npm start`: every accepted order also queues its notification work)' : ' (ingestion only, no worker)'}, embedded SQLite in a fresh temp dir, LOG_LEVEL=warn, one tenant via the admin API (sandbox WhatsApp).`,
    '- Baseline: bare Fastify 5 (`bench/baseline-server.ts`), same route and body schema, no auth, no storage; it runs with the service paused (SIGSTOP), so work the service has left (planning the events it parked) takes no CPU from it.',
    '- Storage floor: the baseline plus the least work that makes a 200 durable (`bench/floor-server.ts`): the raw body inserted into one SQLite table (WAL, synchronous=NORMAL, checkpoints on their own thread, as the service), requests of one event-loop turn sharing a commit; no guest key, normalising, duplicates, revisions or outbox. Also run with the service paused.',
    '- Durability: after the runs the service is stopped with SIGKILL and `events` is read read-only; every order id answered 2xx must be stored, and no other row may be except requests autocannon cut off in flight at the end of a run.',
    '- Load: autocannon in the parent process; req/s is the mean of per-second samples; p50/p99 are exact (2xx answers only); CPU % is of one core during the run (server from /proc, autocannon = this process, other = the rest of the machine, i.e. noise).',
    '',
    '### Rounds',
    '',
    '| round | server | req/s | p50 ms | p99 ms | server CPU % | autocannon CPU % | other CPU % | 2xx | non-2xx | errors | timeouts | flag |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...table,
    '',
    summary,
    '',
  ].join('\n');
}

/** Replaces the section headed `title` (up to the next `## ` heading), or appends it. */
export function writeResults(file: string, title: string, body: string): void {
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\nWritten by the benchmarks under `bench/` (`npm run bench`). Each benchmark owns one `##` section.\n';
  const lines = existing.split('\n');
  const start = lines.findIndex((l) => l.trim() === title);
  let next: string;
  if (start === -1) {
    next = `${existing.trimEnd()}\n\n${body}`;
  } else {
    const after = lines.findIndex((l, i) => i > start && /^## /.test(l));
    const rest = after === -1 ? '' : `\n${lines.slice(after).join('\n')}`;
    next = `${lines.slice(0, start).join('\n').trimEnd()}\n\n${body}${rest}`;
  }
  fs.writeFileSync(file, next.trimEnd() + '\n');
}
