/**
 * The dispatch benchmark's targets and the `## Dispatch` section of bench/RESULTS.md. The numbers
 * per run (bench/dispatch-report-runs.ts), the console lines (bench/dispatch-report-lines.ts) and
 * the SQL table (bench/dispatch-report-sql.ts) live in modules of their own; the names the
 * benchmark uses are re-exported here so it keeps importing one report module.
 */
import { serviceNodeFlags } from './service-flags.js';
import { cpuOf, fixed, int, kindLabel, noisy, NOISY_PCT, serviceCpu, verdict } from './dispatch-report-lines.js';
import type { BaselineRun, OrderlineRun, Percentiles } from './dispatch-report-runs.js';
import { sqlTable } from './dispatch-report-sql.js';
import type { DispatchSettings } from './dispatch-settings.js';
import { speedLine } from './speed-check.js';

export { analyseRun, maxInWindow, type BaselineRun, type OrderlineRun, type Percentiles, type RunInputs, type RunKind } from './dispatch-report-runs.js';
export { baselineLine, runLine } from './dispatch-report-lines.js';
export { sqlTable } from './dispatch-report-sql.js';

export const TARGET_P99_MS = 250;
/** "Sustain 1,000 messages/s": the accepted rate while the service is over the cap, as a share of the cap. */
export const SUSTAIN_SHARE = 0.95;

export interface Verdicts {
  sustain: boolean;
  capHeld: boolean;
  latency: boolean;
  exactlyOnce: boolean;
  clean: boolean;
}

