/**
 * The dispatch benchmark's numbers per run, from the orders posted, the messages the sandbox
 * accepted and the service's own message rows. Kept apart from the report's wording so what is
 * measured can be read (and checked) without the markdown around it.
 */
import type { CpuShares } from './cpu.js';
import type { BaselineResult, PacedLoadResult } from './dispatch-load.js';
import type { AcceptedMessage, LoopLag, SandboxStats, ServiceMessage, SqlUse } from './dispatch-sandbox.js';

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
