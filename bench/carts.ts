/**
 * Cart timers: schedule 100,000 abandoned-cart reminders on embedded SQLite, cancel half by
 * arriving orders, let the rest fire with the real clock, and compare with raw SQLite.
 *
 *   npm run build && node --enable-source-maps dist/bench/carts.js
 *   BENCH_CARTS=10000 BENCH_SPREAD_S=30 node --enable-source-maps dist/bench/carts.js   # smoke
 *
 * Writes the `## Cart timers` section of bench/RESULTS.md (see bench/carts-report.ts).
 * Other knobs (bench/carts-settings.ts): BENCH_LEAD_S, BENCH_SCHEDULE_BUDGET_S (60),
 * BENCH_CANCEL_BUDGET_S (30), BENCH_SAMPLES (100), BENCH_DRAIN_TIMEOUT_S (60),
 * BENCH_KEEP_DATA=1 (keep the SQLite files), BENCH_WRITE_RESULTS=0 (print only).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import { compose, type Orderline } from '../src/app/compose.js';
import { DEFAULT_RUNNER_OPTIONS } from '../src/worker/job-runner.js';
import { loadConfig } from '../src/config/config.js';
import type { ClaimedJob, ClaimOptions } from '../src/domain/ports/job-queue.js';
import type { Database } from '../src/store/schema.js';
import { SEND_MESSAGE_JOB } from '../src/use-cases/plan-notifications.js';
import { CART_REMINDER_JOB } from '../src/use-cases/recover-carts.js';
import { PROCESS_EVENT_JOB } from '../src/use-cases/ingest-event.js';
import { PROCESS_WEBHOOK_JOB } from '../src/use-cases/receive-webhook.js';
import { runBaselines, type Ddl } from './carts-baseline.js';
import { fillCancels, fillCarts } from './carts-fill.js';
import { runWhatIfs } from './carts-probes.js';
import { newCapture, walksRange, type Capture } from './carts-sql.js';
import { cartOf, NoopSender, orderFor, planCarts, type PlannedCart } from './carts-fixtures.js';
import {
  renderSection,
  targets,
  writeSection,
  type CartBenchResult,
  type Checks,
  type FiringResult,
  type PhaseResult,
  type SqlProfile,
  type StorageRow,
} from './carts-report.js';
import { isDefaultCartSettings, loadCartSettings, type CartBenchSettings } from './carts-settings.js';
import { distribution, fixed, int, measureCpu, Samples, shorten, sleep, verdict } from './carts-stats.js';
import { describeMachine } from './settings.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const RESULTS = path.join(REPO, 'bench', 'RESULTS.md');

const log = (line: string) => console.log(`[carts ${new Date().toISOString().slice(11, 23)}] ${line}`);

type Db = Kysely<Database>;

async function fileBytes(db: Db): Promise<number> {
  const pages = await sql<{ page_count: number }>`pragma page_count`.execute(db);
  const size = await sql<{ page_size: number }>`pragma page_size`.execute(db);
  return Number(pages.rows[0]?.page_count ?? 0) * Number(size.rows[0]?.page_size ?? 0);
}

async function btrees(db: Db): Promise<(StorageRow & { table: string })[]> {
  const rows = await sql<{ name: string; tbl: string; bytes: number; payload: number }>`
    select d.name as name, m.tbl_name as tbl, sum(d.pgsize) as bytes, sum(d.payload) as payload
    from dbstat d join sqlite_master m on m.name = d.name
    group by d.name order by bytes desc`.execute(db);
  return rows.rows.map((r) => ({ name: r.name, table: r.tbl, bytes: Number(r.bytes), payload: Number(r.payload) }));
}

async function pendingReminders(db: Db): Promise<number> {
  const row = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('kind', '=', CART_REMINDER_JOB)
    .where('state', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

function codeVersion(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: REPO, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${sha} with uncommitted changes in src/` : sha;
  } catch {
    return 'unknown';
  }
}

/**
 * Runs `op` for the items, one awaited call at a time, timing each, until they are done or the
 * budget is spent; the rate is also kept per block of calls (it may fall as the tables grow).
 */
