/**
 * The firing phase of the cart-timer benchmark: the service's own runner fires the surviving
 * reminders with the real clock while the bench watches its claims from outside (the runner's
 * code is not changed), then lateness and its stages come from the service's message rows. Its
 * own module because it is the one phase with a clock, a deadline and a wrapped queue to put back.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Orderline } from '../src/app/compose.js';
import type { ClaimedJob, ClaimOptions } from '../src/domain/ports/job-queue.js';
import { SEND_MESSAGE_JOB } from '../src/use-cases/plan-notifications.js';
import { CART_REMINDER_JOB } from '../src/use-cases/recover-carts.js';
import { PROCESS_EVENT_JOB } from '../src/use-cases/ingest-event.js';
import { PROCESS_WEBHOOK_JOB } from '../src/use-cases/receive-webhook.js';
import { DEFAULT_RUNNER_OPTIONS } from '../src/worker/job-runner.js';
import type { NoopSender, PlannedCart } from './carts-fixtures.js';
import type { FiringResult } from './carts-report.js';
import type { CartBenchSettings } from './carts-settings.js';
import type { Capture } from './carts-sql.js';
import { distribution, fixed, int, log, measureCpu, Samples, sleep } from './carts-stats.js';

/** Per cart token: the state of its reminder message and how many it got. */
export type CartMessages = Map<string, { state: string; count: number }>;

interface ClaimLog {
  /** Puts the queue's own claim back. */
  restore(): void;
  queryMs: Samples;
  claimedAt: Map<string, number>;
  claims: number;
  fullSlots: number;
  remind: number;
  send: number;
}

/**
 * Wraps the runner's queue.claim (same object) to see when each reminder job was claimed. The
 * wrapper also runs `tick` (progress) and stops handing out jobs once `holdBack` says so: while
 * jobs are due the runner never yields to the event loop (see the findings), so the bench's own
 * timers cannot be relied on to end the phase.
 */
function instrumentClaims(orderline: Orderline, concurrency: number, tick: () => void, holdBack: () => boolean): ClaimLog {
  const queue = orderline.queue;
  const own = Object.getOwnPropertyDescriptor(queue, 'claim');
  const claim = queue.claim.bind(queue);
  const logged: ClaimLog = {
    restore: () => {
      if (own === undefined) Reflect.deleteProperty(queue, 'claim');
      else Object.defineProperty(queue, 'claim', own);
    },
    queryMs: new Samples(),
    claimedAt: new Map(),
    claims: 0,
    fullSlots: 0,
    remind: 0,
    send: 0,
  };
  queue.claim = async (options: ClaimOptions): Promise<ClaimedJob[]> => {
    tick();
    if (holdBack()) return [];
    const t = performance.now();
    const jobs = await claim(options);
    logged.queryMs.push(performance.now() - t);
    const at = Date.now();
    logged.claims += 1;
    if (options.limit >= concurrency) logged.fullSlots += 1;
    for (const job of jobs) {
      if (job.kind === CART_REMINDER_JOB) {
        logged.remind += 1;
        const payload = job.payload as { cartKey?: unknown };
        if (typeof payload.cartKey === 'string') logged.claimedAt.set(payload.cartKey, at);
      } else if (job.kind === SEND_MESSAGE_JOB) {
        logged.send += 1;
      }
    }
    return jobs;
  };
  return logged;
}

/** The most events "due but not yet done" at any moment, from the two sorted time lists. */
function maxBacklog(due: Float64Array, done: Float64Array): number {
  let i = 0;
  let j = 0;
  let worst = 0;
  while (i < due.length) {
    const t = due[i]!;
    while (i < due.length && due[i]! <= t) i++;
    while (j < done.length && done[j]! <= t) j++;
    worst = Math.max(worst, i - j);
  }
  return worst;
}

/**
 * Starts the runner and waits until every surviving reminder has fired (or the drain timeout
 * after the last due time), then times the shipped claim against whatever is still due.
 */
