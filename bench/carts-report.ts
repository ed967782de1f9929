/**
 * The `## Cart timers` section of bench/RESULTS.md and the console summary. Other benchmarks own
 * the other `##` sections of the file: only this one is replaced (or appended), and the file is
 * read again right before writing, so a section another benchmark wrote meanwhile is kept.
 */
import { DEFAULT_RUNNER_OPTIONS } from '../src/worker/job-runner.js';
import type { Baselines, OpStats } from './carts-baseline.js';
import type { Probe } from './carts-probes.js';
import type { TracedStatement } from './carts-sql.js';
import type { CartBenchSettings } from './carts-settings.js';
import { fixed, int, shorten, verdict, type Distribution } from './carts-stats.js';
import { writeResults } from './report.js';

export const SECTION_TITLE = '## Cart timers';
export const TARGET_PENDING = 100_000;
export const TARGET_LATENESS_P99_MS = 1_000;
export const TARGET_CANCEL_P99_MS = 5;

export interface PhaseResult extends OpStats {
  selfCpuPct: number;
  otherCpuPct: number;
  /** The rate per block of calls (`upTo` = calls done at the block's end). */
  blocks: { upTo: number; perSecond: number }[];
}

export interface BulkResult {
  count: number;
  seconds: number;
}

export interface StorageRow {
  name: string;
  bytes: number;
  payload: number;
}

export interface FiringResult {
  /** Reminders that were due (survivors). */
  expected: number;
  /** cart_reminder messages queued for sending (not skipped). */
  queued: number;
  skipped: number;
  /** Lateness: messages.created_at (the send job's insert, same transaction) − due time. */
  lateness: Distribution;
  /** The same with the reminders that never fired counted at the time they had waited when the run stopped (a lower bound). */
  latenessWithUnfired: Distribution;
  /** Every 10 s: seconds since the first due time, reminders due, reminder jobs claimed, sends done. */
  timeline: { atS: number; due: number; claimed: number; sent: number; sendsInFlight: number }[];
  /** The longest the bench's own 100 ms timer waited beyond its time (the event loop did not turn). */
  longestLoopGapMs: number;
  /** Pending jobs already due when the runner was stopped. */
  backlogAtStop: number;
  /** The shipped `queue.claim` of one job against that backlog (each job given back at once). */
  claimAtStopMs: Distribution;
  /** Due time → the reminder job claimed by the runner. */
  claimLag: Distribution;
  /** Claimed → message and send job inserted (the handler, including waits for the event loop). */
  handle: Distribution;
  /** Send job queued → send started (pacing and competition on the sending side). */
  sendLag: Distribution;
  /** The most reminders due but not yet queued at any moment. */
  maxBacklog: number;
  dueBeforeRunner: number;
  /** Claim queries: duration (ms) and how many slots were free when claiming. */
  claimQueryMs: Distribution;
  claims: number;
  claimsWithFullSlots: number;
  remindClaimed: number;
  sendClaimed: number;
  loopDelayMs: { p50: number; p99: number; max: number };
  selfCpuPct: number;
  otherCpuPct: number;
  /** First due → last reminder queued, and the run's last due time. */
  firingSeconds: number;
  sentPerSecond: number;
}

/** The statements one kind of operation ran (bench/carts-sql.ts), with SQLite's plans. */
export interface SqlProfile {
  name: string;
  /** What one op is ("call", "reminder fired"). */
  unit: string;
  ops: number;
  /** Wall time per op (NaN when not measured per op). */
  wallMsPerOp: number;
  statements: TracedStatement[];
}

export interface Checks {
  pendingAfterSchedule: number;
  pendingAfterCancel: number;
  cartsByState: Record<string, number>;
  survivorsWithOne: number;
  survivorsWithNone: number;
  survivorsWithMore: number;
  cancelledWithAny: number;
  jobsLeft: Record<string, number>;
}

export interface CartBenchResult {
  date: Date;
  machine: string;
  code: string;
  settings: CartBenchSettings;
  smoke: boolean;
  loadBefore: number[];
  loadAfter: number[];
  sqliteVersion: string;
  /** Bytes of one cart's JSON snapshot (the largest column). */
  snapshotBytes: number;
  /** `onCart` from an empty queue until done or the budget ran out. */
  schedule: PhaseResult;
  /** Carts written in bulk when the budget ran out. */
  scheduleFill: BulkResult;
  /** `onCart` re-sending pending carts at full scale (a sample). */
  scheduleAtScale: PhaseResult;
  /** `onOrder` at full scale, random carts, until done or the budget ran out. */
  cancel: PhaseResult;
  cancelFill: BulkResult;
  /** Seconds all carts / all orders would take through the use case. */
  projection: { scheduleAllS: number; cancelAllS: number };
  storage: {
    fileBytesBefore: number;
    fileBytesAfter: number;
    pending: number;
    tables: StorageRow[];
    /** Bytes (dbstat pgsize) of the jobs table and its indexes at the peak. */
    jobsBytes: number;
    cartsBytes: number;
  };
  leadUsedS: number;
  firing: FiringResult;
  checks: Checks;
  baselines: Baselines;
  /** Suggested query changes, timed read-only at full scale (not the shipped code). */
  whatIfs: Probe[];
  sql: SqlProfile[];
  findings: string[];
}

