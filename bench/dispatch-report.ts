/**
 * The dispatch benchmark's numbers (from the orders posted, the messages the sandbox accepted
 * and the service's own message rows), its targets, and the `## Dispatch` section.
 */
import { serviceNodeFlags } from './service-flags.js';
import type { CpuShares } from './cpu.js';
import type { BaselineResult, PacedLoadResult } from './dispatch-load.js';
import type { AcceptedMessage, LoopLag, SandboxStats, ServiceMessage, SqlUse } from './dispatch-sandbox.js';
import type { DispatchSettings } from './dispatch-settings.js';

export const TARGET_P99_MS = 250;
/** "Sustain 1,000 messages/s": the accepted rate while the service is over the cap, as a share of the cap. */
export const SUSTAIN_SHARE = 0.95;
const NOISY_PCT = 25;

/** `warm-up`: the short run at a low rate before the rounds (shown, never judged). */
export type RunKind = 'warm-up' | 'below' | 'over';

export interface Percentiles {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export interface OrderlineRun {
  round: number;
  kind: RunKind;
  offeredRate: number;
  durationSec: number;
  posted: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** 2xx answers per second over the load (what ingestion actually took). */
  postRate: number;
  postP50: number;
  postP99: number;
  maxInFlight: number;
  /** Messages the sandbox accepted for this run's customers. */
  accepted: number;
  /** 2xx orders whose customer got no message. */
  lost: number;
  /** Customers who got more than one message (the extra ones). */
  duplicates: number;
  /** Messages for orders that were not answered 2xx. */
  unexpected: number;
  /** Accepted per second in [start + warm-up, end of load). */
  throughput: number;
  /** Lowest and highest whole-second bucket in that window. */
  secondMin: number;
  secondMax: number;
  /** From the end of the load to the last message accepted (ms). */
  drainMs: number;
  /** Accepted per second after the load ended (the worker alone, working off the backlog); NaN without a backlog. */
  drainRate: number;
  /** The service's event-loop delay over the load and the drain. */
  lag: LoopLag;
  /** The most messages accepted by the sandbox in any 1,000 ms window (the whole run). */
  maxWindow: number;
  /** The same, counted on the service's send start times (its own side of the pacing). */
  maxWindowSender: number;
  /** POST answered → sandbox accepted (ms), orders answered after the warm-up. */
  e2s: Percentiles;
  /** Stages of that time, from the service's rows. */
  toPlanned: Percentiles;
  toSendStart: Percentiles;
  toAccepted: Percentiles;
  /** Messages the service sent more than once (attempts > 1). */
  retried: number;
  cpu: CpuShares;
  sandboxDelta: SandboxStats;
  /** The service's CPU time per accepted message (ms), over the run and its drain. */
  cpuMsPerMessage: number;
  /** The service's database time over the run, by statement. */
  sql: SqlUse | null;
}

export interface BaselineRun {
  round: number;
  result: BaselineResult;
  cpu: CpuShares;
}

function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { n: 0, p50: NaN, p99: NaN, max: NaN };
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  return { n: sorted.length, p50: at(50), p99: at(99), max: sorted[sorted.length - 1] ?? NaN };
}