export async function fire(
  orderline: Orderline,
  settings: CartBenchSettings,
  carts: readonly PlannedCart[],
  sender: NoopSender,
  window: { startMs: number; endMs: number },
  traces: { firing: Capture; claim: Capture },
): Promise<{ firing: FiringResult; messages: CartMessages; claimsTimed: number }> {
  const db = orderline.connection.db;
  const survivors = carts.filter((c) => !c.cancelled);
  const sentBefore = sender.sent;
  const deadline = window.endMs + settings.drainTimeoutS * 1000;
  let lastReport = 0;
  let lastLoopTurn = Date.now();
  let longestLoopGapMs = 0;
  const timeline: FiringResult['timeline'] = [];
  const progress = () => {
    const now = Date.now();
    if (now - lastReport < 10_000) return;
    lastReport = now;
    const done = sender.sent - sentBefore;
    const due = survivors.filter((c) => c.dueMs <= now).length;
    const sendsInFlight = claims.send - done;
    timeline.push({ atS: (now - window.startMs) / 1000, due, claimed: claims.remind, sent: done, sendsInFlight });
    log(`firing: ${int(due)} due, ${int(claims.remind)} reminder jobs claimed, ${int(done)} sent, ${int(sendsInFlight)} send jobs in flight; ${fixed((now - lastLoopTurn) / 1000, 1)} s since the event loop last ran a timer`);
  };
  const claims = instrumentClaims(orderline, DEFAULT_RUNNER_OPTIONS.concurrency, progress, () => Date.now() >= deadline);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu = measureCpu();
  const runnerStart = Date.now();
  // Every statement the runner runs while the reminders fire is traced (bench/carts-sql.ts).
  const { selfPct, otherPct } = await traces.firing.run(async () => {
    orderline.runner.start();
    log(`runner started; first reminder due in ${fixed((window.startMs - runnerStart) / 1000, 1)} s, last in ${fixed((window.endMs - runnerStart) / 1000, 1)} s`);
    while (Date.now() < deadline) {
      if (sender.sent - sentBefore >= survivors.length && Date.now() > window.endMs) break;
      await sleep(100);
      const now = Date.now();
      longestLoopGapMs = Math.max(longestLoopGapMs, now - lastLoopTurn - 100);
      lastLoopTurn = now;
      progress();
    }
    const used = cpu();
    await orderline.runner.stop();
    return used;
  });
  const stoppedAt = Date.now();
  loop.disable();
  claims.restore();
  const backlog = await orderline.connection.db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', '=', 'pending')
    .where('run_at', '<=', stoppedAt)
    .executeTakeFirstOrThrow();
  // The shipped claim against what is left due (one job per claim, as when one slot frees up);
  // each claimed job is given back at once (postpone: pending again, the attempt not counted).
  const claimLatencies = new Samples();
  if (Number(backlog.n) > 0) {
    for (let i = 0; i < Math.min(settings.samples, 30); i++) {
      const t = performance.now();
      const jobs = await traces.claim.run(() =>
        orderline.queue.claim({ limit: 1, leaseMs: 30_000, kinds: [PROCESS_EVENT_JOB, SEND_MESSAGE_JOB, CART_REMINDER_JOB, PROCESS_WEBHOOK_JOB] }),
      );
      claimLatencies.push(performance.now() - t);
      await orderline.queue.postponeMany(jobs.map((job) => ({ jobId: job.id, runAt: job.runAt, reason: 'bench: claim probe' })));
    }
  }

  const rows = await db
    .selectFrom('messages')
    .select(['dedupe_key', 'state', 'created_at', 'send_started_at'])
    .where('kind', '=', 'cart_reminder')
    .execute();
  const dueOf = new Map(carts.map((c) => [c.token, c.dueMs]));
  const lateness = new Samples(rows.length);
  const claimLag = new Samples(rows.length);
  const handle = new Samples(rows.length);
  const sendLag = new Samples(rows.length);
  const queuedTimes = new Samples(rows.length);
  const messages: CartMessages = new Map();
  let skipped = 0;
  for (const row of rows) {
    // dedupe key: cart:{cartKey}|{cartTime ms}|{step}
    const [head, cartTimeText] = row.dedupe_key.split('|');
    const cartKey = (head ?? '').slice('cart:'.length);
    const previous = messages.get(cartKey);
    messages.set(cartKey, { state: row.state, count: (previous?.count ?? 0) + 1 });
    if (row.state === 'skipped') {
      skipped += 1;
      continue;
    }
    const due = Number(cartTimeText) + settings.afterMs;
    if (dueOf.get(cartKey) !== due) throw new Error(`message ${row.dedupe_key} does not match its cart's due time`);
    const created = Number(row.created_at);
    lateness.push(created - due);
    queuedTimes.push(created);
    const claimed = claims.claimedAt.get(cartKey);
    if (claimed !== undefined) {
      claimLag.push(claimed - due);
      handle.push(created - claimed);
    }
    if (row.send_started_at !== null) sendLag.push(Number(row.send_started_at) - created);
  }
  const queued = rows.length - skipped;
  // Reminders that never fired count with the time they had waited when the run stopped: a lower bound.
  const censored = new Samples(lateness.length + survivors.length);
  for (const x of lateness.values()) censored.push(x);
  for (const c of survivors) if (!messages.has(c.token) && c.dueMs < stoppedAt) censored.push(stoppedAt - c.dueMs);
  const dueSorted = Float64Array.from(survivors.map((c) => c.dueMs)).sort();
  const doneSorted = Float64Array.from(queuedTimes.values()).sort();
  const firstDue = dueSorted[0] ?? window.startMs;
  const lastQueued = doneSorted[doneSorted.length - 1] ?? window.endMs;
  const firingSeconds = (lastQueued - firstDue) / 1000;
  const nsToMs = (ns: number) => ns / 1e6;
  return {
    messages,
    claimsTimed: claimLatencies.length,
    firing: {
      expected: survivors.length,
      queued,
      skipped,
      lateness: distribution(lateness.values()),
      latenessWithUnfired: distribution(censored.values()),
      timeline,
      claimLag: distribution(claimLag.values()),
      handle: distribution(handle.values()),
      sendLag: distribution(sendLag.values()),
      maxBacklog: maxBacklog(dueSorted, doneSorted),
      dueBeforeRunner: survivors.filter((c) => c.dueMs < runnerStart).length,
      claimQueryMs: distribution(claims.queryMs.values()),
      claims: claims.claims,
      claimsWithFullSlots: claims.fullSlots,
      remindClaimed: claims.remind,
      sendClaimed: claims.send,
      loopDelayMs: { p50: nsToMs(loop.percentile(50)), p99: nsToMs(loop.percentile(99)), max: nsToMs(loop.max) },
      longestLoopGapMs,
      backlogAtStop: Number(backlog.n),
      claimAtStopMs: distribution(claimLatencies.values()),
      selfCpuPct: selfPct,
      otherCpuPct: otherPct,
      firingSeconds,
      sentPerSecond: (sender.sent - sentBefore) / Math.max(firingSeconds, 1e-3),
    },
  };
}