export function verdicts(runs: OrderlineRun[], cap: number): Verdicts {
  const over = runs.filter((r) => r.kind === 'over');
  const below = runs.filter((r) => r.kind === 'below');
  return {
    sustain: over.length > 0 && over.every((r) => r.throughput >= SUSTAIN_SHARE * cap && r.lost === 0),
    capHeld: runs.length > 0 && runs.every((r) => r.maxWindow <= cap),
    latency: below.length > 0 && below.every((r) => r.e2s.p99 < TARGET_P99_MS),
    exactlyOnce: runs.every((r) => r.lost === 0 && r.duplicates === 0 && r.unexpected === 0),
    clean: runs.every((r) => r.non2xx === 0 && r.errors === 0),
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
};

export function summarise(runs: OrderlineRun[], baselines: BaselineRun[], cap: number): string {
  const v = verdicts(runs, cap);
  const below = runs.filter((r) => r.kind === 'below');
  const over = runs.filter((r) => r.kind === 'over');
  const worst = (xs: number[], f: (...n: number[]) => number) => (xs.length === 0 ? NaN : f(...xs));
  const bMsgs = median(baselines.map((b) => b.result.msgsPerSec));
  const oThroughput = median(over.map((r) => r.throughput));
  const noisyRuns = runs.filter((r) => noisy(r.cpu)).length + baselines.filter((b) => noisy(b.cpu)).length;
  const lost = runs.reduce((a, r) => a + r.lost, 0);
  const dup = runs.reduce((a, r) => a + r.duplicates, 0);
  const unexpected = runs.reduce((a, r) => a + r.unexpected, 0);
  const messages = runs.reduce((a, r) => a + r.accepted, 0);
  return [
    '### Summary',
    '',
    '| | orderline below cap | orderline over cap | baseline (bare undici → sandbox) |',
    '|---|---:|---:|---:|',
    `| offered | ${int(below[0]?.offeredRate ?? NaN)} orders/s | ${int(over[0]?.offeredRate ?? NaN)} orders/s | ${baselines[0]?.result.inFlight ?? 'n/a'} in flight, closed loop |`,
    `| accepted by the sandbox, msgs/s (median of runs) | ${int(median(below.map((r) => r.throughput)))} | ${int(oThroughput)} | ${int(bMsgs)} |`,
    `| highest count in any 1 s window (worst run) | ${int(worst(below.map((r) => r.maxWindow), Math.max))} | ${int(worst(over.map((r) => r.maxWindow), Math.max))} | not paced |`,
    `| event-to-send p50 ms (median of runs) | ${fixed(median(below.map((r) => r.e2s.p50)), 0)} | ${fixed(median(over.map((r) => r.e2s.p50)), 0)} | ${fixed(median(baselines.map((b) => b.result.p50Ms)), 2)} (request round trip) |`,
    `| event-to-send p99 ms (worst run) | ${fixed(worst(below.map((r) => r.e2s.p99), Math.max), 0)} | ${fixed(worst(over.map((r) => r.e2s.p99), Math.max), 0)} | ${fixed(worst(baselines.map((b) => b.result.p99Ms), Math.max), 2)} (request round trip) |`,
    '',
    `Over the cap, Orderline reached **${fixed(oThroughput / bMsgs, 3)}** of the bare client's rate against the same sandbox (the cap allows at most ${fixed(cap / bMsgs, 3)}).`,
    '',
    `- sustain ${int(cap)} msgs/s end to end on embedded SQLite (every over-cap run accepted >= ${int(SUSTAIN_SHARE * cap)}/s after the warm-up, nothing lost): **${verdict(v.sustain)}** (${over.map((r) => int(r.throughput)).join(', ')} msgs/s)`,
    `- never above the cap in any one-second window (sliding, every run, counted where the sandbox accepted): **${verdict(v.capHeld)}** (worst ${int(worst(runs.map((r) => r.maxWindow), Math.max))}; on the service's send starts ${int(worst(runs.map((r) => r.maxWindowSender), Math.max))})`,
    `- event-to-send p99 under ${TARGET_P99_MS} ms below the cap (every below-cap run): **${verdict(v.latency)}** (${below.map((r) => `${fixed(r.e2s.p99, 0)} ms`).join(', ')})`,
    `- every order exactly one accepted message (checked per customer): **${verdict(v.exactlyOnce)}** (${messages} messages; ${lost} lost, ${dup} duplicated, ${unexpected} for orders not answered 2xx)`,
    `- every order POST answered 2xx: **${verdict(v.clean)}**`,
    `- machine quiet (other processes under ${NOISY_PCT}% of a core in every run): **${noisyRuns === 0 ? 'yes' : `no, ${noisyRuns} noisy run(s)`}**`,
  ].join('\n');
}

/** `## Dispatch`; a what-if run keeps its own section so it never replaces the real one. */
export const dispatchTitle = (s: DispatchSettings) => (s.experiment === null ? '## Dispatch' : `## Dispatch, experiment ${s.experiment} (not the shipped code)`);

export interface DispatchContext {
  date: Date;
  machine: string;
  /** The commit measured. */
  revision: string;
  settings: DispatchSettings;
  smoke: boolean;
  loadBefore: number[];
  loadAfter: number[];
  /** speedCheck() before and after the runs, ms. */
  speedBefore: number;
  speedAfter: number;
  /** Free text paragraphs: findings written by the benchmark from what it measured. */
  notes: string[];
  /** EXPLAIN QUERY PLAN of the costliest statements, as markdown lines. */
  plans: string[];
  /** The warm-up run, shown in the tables (not judged). */
  warmUp: OrderlineRun | null;
}

export function dispatchSection(ctx: DispatchContext, measured: OrderlineRun[], baselines: BaselineRun[], summary: string): string {
  const s = ctx.settings;
  const runs = ctx.warmUp === null ? measured : [ctx.warmUp, ...measured];
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  const pct = (p: Percentiles) => `${fixed(p.p50, 0)} / ${fixed(p.p99, 0)}`;
  const rows = runs.map(
    (r) =>
      `| ${r.round} | orderline ${kindLabel(r.kind)} | ${int(r.offeredRate)} | ${int(r.postRate)} | ${fixed(r.postP99, 1)} | ${int(r.throughput)} | ${int(r.secondMin)}–${int(r.secondMax)} | ` +
      `${r.maxWindow} | ${r.maxWindowSender} | ${fixed(r.e2s.p50, 0)} | ${fixed(r.e2s.p99, 0)} | ${fixed(r.e2s.max, 0)} | ${fixed(r.drainMs / 1000, 2)} | ${int(r.drainRate)} | ${fixed(r.lag.p99Ms, 0)} / ${fixed(r.lag.maxMs, 0)} | ` +
      `${r.accepted} | ${r.lost} | ${r.duplicates} | ${r.non2xx + r.errors} | ${serviceCpu(r.cpu)} | ${cpuOf(r.cpu, 'sandbox')} | ${fixed(r.cpu.benchPct, 0)} | ${fixed(r.cpu.otherPct, 0)} | ${noisy(r.cpu) ? 'noisy' : ''} |`,
  );
  const baselineRows = baselines.map((b) => {
    const r = b.result;
    return (
      `| ${b.round} | baseline | ${r.inFlight} in flight | | | ${int(r.msgsPerSec)} | | | | ${fixed(r.p50Ms, 2)} | ${fixed(r.p99Ms, 2)} | | | | | ${r.ok} | | | ${r.non2xx + r.errors} | ` +
      `${cpuOf(b.cpu, 'service')} | ${cpuOf(b.cpu, 'sandbox')} | ${fixed(b.cpu.benchPct, 0)} | ${fixed(b.cpu.otherPct, 0)} | ${noisy(b.cpu) ? 'noisy' : ''} |`
    );
  });
  const stageRows = runs.map(
    (r) =>
      `| ${r.round} | ${kindLabel(r.kind)} | ${pct(r.e2s)} | ${pct(r.toPlanned)} | ${pct(r.toSendStart)} | ${pct(r.toAccepted)} | ${r.retried} | ${r.sandboxDelta.statuses} | ${r.sandboxDelta.webhookPosts} | ${r.sandboxDelta.webhookFailures} |`,
  );
  return [
    dispatchTitle(s),
    '',
    ...(ctx.smoke ? ['> Smoke run with non-default settings: not representative.', ''] : []),
    ...(s.experiment === null ? [] : [`> Experiment \`${s.experiment}\`: the service's SQL was altered by bench/sql-profile.ts. Not the shipped code.`, '']),
    `- Date: ${ctx.date.toISOString()}`,
    `- Machine: ${ctx.machine}`,
    `- Code: ${ctx.revision}`,
    `- Load average (1/5/15 min) before: ${load(ctx.loadBefore)}, after: ${load(ctx.loadAfter)}`,
    speedLine(ctx.speedBefore, ctx.speedAfter),
    `- Question: how many order events per second become messages accepted by WhatsApp (here the sandbox, in its own process), how long from the order's 200 to the accepted send, and does the pacing cap (tenant \`whatsapp.messagesPerSecond\` = ${s.cap}) hold in every one-second window.`,
    `- Orderline: \`node ${serviceNodeFlags().join(' ')} dist/src/main.js serve --role all\` (API and worker in one process, with the Node flags of \`npm start\`), embedded SQLite in a fresh temp dir, LOG_LEVEL=warn, WHATSAPP_GRAPH_URL = the sandbox. One tenant via \`POST /admin/tenants\` with \`whatsapp: {phoneNumberId, accessToken, appSecret, messagesPerSecond: ${s.cap}}\` (a Meta tenant, so it sends to WHATSAPP_GRAPH_URL).`,
    `- Sandbox: \`node dist/src/whatsapp/sandbox/standalone.js\` in its own process, one account matching the tenant, webhook URL = the service's \`/webhooks/whatsapp\` (through a byte-for-byte relay in the bench process, \`bench/webhook-relay.ts\`), **\`--no-read --status-batch-ms ${s.statusBatchMs}\`**: read receipts off and statuses gathered ${s.statusBatchMs} ms per webhook POST (up to 100 each), so each message costs two statuses (sent, delivered) in a few batched, signed POSTs that the service verifies, stores and applies.`,
    `- Load: prepaid BusinessOnBot orders (\`order_confirmed\` template), a fresh order id and a distinct Indian mobile (+91 9XXXXXXXXX) per order, POSTed open loop and evenly spaced by an undici Pool (${s.orderConnections} connections) in this process: below the cap ${int(s.below.rate)}/s for ${s.below.durationSec} s, over the cap ${int(s.over.rate)}/s for ${s.over.durationSec} s. ${s.rounds} round(s), each: below-cap run, over-cap run, baseline; first a warm-up run at ${int(Math.min(300, s.below.rate))}/s for 3 s (round 0 in the tables, shown because it is well below what the service can take, not judged). Each run starts with the service's queue empty.`,
    `- Measured: each order's POST answer time (this process, wall clock) and, from the sandbox's chat of that customer (\`GET /sandbox/tenants/{id}/chats/{phone}\`, after the run), the time the sandbox accepted its message (\`at\`, ms) — both on the same machine clock. Throughput = messages accepted per second from ${s.warmupSec} s after the start to the end of the load; event-to-send = sandbox accepted − POST answered, orders answered in that window; 1 s window = the most accepts in any sliding [t, t+1000 ms) over the whole run (also on the service's \`send_started_at\`, written when a send is marked, just before the last cap check: a send the check holds back is stamped earlier than it goes out, so this count may run above the sandbox's). Lost/duplicate: the sandbox must hold exactly one message for every 2xx order's customer. Stages come from the service's \`messages\` rows (SQLite, read-only).`,
    `- Baseline: an undici Pool in this process with ${s.baselineInFlight} requests in flight POSTing the exact \`/messages\` bodies Orderline sent in that round (taken from the sandbox chats) to the same sandbox, same token, for ${s.baselineSec} s; msgs/s = 200 answers per second, p50/p99 = request round trip. The sandbox does the same work for them (chats, signed status webhooks), but during the baseline the relay answers those webhooks itself: the service never sent these messages, and their statuses would otherwise stay in its \`message_statuses\` as unapplied rows and slow every later send (see Findings).`,
    `- CPU: % of one core during the run (service and sandbox from /proc; bench = this process: load generator and polling; other = the rest of the machine, i.e. noise).`,
    '',
    '### Runs',
    '',
    '| round | run | offered/s | ingested/s | POST p99 ms | accepted msgs/s | per-second min–max | max in 1 s (sandbox) | max in 1 s (service sends) | e2s p50 ms | e2s p99 ms | e2s max ms | drain s | drain msgs/s | loop lag p99 / max ms | messages | lost | dup | non-2xx/errors | service CPU % | sandbox CPU % | bench CPU % | other CPU % | flag |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows,
    ...baselineRows,
    '',
    "For baseline rows, e2s p50/p99 is the request round trip and \"messages\" the 200 answers. Drain = last message accepted − end of the load; drain msgs/s = messages accepted after the load ended per second (the worker alone working off the backlog, no ingestion). Loop lag = the service's event-loop delay (prom-client's monitorEventLoopDelay, `/metrics`) over the load and the drain.",
    '',
    '### Where the time goes (p50 / p99 ms, orders answered after the warm-up)',
    '',
    '| round | run | POST answered → accepted | answered → planned (event.process job ran) | planned → send started (message.send job claimed, pacing wait) | send started → accepted (mark sending, HTTP to the sandbox) | sent more than once | statuses posted | webhook POSTs | webhook failures |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...stageRows,
    '',
    '### Where the service spends its time per message (SQLite statements, timed in the service)',
    '',
    'Measured by `bench/sql-profile.ts`, preloaded into the service (`--import`): every better-sqlite3 statement call timed by its SQL text. The last run of each kind:',
    '',
    ...[runs.filter((r) => r.kind === 'below').pop(), runs.filter((r) => r.kind === 'over').pop()].flatMap((r) => (r === undefined ? [] : [...sqlTable(r), ''])),
    summary,
    ...(ctx.notes.length > 0 ? ['', '### Findings', '', ...ctx.notes] : []),
    ...(ctx.plans.length > 0 ? ['', '### Query plans of the costliest statements (EXPLAIN QUERY PLAN on the run\'s database)', '', ...ctx.plans] : []),
    '',
  ].join('\n');
}