async function timedCalls<T>(label: string, items: readonly T[], op: (item: T) => Promise<void>, budgetMs = Infinity): Promise<PhaseResult> {
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
function sample<T>(items: readonly T[], count: number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, Math.min(count, copy.length));
}

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

async function fire(
  orderline: Orderline,
  settings: CartBenchSettings,
  carts: readonly PlannedCart[],
  sender: NoopSender,
  window: { startMs: number; endMs: number },
  traces: { firing: Capture; claim: Capture },
): Promise<{ firing: FiringResult; messages: Map<string, { state: string; count: number }>; claimsTimed: number }> {
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
      for (const job of jobs) await orderline.queue.postpone(job.id, job.runAt, 'bench: claim probe');
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
  const messages = new Map<string, { state: string; count: number }>();
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

async function checksAtEnd(db: Db, carts: readonly PlannedCart[], messages: Map<string, { state: string; count: number }>, pending: { afterSchedule: number; afterCancel: number }): Promise<Checks> {
  const states = await db.selectFrom('carts').select(['state', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('state').execute();
  const jobs = await db.selectFrom('jobs').select(['kind', 'state', (eb) => eb.fn.countAll<number>().as('n')]).groupBy(['kind', 'state']).execute();
  const checks: Checks = {
    pendingAfterSchedule: pending.afterSchedule,
    pendingAfterCancel: pending.afterCancel,
    cartsByState: Object.fromEntries(states.map((r) => [r.state, Number(r.n)])),
    survivorsWithOne: 0,
    survivorsWithNone: 0,
    survivorsWithMore: 0,
    cancelledWithAny: 0,
    jobsLeft: Object.fromEntries(jobs.map((r) => [`${r.kind} ${r.state}`, Number(r.n)])),
  };
  for (const c of carts) {
    const m = messages.get(c.token);
    if (c.cancelled) {
      if (m !== undefined) checks.cancelledWithAny += 1;
    } else if (m === undefined) {
      checks.survivorsWithNone += 1;
    } else if (m.count === 1 && m.state !== 'skipped') {
      checks.survivorsWithOne += 1;
    } else {
      checks.survivorsWithMore += 1;
    }
  }
  return checks;
}

/** What a range-walking plan walks, in words. */
function walked(plan: readonly string[]): string {
  if (plan.some((l) => /INDEX carts_tenant_id \(tenant_id=\?\)/.test(l))) return 'every cart of the tenant (the `carts_tenant_id` index, then each row)';
  if (plan.some((l) => /INDEX jobs_leases \(state=\?\)/.test(l))) return 'every job in that state (the `jobs_leases` index, then each row: the partial key index `jobs_live_key` is not used)';
  if (plan.some((l) => /INDEX jobs_due/.test(l))) return 'every due job (the `jobs_due` index)';
  return 'a whole table or index range';
}

function findingsOf(r: Omit<CartBenchResult, 'findings'>): string[] {
  const out: string[] = [];
  const f = r.firing;
  const n = r.settings.carts;
  if (r.scheduleFill.count > 0) {
    out.push(
      `Scheduling through \`onCart\` ran out of its ${r.settings.scheduleBudgetS} s budget after ${int(r.schedule.ops)} of ${int(n)} carts; the rate fell from ${int(r.schedule.blocks[0]?.perSecond ?? NaN)}/s (first block) to ${int(r.schedule.blocks[r.schedule.blocks.length - 1]?.perSecond ?? NaN)}/s (last block), and at ${int(n)} pending one call takes ${fixed(r.scheduleAtScale.latencyMs.mean)} ms on average (${int(1000 / r.scheduleAtScale.latencyMs.mean)}/s): all ${int(n)} through \`onCart\` would take ≈ ${int(r.projection.scheduleAllS)} s. The other ${int(r.scheduleFill.count)} carts were written in bulk (${fixed(r.scheduleFill.seconds, 1)} s).`,
    );
  }
  if (r.cancelFill.count > 0) {
    out.push(
      `Cancelling through \`onOrder\` ran out of its ${r.settings.cancelBudgetS} s budget after ${int(r.cancel.ops)} of ${int(r.cancel.ops + r.cancelFill.count)} orders (${int(r.cancel.perSecond)}/s): all of them would take ≈ ${int(r.projection.cancelAllS)} s. The other ${int(r.cancelFill.count)} were cancelled in bulk with the writes \`onOrder\` ends with (${fixed(r.cancelFill.seconds, 1)} s).`,
    );
  }
  for (const profile of r.sql) {
    const total = profile.statements.reduce((a, t) => a + t.totalMs, 0);
    for (const st of profile.statements) {
      const share = total === 0 ? 0 : st.totalMs / total;
      if (!walksRange(st.plan) || share < 0.2) continue;
      out.push(
        `${profile.name}: \`${shorten(st.sql, 120)}\` is ${fixed(100 * share, 0)}% of the SQL time (${fixed(st.totalMs / st.calls)} ms per run, ${fixed(st.calls / Math.max(profile.ops, 1), 1)} runs per ${profile.unit}); its plan \`${st.plan.join('; ')}\` walks ${walked(st.plan)} instead of looking the key up, so it grows with the table.`,
      );
    }
  }
  for (const probe of r.whatIfs) {
    out.push(`What-if (not the shipped code): ${probe.name} — \`${probe.plan.join('; ')}\`: ${fixed(probe.ms.p50, 3)} ms p50, ${fixed(probe.ms.p99, 3)} ms p99 at ${int(n)} carts.`);
  }
  if (f.longestLoopGapMs > 1000) {
    out.push(
      `While reminders were due the event loop stopped turning for up to ${fixed(f.longestLoopGapMs / 1000, 1)} s: on SQLite every query resolves as a microtask, so \`JobRunner.poll\` (claim, run, claim again as a slot frees) never yields to timers or I/O while work is due. Send jobs waiting on the pacer's \`setTimeout\` (${int(Math.max(0, ...f.timeline.map((t) => t.sendsInFlight)))} at most in flight here) hold their runner slots meanwhile, and in \`serve --role all\` (same process, same event loop) HTTP requests would wait as well.`,
    );
  }
  if (f.dueBeforeRunner > 0) {
    out.push(`${int(f.dueBeforeRunner)} reminders came due before the runner started (scheduling and cancelling took ${fixed(r.leadUsedS, 1)} s of a ${r.settings.leadS} s lead): their lateness includes that wait; raise BENCH_LEAD_S.`);
  }
  if (f.queued < f.expected) {
    out.push(`${int(f.expected - f.queued)} reminders had not fired ${r.settings.drainTimeoutS} s after the last due time: counted with the time they had waited when the run stopped, lateness is at least p50 ${fixed(f.latenessWithUnfired.p50, 0)} ms, p99 ${fixed(f.latenessWithUnfired.p99, 0)} ms.`);
  }
  if (f.otherCpuPct > 25 || r.schedule.otherCpuPct > 25 || r.cancel.otherCpuPct > 25) {
    out.push(`The machine was not quiet: other processes used ${fixed(r.schedule.otherCpuPct, 0)}% / ${fixed(r.cancel.otherCpuPct, 0)}% / ${fixed(f.otherCpuPct, 0)}% of a core during scheduling / cancelling / firing.`);
  }
  return out;
}

async function main(): Promise<void> {
  const settings = loadCartSettings();
  const smoke = !isDefaultCartSettings(settings);
  const date = new Date();
  const code = codeVersion();
  const loadBefore = os.loadavg();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderline-carts-'));
  log(`${int(settings.carts)} carts, due over ${settings.spreadS} s starting ${settings.leadS} s from now; data in ${dir}`);
  const config = loadConfig({ DATABASE_URL: `file:${path.join(dir, 'orderline.db')}`, LOG_LEVEL: 'silent' }, dir);
  const sender = new NoopSender();
  const orderline = await compose(config, { sender, defaultMetrics: false });
  const db = orderline.connection.db;
  let result: CartBenchResult;
  try {
    const { tenant } = await orderline.tenants.create({
      name: 'Cart timers bench',
      whatsapp: { messagesPerSecond: 1000 },
      cartRecovery: {
        reminders: [{ after: settings.after }],
        quietHours: null,
        suppression: { afterOrderConfirmation: null, perCustomer: null },
      },
    });
    const tenantId = tenant.id;
    const sqliteVersion = (await sql<{ v: string }>`select sqlite_version() as v`.execute(db)).rows[0]?.v ?? '?';

    const t0 = Date.now();
    const windowStartMs = t0 + settings.leadS * 1000;
    const carts = planCarts(settings.carts, windowStartMs, settings.spreadS * 1000, settings.cancelEvery);
    const window = { startMs: windowStartMs, endMs: windowStartMs + settings.spreadS * 1000 };
    const onCart = (p: PlannedCart) => orderline.cartRecovery.onCart(tenantId, cartOf(p, settings.afterMs));

    // Phase 1: schedule through onCart (within the budget), the rest in bulk.
    const fileBytesBefore = await fileBytes(db);
    const schedule = await timedCalls('schedule', carts, onCart, settings.scheduleBudgetS * 1000);
    const rest = carts.slice(schedule.ops);
    const scheduleFill = { count: rest.length, seconds: rest.length === 0 ? 0 : await fillCarts(db, tenantId, rest, settings.afterMs) };
    if (rest.length > 0) log(`budget spent after ${int(schedule.ops)} carts; ${int(rest.length)} written in bulk in ${fixed(scheduleFill.seconds, 1)} s`);
    // At full scale: re-sending pending carts unchanged (same writes: the cart upserted, its job replaced).
    const cartTrace = newCapture();
    const scheduleAtScale = await cartTrace.run(() => timedCalls('schedule at scale', sample(carts, settings.samples), onCart));
    const afterSchedule = await pendingReminders(db);
    const fileBytesAfter = await fileBytes(db);
    const tables = await btrees(db);
    const sum = (table: string) => tables.filter((t) => t.table === table).reduce((a, t) => a + t.bytes, 0);
    log(`scheduled: ${int(schedule.perSecond)} carts/s over ${int(schedule.ops)}; at ${int(afterSchedule)} pending p50 ${fixed(scheduleAtScale.latencyMs.p50, 3)} ms, p99 ${fixed(scheduleAtScale.latencyMs.p99, 3)} ms; ${fixed((fileBytesAfter - fileBytesBefore) / afterSchedule, 0)} B per pending reminder`);

    // Phase 2: where a cancel's time goes (read-only), then cancel half by orders, in random order.
    const cancelled = sample(
      carts.filter((c) => c.cancelled),
      settings.carts,
    );
    const whatIfs = await runWhatIfs(db, tenantId, cancelled.slice(0, settings.samples));
    for (const probe of whatIfs) log(`what-if ${probe.name}: p50 ${fixed(probe.ms.p50, 3)} ms, p99 ${fixed(probe.ms.p99, 3)} ms — ${probe.plan.join('; ')}`);
    const orderTrace = newCapture();
    const cancel = await orderTrace.run(() =>
      timedCalls(
        'cancel',
        cancelled,
        (p) => {
          const now = new Date();
          return orderline.cartRecovery.onOrder(tenantId, orderFor(p, now), now);
        },
        settings.cancelBudgetS * 1000,
      ),
    );
    const uncancelled = cancelled.slice(cancel.ops);
    const cancelFill = { count: uncancelled.length, seconds: uncancelled.length === 0 ? 0 : await fillCancels(db, tenantId, uncancelled) };
    if (uncancelled.length > 0) log(`budget spent after ${int(cancel.ops)} orders; ${int(uncancelled.length)} cancelled in bulk in ${fixed(cancelFill.seconds, 1)} s`);
    const afterCancel = await pendingReminders(db);
    const leadUsedS = (Date.now() - t0) / 1000;
    log(`cancelled: ${int(cancel.perSecond)} orders/s, p50 ${fixed(cancel.latencyMs.p50, 3)} ms, p99 ${fixed(cancel.latencyMs.p99, 3)} ms; ${int(afterCancel)} pending; lead used ${fixed(leadUsedS, 1)} of ${settings.leadS} s`);

    // Phase 3: fire.
    const traces = { firing: newCapture(), claim: newCapture() };
    const { firing, messages, claimsTimed } = await fire(orderline, settings, carts, sender, window, traces);
    log(`fired: ${int(firing.queued)} of ${int(firing.expected)}; lateness p50 ${fixed(firing.lateness.p50)} ms, p99 ${fixed(firing.lateness.p99)} ms, max ${fixed(firing.lateness.max)} ms`);
    const checks = await checksAtEnd(db, carts, messages, { afterSchedule, afterCancel });

    // Baselines, on the service's own DDL.
    const ddlRows = await sql<{ tbl_name: string; type: string; sql: string | null }>`
      select tbl_name, type, sql from sqlite_master where tbl_name in ('jobs', 'carts') and sql is not null order by type = 'index', rowid`.execute(db);
    const ddl: Ddl[] = ddlRows.rows.map((r) => ({ table: r.tbl_name, sql: r.sql ?? '' }));
    log('baselines: raw better-sqlite3');
    const baselines = runBaselines(dir, ddl, tenantId, carts, settings.afterMs);
    log(`baseline rows: insert ${int(baselines.rows.insert.perSecond)}/s, delete ${int(baselines.rows.remove.perSecond)}/s; writes: schedule ${int(baselines.writes.insert.perSecond)}/s, cancel ${int(baselines.writes.remove.perSecond)}/s`);

    // Projections for the calls the budgets cut off: the per-call cost grows linearly with the
    // pending count (schedule: trapezoid from the last measured block to the full-scale sample),
    // a cancel costs about the same at any point (it walks all the tenant's carts).
    const lastBlock = schedule.blocks[schedule.blocks.length - 1];
    const msAtK = lastBlock === undefined ? scheduleAtScale.latencyMs.mean : 1000 / lastBlock.perSecond;
    const projection = {
      scheduleAllS: schedule.seconds + (scheduleFill.count * (msAtK + scheduleAtScale.latencyMs.mean)) / 2 / 1000,
      cancelAllS: ((cancel.ops + cancelFill.count) * cancel.latencyMs.mean) / 1000,
    };

    const sqlProfiles: SqlProfile[] = [
      { name: `\`onCart\` at ${int(afterSchedule)} pending`, unit: 'call', ops: scheduleAtScale.ops, wallMsPerOp: scheduleAtScale.latencyMs.mean, statements: await cartTrace.statements(db) },
      { name: `\`onOrder\` at ${int(settings.carts)} carts`, unit: 'call', ops: cancel.ops, wallMsPerOp: cancel.latencyMs.mean, statements: await orderTrace.statements(db) },
      { name: 'the runner while reminders fire', unit: 'fired reminder', ops: firing.queued, wallMsPerOp: NaN, statements: await traces.firing.statements(db) },
      ...(claimsTimed > 0
        ? [{ name: `\`queue.claim\` of one job with ${int(firing.backlogAtStop)} due`, unit: 'claim', ops: claimsTimed, wallMsPerOp: firing.claimAtStopMs.mean, statements: await traces.claim.statements(db) }]
        : []),
    ];
    const partial: Omit<CartBenchResult, 'findings'> = {
      date,
      machine: describeMachine(),
      code,
      settings,
      smoke,
      loadBefore,
      loadAfter: os.loadavg(),
      sqliteVersion,
      snapshotBytes: Buffer.byteLength(JSON.stringify(cartOf(carts[0]!, settings.afterMs))),
      schedule,
      scheduleFill,
      scheduleAtScale,
      cancel,
      cancelFill,
      projection,
      storage: {
        fileBytesBefore,
        fileBytesAfter,
        pending: afterSchedule,
        tables: tables.filter((t) => t.table === 'jobs' || t.table === 'carts'),
        jobsBytes: sum('jobs'),
        cartsBytes: sum('carts'),
      },
      leadUsedS,
      firing,
      checks,
      baselines,
      whatIfs,
      sql: sqlProfiles,
    };
    result = { ...partial, findings: findingsOf(partial) };
  } finally {
    await orderline.close();
    if (!settings.keepData) fs.rmSync(dir, { recursive: true, force: true });
  }

  const section = renderSection(result);
  console.log(`\n${section}`);
  if (settings.writeResults) {
    writeSection(RESULTS, section);
    log(`wrote ${path.relative(REPO, RESULTS)} (${result.smoke ? 'smoke run' : 'full run'})`);
  }
  const all = targets(result);
  console.log(all.map((t) => `${verdict(t.pass)}  ${t.name}: ${t.detail}`).join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