/** The most timestamps (ms) within any window [t, t + 1000). */
export function maxInWindow(times: number[], windowMs = 1000): number {
  const sorted = Float64Array.from(times).sort();
  let best = 0;
  let i = 0;
  for (let j = 0; j < sorted.length; j++) {
    while ((sorted[j] ?? 0) - (sorted[i] ?? 0) >= windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

export interface RunInputs {
  round: number;
  kind: RunKind;
  load: PacedLoadResult;
  accepted: Map<string, AcceptedMessage[]>;
  service: Map<string, ServiceMessage[]>;
  warmupSec: number;
  cpu: CpuShares;
  sandboxDelta: SandboxStats;
  sql: SqlUse | null;
  lag: LoopLag;
}

export function analyseRun(input: RunInputs): OrderlineRun {
  const { load, warmupSec } = input;
  const t0 = load.startedAt;
  const steadyFrom = t0 + warmupSec * 1000;
  const steadyTo = t0 + load.durationSec * 1000;
  const acceptTimes: number[] = [];
  const senderTimes: number[] = [];
  const e2s: number[] = [];
  const toPlanned: number[] = [];
  const toSendStart: number[] = [];
  const toAccepted: number[] = [];
  let lost = 0;
  let duplicates = 0;
  let unexpected = 0;
  let retried = 0;
  for (const order of load.orders) {
    const messages = input.accepted.get(order.digits) ?? [];
    const okOrder = order.status >= 200 && order.status < 300;
    for (const m of messages) acceptTimes.push(m.at);
    const rows = input.service.get(order.digits) ?? [];
    for (const row of rows) {
      if (row.sendStartedAt !== null) senderTimes.push(row.sendStartedAt);
      if (row.attempts > 1) retried++;
    }
    if (!okOrder) {
      unexpected += messages.length;
      continue;
    }
    if (messages.length === 0) {
      lost++;
      continue;
    }
    duplicates += messages.length - 1;
    const first = messages[0];
    if (first === undefined || order.answeredAt < steadyFrom || order.answeredAt >= steadyTo) continue;
    e2s.push(first.at - order.answeredAt);
    const row = rows[0];
    if (row !== undefined) {
      toPlanned.push(row.plannedAt - order.answeredAt);
      if (row.sendStartedAt !== null) {
        toSendStart.push(row.sendStartedAt - row.plannedAt);
        toAccepted.push(first.at - row.sendStartedAt);
      }
    }
  }
  const steadySec = load.durationSec - warmupSec;
  const buckets = new Array<number>(Math.max(0, Math.floor(steadySec))).fill(0);
  let inSteady = 0;
  for (const at of acceptTimes) {
    if (at < steadyFrom || at >= steadyTo) continue;
    inSteady++;
    const b = Math.floor((at - steadyFrom) / 1000);
    if (b < buckets.length) buckets[b] = (buckets[b] ?? 0) + 1;
  }
  const lastAccepted = acceptTimes.reduce((a, b) => Math.max(a, b), 0);
  const afterLoad = acceptTimes.filter((at) => at >= steadyTo).length;
  const drainSec = (lastAccepted - steadyTo) / 1000;
  const postTimes = load.orders.filter((o) => o.status >= 200 && o.status < 300).map((o) => o.answeredAt);
  const postSpan = (postTimes.reduce((a, b) => Math.max(a, b), 0) - t0) / 1000;
  const [postP50 = NaN, postP99 = NaN] = load.postLatency.percentiles(50, 99);
  return {
    round: input.round,
    kind: input.kind,
    offeredRate: load.rate,
    durationSec: load.durationSec,
    posted: load.orders.length,
    ok: load.ok,
    non2xx: load.non2xx,
    errors: load.errors,
    postRate: postSpan > 0 ? load.ok / postSpan : NaN,
    postP50,
    postP99,
    maxInFlight: load.maxInFlight,
    accepted: acceptTimes.length,
    lost,
    duplicates,
    unexpected,
    throughput: inSteady / steadySec,
    secondMin: buckets.length === 0 ? NaN : Math.min(...buckets),
    secondMax: buckets.length === 0 ? NaN : Math.max(...buckets),
    drainMs: lastAccepted === 0 ? NaN : lastAccepted - steadyTo,
    drainRate: drainSec >= 1 ? afterLoad / drainSec : NaN,
    lag: input.lag,
    maxWindow: maxInWindow(acceptTimes),
    maxWindowSender: maxInWindow(senderTimes),
    e2s: percentiles(e2s),
    toPlanned: percentiles(toPlanned),
    toSendStart: percentiles(toSendStart),
    toAccepted: percentiles(toAccepted),
    retried,
    cpu: input.cpu,
    sandboxDelta: input.sandboxDelta,
    cpuMsPerMessage: acceptTimes.length === 0 ? NaN : (((input.cpu.processes.service ?? NaN) / 100) * input.cpu.elapsedMs) / acceptTimes.length,
    sql: input.sql,
  };
}

const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');
const cpuOf = (c: CpuShares, name: string) => fixed(c.processes[name] ?? NaN, 0);
/** The service's CPU with its two busiest threads (API and worker): "128 (74+51)". */
const serviceCpu = (c: CpuShares) => {
  const [first, second] = c.threads.service ?? [];
  const parts = [first, second].filter((p): p is number => p !== undefined).map((p) => fixed(p, 0));
  return parts.length < 2 ? cpuOf(c, 'service') : `${cpuOf(c, 'service')} (${parts.join('+')})`;
};
const noisy = (c: CpuShares) => c.otherPct > NOISY_PCT;
const kindLabel = (k: RunKind) => (k === 'warm-up' ? 'warm-up' : k === 'below' ? 'below cap' : 'over cap');

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

const shortSql = (sql: string) => {
  const flat = sql.replace(/\s+/g, ' ').replace(/"/g, '').replace(/\|/g, '\\|');
  return flat.length > 150 ? `${flat.slice(0, 147)}...` : flat;
};

function longest(sql: SqlUse): string {
  const worst = [...sql.statements].sort((a, b) => b.maxMs - a.maxMs).slice(0, 2);
  return `Longest single calls since the service started: ${worst.map((x) => `${fixed(x.maxMs, 0)} ms \`${shortSql(x.sql)}\``).join(', ')}.`;
}

/** The service's database time per message in one run, top statements first. */
export function sqlTable(run: OrderlineRun, top = 12): string[] {
  const sql = run.sql;
  if (sql === null || run.accepted === 0) return [];
  const perMessage = (x: number) => x / run.accepted;
  const wallMs = run.cpu.elapsedMs;
  return [
    `Round ${run.round}, ${kindLabel(run.kind)}: ${run.accepted} messages; the service used ${fixed(run.cpuMsPerMessage, 2)} ms of CPU per message, ` +
      `${fixed(perMessage(sql.totalMs), 2)} ms of it inside SQLite statements (${fixed((100 * sql.totalMs) / wallMs, 0)}% of the run's wall time), ` +
      `${fixed(perMessage(sql.statements.reduce((a, x) => a + x.calls, 0)), 1)} statements per message. ` +
      longest(sql),
    '',
    '| statement | calls per message | µs per call | longest call ms (since start) | ms per message | share of SQL time |',
    '|---|---:|---:|---:|---:|---:|',
    ...sql.statements
      .slice(0, top)
      .map(
        (x) =>
          `| \`${shortSql(x.sql)}\` | ${fixed(perMessage(x.calls), 2)} | ${fixed((1000 * x.ms) / x.calls, 0)} | ${fixed(x.maxMs, 1)} | ${fixed(perMessage(x.ms), 3)} | ${fixed((100 * x.ms) / sql.totalMs, 1)}% |`,
      ),
  ];
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
