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
import { sql } from 'kysely';
import { compose } from '../src/app/compose.js';
import { loadConfig } from '../src/config/config.js';
import { runBaselines, type Ddl } from './carts-baseline.js';
import { sample, timedCalls } from './carts-calls.js';
import { fillCancels, fillCarts } from './carts-fill.js';
import { findingsOf } from './carts-findings.js';
import { fire } from './carts-firing.js';
import { runWhatIfs } from './carts-probes.js';
import { newCapture } from './carts-sql.js';
import { btrees, checksAtEnd, fileBytes, pendingReminders } from './carts-state.js';
import { cartOf, NoopSender, orderFor, planCarts, type PlannedCart } from './carts-fixtures.js';
import { renderSection, targets, writeSection, type CartBenchResult, type SqlProfile } from './carts-report.js';
import { isDefaultCartSettings, loadCartSettings } from './carts-settings.js';
import { fixed, int, log, verdict } from './carts-stats.js';
import { describeMachine } from './settings.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const RESULTS = path.join(REPO, 'bench', 'RESULTS.md');

function codeVersion(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: REPO, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${sha} with uncommitted changes in src/` : sha;
  } catch {
    return 'unknown';
  }
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