const ms = (d: Distribution, digits = 2) => `${fixed(d.p50, digits)} / ${fixed(d.p99, digits)} / ${fixed(d.max, digits)}`;
const perPending = (bytes: number, pending: number) => (pending === 0 ? NaN : bytes / pending);

export function targets(r: CartBenchResult): { name: string; pass: boolean; detail: string }[] {
  const c = r.checks;
  const correct =
    c.pendingAfterSchedule === r.settings.carts &&
    c.pendingAfterCancel === r.firing.expected &&
    c.survivorsWithOne === r.firing.expected &&
    c.cancelledWithAny === 0;
  return [
    {
      name: `${int(TARGET_PENDING)} pending carts held on embedded SQLite`,
      pass: r.checks.pendingAfterSchedule >= TARGET_PENDING && r.checks.pendingAfterSchedule === r.settings.carts,
      detail:
        `${int(r.checks.pendingAfterSchedule)} pending reminder jobs, ${fixed(perPending(r.storage.fileBytesAfter - r.storage.fileBytesBefore, r.storage.pending), 0)} bytes each on disk` +
        (r.scheduleFill.count > 0 ? `; ${int(r.scheduleFill.count)} of them written in bulk: through \`onCart\` all would take ≈ ${int(r.projection.scheduleAllS)} s` : ''),
    },
    {
      name: `reminders fire with p99 lateness < ${int(TARGET_LATENESS_P99_MS)} ms`,
      pass: r.firing.lateness.p99 < TARGET_LATENESS_P99_MS && r.firing.queued === r.firing.expected,
      detail:
        r.firing.queued === r.firing.expected
          ? `p99 ${fixed(r.firing.lateness.p99)} ms over ${int(r.firing.lateness.count)} reminders`
          : `${int(r.firing.queued)} of ${int(r.firing.expected)} fired; p99 ≥ ${fixed(r.firing.latenessWithUnfired.p99, 0)} ms counting the unfired at the time they had waited (${fixed(r.firing.lateness.p99)} ms over the fired ones only)`,
    },
    {
      name: `an order cancels its cart's sequence in < ${TARGET_CANCEL_P99_MS} ms at p99`,
      pass: r.cancel.latencyMs.p99 < TARGET_CANCEL_P99_MS,
      detail: `p99 ${fixed(r.cancel.latencyMs.p99)} ms over ${int(r.cancel.ops)} orders`,
    },
    {
      name: 'exactly one reminder per surviving cart, none for cancelled ones',
      pass: correct,
      detail: `${int(c.survivorsWithOne)} with one, ${int(c.survivorsWithNone)} with none (still pending when the run stopped), ${int(c.survivorsWithMore)} with more; ${int(c.cancelledWithAny)} cancelled carts with any`,
    },
  ];
}

const cell = (text: string) => text.replaceAll('|', '\\|');

function sqlTable(p: SqlProfile): string[] {
  const total = p.statements.reduce((a, t) => a + t.totalMs, 0);
  const per = (x: number) => x / Math.max(p.ops, 1);
  return [
    '',
    `**${p.name}**: ${int(p.ops)} ${p.unit}${p.ops === 1 ? '' : 's'}; SQL ${fixed(per(total))} ms per ${p.unit}${Number.isFinite(p.wallMsPerOp) ? ` of ${fixed(p.wallMsPerOp)} ms wall` : ''}.`,
    '',
    `| statement | runs per ${p.unit} | ms per run | max ms | % of SQL time | plan |`,
    '|---|---:|---:|---:|---:|---|',
    ...p.statements
      .filter((t) => total > 0 && t.totalMs / total >= 0.01)
      .map(
        (t) =>
          `| \`${cell(shorten(t.sql, 160))}\` | ${fixed(per(t.calls), 2)} | ${fixed(t.totalMs / t.calls, 3)} | ${fixed(t.maxMs, 1)} | ${fixed((100 * t.totalMs) / total, 0)} | ${t.plan.map((l) => `\`${cell(l)}\``).join('<br>')} |`,
      ),
  ];
}

function opRow(label: string, s: OpStats, cpu?: { self: number; other: number }): string {
  return `| ${label} | ${int(s.ops)} | ${fixed(s.seconds, 1)} | ${int(s.perSecond)} | ${fixed(s.latencyMs.p50, 3)} | ${fixed(s.latencyMs.p99, 3)} | ${fixed(s.latencyMs.max, 1)} | ${cpu === undefined ? '' : fixed(cpu.self, 0)} | ${cpu === undefined ? '' : fixed(cpu.other, 0)} |`;
}

export function renderSection(r: CartBenchResult): string {
  const s = r.settings;
  const f = r.firing;
  const st = r.storage;
  const b = r.baselines;
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  const ratio = (a: number, base: number) => fixed(a / base, 3);
  const cpu = (p: PhaseResult) => ({ self: p.selfCpuPct, other: p.otherCpuPct });
  const blocks = r.schedule.blocks;
  const pick = [blocks[0], blocks[Math.floor(blocks.length / 2)], blocks[blocks.length - 1]].filter((x, i, a) => x !== undefined && a.indexOf(x) === i);
  const totalOrders = r.cancel.ops + r.cancelFill.count;
  return [
    SECTION_TITLE,
    '',
    ...(r.smoke ? ['> Smoke run with non-default settings: not representative.', ''] : []),
    `- Date: ${r.date.toISOString()}`,
    `- Machine: ${r.machine}`,
    `- Code: ${r.code}`,
    `- Load average (1/5/15 min) before: ${load(r.loadBefore)}, after: ${load(r.loadAfter)}`,
    `- Question: can embedded SQLite hold ${int(s.carts)} pending cart reminders, fire each on time, and let an order cancel its cart's sequence quickly — and what does it cost next to raw SQLite?`,
    `- Setup: Orderline composed in the bench process (\`compose()\`, wired as \`serve --role worker\`: the shipped JobRunner taking every job kind on one thread, concurrency ${DEFAULT_RUNNER_OPTIONS.concurrency} (WORKER_CONCURRENCY's default), idle poll 100 ms), embedded SQLite ${r.sqliteVersion} in a fresh temp file (WAL, synchronous=NORMAL), LOG_LEVEL=silent, real clock. A no-op MessageSender accepts every message at once. One tenant: \`cartRecovery.reminders: [{after: "${s.after}"}]\`, \`quietHours: null\`, both suppression rules off, \`whatsapp.messagesPerSecond: 1000\` (the maximum, so pacing the sends is not what is measured).`,
    `- Carts: ${int(s.carts)}, each with a distinct Indian mobile, random 32-hex checkout and cart tokens, two line items (snapshot ${int(r.snapshotBytes)} B of JSON); cart time = due − ${s.after}; due times rise evenly with the scheduling order over ${s.spreadS} s, starting ${s.leadS} s after scheduling starts (the lead; ${fixed(r.leadUsedS, 1)} s of it were used). Every other cart (odd index) gets an order with its checkout token and phone, so the survivors span the whole window.`,
    `- Phase 1: \`cartRecovery.onCart\` for the carts in order, one awaited call at a time, for up to ${s.scheduleBudgetS} s; carts left when the budget runs out are written in bulk (\`bench/carts-fill.ts\`: the rows \`save\` writes, 500 per transaction) so the later phases start from the full state; then ${int(s.samples)} pending carts are sent again through \`onCart\` (unchanged: cart upserted, job replaced) to time a call at full scale.`,
    `- Phase 2: the what-if queries below (read-only, ${int(s.samples)} carts each), then \`cartRecovery.onOrder\` for the cancelled half in random order, one at a time, for up to ${s.cancelBudgetS} s; orders left when the budget runs out are applied in bulk with the writes \`onOrder\` ends with (cart \`completed\`, pending job deleted by key).`,
    `- Phase 3: \`runner.start()\`; wait until every survivor's reminder is queued and sent (at most ${s.drainTimeoutS} s after the last due time). Lateness = \`messages.created_at\` of the \`cart_reminder\` message (same transaction as its \`message.send\` job, ms resolution) − due time (cart time + after). Claim times come from a wrapper around \`queue.claim\` in the bench.`,
    '- Latency = one awaited call (performance.now()); CPU % is of one core (self: this process, i.e. Orderline and the driver; other: the rest of the machine, i.e. noise).',
    "- Baselines (same run, after Orderline; raw better-sqlite3 in fresh files, same pragmas, DDL copied from the service's sqlite_master so the indexes are identical; every statement an index lookup, by key with the partial index's predicate `state <> 'dead'`): *rows* = the issue's baseline, one `jobs` row per cart inserted in its own transaction, then half deleted by key; *writes* = the rows Orderline writes per call, by hand (carts upsert + jobs delete/update/insert in one transaction; cancel = cart by tenant and token + carts upsert + jobs delete), snapshots built outside the timing.",
    '',
    '### Throughput and latency',
    '',
    '| operation | ops | s | ops/s | p50 ms | p99 ms | max ms | CPU % self | CPU % other |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    opRow(`Orderline schedule, \`onCart\` (pending 0 → ${int(r.schedule.ops)})`, r.schedule, cpu(r.schedule)),
    opRow(`Orderline schedule at ${int(st.pending)} pending (\`onCart\`, sample)`, r.scheduleAtScale, cpu(r.scheduleAtScale)),
    opRow(`Orderline cancel, \`onOrder\` at ${int(s.carts)} carts${r.cancelFill.count > 0 ? ' (budget)' : ''}`, r.cancel, cpu(r.cancel)),
    opRow('baseline rows: insert job row', b.rows.insert),
    opRow('baseline rows: delete job row by key', b.rows.remove),
    opRow('baseline writes: schedule (carts + jobs)', b.writes.insert),
    opRow('baseline writes: cancel (lookup + carts + jobs)', b.writes.remove),
    '',
    `- Schedule rate as the queue fills: ${pick.map((x) => `${int(x!.perSecond)}/s up to ${int(x!.upTo)}`).join(', ')}; at ${int(st.pending)} pending ${int(1000 / r.scheduleAtScale.latencyMs.mean)}/s (1 / mean call).`,
    `- Through the use case, all ${int(s.carts)} carts ${r.scheduleFill.count > 0 ? `would take ≈ ${int(r.projection.scheduleAllS)} s (projected; ${int(r.scheduleFill.count)} written in bulk in ${fixed(r.scheduleFill.seconds, 1)} s)` : `took ${fixed(r.schedule.seconds, 1)} s`}; all ${int(totalOrders)} orders ${r.cancelFill.count > 0 ? `would take ≈ ${int(r.projection.cancelAllS)} s (projected; ${int(r.cancelFill.count)} applied in bulk in ${fixed(r.cancelFill.seconds, 1)} s)` : `took ${fixed(r.cancel.seconds, 1)} s`}.`,
    `- Orderline / baseline throughput: schedule (mean over the \`onCart\` phase) ${ratio(r.schedule.perSecond, b.rows.insert.perSecond)} of raw job-row inserts, ${ratio(r.schedule.perSecond, b.writes.insert.perSecond)} of its own write set by hand; cancel ${ratio(r.cancel.perSecond, b.rows.remove.perSecond)} of raw deletes by key, ${ratio(r.cancel.perSecond, b.writes.remove.perSecond)} of its own write set by hand.`,
    '',
    '### Where the time goes',
    '',
    "Every better-sqlite3 statement the service ran during the operation, traced in the bench process (SQL text, calls, time inside SQLite including binding), with SQLite's plan for it (EXPLAIN QUERY PLAN with the parameters of its first call). Most time first; statements under 1% of the total are left out.",
    ...r.sql.flatMap((p) => sqlTable(p)),
    '',
    `What-ifs (not the shipped code; read-only, ${int(s.samples)} random carts each, ${int(st.pending)} pending):`,
    '',
    '| query | p50 ms | p99 ms | max ms | plan |',
    '|---|---:|---:|---:|---|',
    ...r.whatIfs.map((p) => `| ${p.name}: \`${p.statement}\` | ${fixed(p.ms.p50, 3)} | ${fixed(p.ms.p99, 3)} | ${fixed(p.ms.max, 1)} | ${p.plan.map((l) => `\`${l}\``).join('<br>')} |`),
    '',
    '### Reminders fired',
    '',
    '| | p50 / p99 / max ms |',
    '|---|---:|',
    `| **lateness: due → send job queued** | ${ms(f.lateness, 0)} |`,
    ...(f.queued < f.expected ? [`| lateness counting the ${int(f.expected - f.queued)} unfired at the time they had waited (lower bound) | ${ms(f.latenessWithUnfired, 0)} |`] : []),
    `| due → reminder job claimed | ${ms(f.claimLag, 0)} |`,
    `| claimed → send job queued (handler) | ${ms(f.handle, 0)} |`,
    `| send job queued → send started | ${ms(f.sendLag, 0)} |`,
    `| claim query (runner) | ${ms(f.claimQueryMs)} |`,
    ...(f.backlogAtStop > 0 ? [`| \`queue.claim\` of one job with ${int(f.backlogAtStop)} due, after the stop | ${ms(f.claimAtStopMs)} |`] : []),
    `| event-loop delay during firing | ${fixed(f.loopDelayMs.p50)} / ${fixed(f.loopDelayMs.p99)} / ${fixed(f.loopDelayMs.max)} |`,
    '',
    `- ${int(f.queued)} of ${int(f.expected)} reminders queued (${int(f.skipped)} skipped), ${int(f.remindClaimed)} reminder and ${int(f.sendClaimed)} send jobs claimed in ${int(f.claims)} claims; ${int(f.claimsWithFullSlots)} claims found all ${DEFAULT_RUNNER_OPTIONS.concurrency} slots free.`,
    `- Due rate ${fixed(f.expected / s.spreadS, 0)} reminders/s; fired (first due → last queued, ${fixed(f.firingSeconds, 1)} s) at ${fixed(f.queued / Math.max(f.firingSeconds, 1e-3), 0)}/s; sent at ${int(f.sentPerSecond)}/s; the most reminders due but not yet queued at any moment: ${int(f.maxBacklog)}.`,
    `- Reminders due before the runner started (lead too short): ${int(f.dueBeforeRunner)}.`,
    `- CPU during firing: self ${fixed(f.selfCpuPct, 0)}%, other ${fixed(f.otherCpuPct, 0)}% of one core.`,
    `- Longest the event loop went without running the bench's 100 ms timer (beyond its 100 ms) during firing: ${fixed(f.longestLoopGapMs / 1000, 1)} s. Due jobs left when the runner was stopped: ${int(f.backlogAtStop)}.`,
    '',
    '| s after first due | reminders due | reminder jobs claimed | sends done | send jobs in flight |',
    '|---:|---:|---:|---:|---:|',
    ...f.timeline.filter((t) => t.atS > -10).map((t) => `| ${fixed(t.atS, 0)} | ${int(t.due)} | ${int(t.claimed)} | ${int(t.sent)} | ${int(t.sendsInFlight)} |`),
    '',
    '### Storage',
    '',
    `- Database file (page_count × page_size) before scheduling ${int(st.fileBytesBefore)} B, with ${int(st.pending)} pending carts ${int(st.fileBytesAfter)} B: **${fixed(perPending(st.fileBytesAfter - st.fileBytesBefore, st.pending), 0)} bytes per pending reminder** (the cart row and the job row with all their indexes).`,
    `- Of that (dbstat, pages in use): jobs table + indexes ${fixed(perPending(st.jobsBytes, st.pending), 0)} B per pending reminder, carts table + indexes ${fixed(perPending(st.cartsBytes, st.pending), 0)} B. Baseline rows: ${fixed(b.rows.bytesPerRow, 0)} B per job row (file growth ${fixed(b.rows.fileBytesPerRow, 0)} B); baseline writes: ${fixed(b.writes.bytesPerRow, 0)} B per cart (file growth ${fixed(b.writes.fileBytesPerRow, 0)} B).`,
    '',
    '| b-tree | bytes | payload bytes | bytes per pending |',
    '|---|---:|---:|---:|',
    ...st.tables.map((t) => `| ${t.name} | ${int(t.bytes)} | ${int(t.payload)} | ${fixed(perPending(t.bytes, st.pending), 1)} |`),
    '',
    '### Checks',
    '',
    `- pending \`cart.remind\` jobs after scheduling: ${int(r.checks.pendingAfterSchedule)} (expected ${int(s.carts)}); after the orders: ${int(r.checks.pendingAfterCancel)} (expected ${int(f.expected)})`,
    `- carts by state at the end: ${Object.entries(r.checks.cartsByState).map(([k, v]) => `${k} ${int(v)}`).join(', ')}`,
    `- jobs left at the end: ${Object.keys(r.checks.jobsLeft).length === 0 ? 'none' : Object.entries(r.checks.jobsLeft).map(([k, v]) => `${k} ${int(v)}`).join(', ')}`,
    '',
    '### Targets',
    '',
    ...targets(r).map((t) => `- ${t.name}: **${verdict(t.pass)}** (${t.detail})`),
    ...(r.findings.length > 0 ? ['', '### Findings', '', ...r.findings.map((x) => `- ${x}`)] : []),
    '',
  ].join('\n');
}

/** Replaces the section headed SECTION_TITLE (up to the next `## ` heading), or appends it. */
export function writeSection(file: string, body: string): void {
  writeResults(file, SECTION_TITLE, body);
}
