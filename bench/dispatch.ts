/**
 * The dispatch benchmark: order events in, WhatsApp template messages out, end to end.
 *
 * Two child processes on loopback: the service (`serve --role all`, embedded SQLite in a
 * fresh temp dir, WHATSAPP_GRAPH_URL = the sandbox) and the standalone sandbox standing in
 * for Meta (`--no-read --status-batch-ms 50`, its webhook = the service). One Meta tenant
 * with `messagesPerSecond` = the cap. Orders are POSTed open loop at a fixed rate below and
 * above the cap; the sandbox's chats tell when each message was accepted. The baseline is a
 * bare undici Pool posting the same message bodies to the same sandbox. Writes
 * `## Dispatch` of bench/RESULTS.md.
 *
 * Env (defaults in dispatch-settings.ts): BENCH_DISPATCH_CAP (1000), BENCH_DISPATCH_BELOW_RATE
 * (800) / _BELOW_SEC (12), BENCH_DISPATCH_OVER_RATE (1500) / _OVER_SEC (6), BENCH_DISPATCH_WARMUP
 * (2 s), BENCH_DISPATCH_ROUNDS (2), BENCH_DISPATCH_BASELINE_SEC (5), BENCH_DISPATCH_BASELINE_INFLIGHT
 * (50), BENCH_DISPATCH_CONNECTIONS (128), BENCH_DISPATCH_STATUS_BATCH_MS (50), BENCH_CPU_PROF
 * (directory: --cpu-prof for the service and the sandbox, stopped with SIGTERM), BENCH_KEEP_DATA=1,
 * BENCH_EXPERIMENT=claim-by-id,yield (what-ifs on the service's job claim and job runner, see
 * bench/sql-profile.ts; they are written to a section of their own, never to `## Dispatch`), BENCH_WRITE_RESULTS=0 (print only; RESULTS.md unchanged).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { costliestStatements, findings, planLines } from './dispatch-findings.js';
import { installCleanup, killAllServers, startServer, stopServer, type ServerChild } from './children.js';
import { measureCpuOf, type CpuShares } from './cpu.js';
import { baselineSends, DispatchOrders, pacedOrders, type PacedLoadResult } from './dispatch-load.js';
import {
  analyseRun,
  baselineLine,
  dispatchSection,
  dispatchTitle,
  runLine,
  summarise,
  verdicts,
  type BaselineRun,
  type OrderlineRun,
  type RunKind,
} from './dispatch-report.js';
import {
  queryPlans,
  readSqlTotals,
  SandboxClient,
  serviceMessages,
  sqlUse,
  StatsPoller,
  waitForIdle,
  eventLoopLag,
  type AcceptedMessage,
  type LoopLag,
  type SandboxStats,
  type SqlUse,
} from './dispatch-sandbox.js';
import { isDefaultDispatch, loadDispatchSettings, type DispatchSettings, type LoadShape } from './dispatch-settings.js';
import { baseEnv } from './ingestion.js';
import { serviceNodeFlags } from './service-flags.js';
import { writeResults } from './report.js';
import { describeMachine } from './settings.js';
import { speedCheck } from './speed-check.js';
import { WebhookRelay } from './webhook-relay.js';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));
const SERVICE = here('../src/main.js');
const SANDBOX = here('../src/whatsapp/sandbox/standalone.js');
const SQL_PROFILE = new URL('./sql-profile.js', import.meta.url).href;
const RESULTS = here('../../bench/RESULTS.md');
const API_VERSION = 'v21.0';
const PHONE_NUMBER_ID = '106540352242922';
const SANDBOX_TENANT = 'bench';
const PAUSE_MS = 1000;
const WARM_UP_SEC = 3;
const WARM_UP_RATE = (s: DispatchSettings) => Math.min(300, s.below.rate);
/** Statuses follow a send by 100 + 200 ms (sent, delivered), batched 50 ms: wait this long for the last. */
const STATUS_SETTLE_MS = 1500;
// Fixed per benchmark process; random so nothing outside the run can guess them.
const ACCESS_TOKEN = randomBytes(24).toString('base64url');
const APP_SECRET = randomBytes(24).toString('hex');

/** The commit measured, and whether src/ had uncommitted changes (other work goes on in this tree). */
function revision(): string {
  try {
    const cwd = here('../..');
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd, encoding: 'utf8' }).trim() !== '';
    return `${head}${dirty ? ' with uncommitted changes in src/' : ''}`;
  } catch {
    return 'unknown';
  }
}

/** A port that was free a moment ago (the sandbox must know the service's URL and vice versa). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function createTenant(url: string, adminToken: string, whatsapp: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${url}/admin/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Bench Store', whatsapp }),
  });
  const body: unknown = await response.json();
  const guestKey = typeof body === 'object' && body !== null ? (body as { guestKey?: unknown }).guestKey : undefined;
  if (response.status !== 201 || typeof guestKey !== 'string') throw new Error(`creating the tenant answered ${response.status}: ${JSON.stringify(body)}`);
  return guestKey;
}

const delta = (a: SandboxStats, b: SandboxStats): SandboxStats => ({
  accepted: b.accepted - a.accepted,
  rejected: b.rejected - a.rejected,
  webhookPosts: b.webhookPosts - a.webhookPosts,
  webhookFailures: b.webhookFailures - a.webhookFailures,
  statuses: b.statuses - a.statuses,
});

interface Env {
  settings: DispatchSettings;
  service: ServerChild;
  sandboxChild: ServerChild;
  sandbox: SandboxClient;
  dbFile: string;
  sqlFile: string;
  relay: WebhookRelay;
  guestKey: string;
  orders: DispatchOrders;
  pids: Record<string, number | undefined>;
}

interface CollectedRun {
  load: PacedLoadResult;
  accepted: Map<string, AcceptedMessage[]>;
  cpu: CpuShares;
  stats: SandboxStats;
  sql: SqlUse | null;
  /** The service's event-loop delay over the load and the drain. */
  lag: LoopLag;
  /** Whether every 2xx order's message arrived before the wait gave up. */
  complete: boolean;
}

/** One orderline run: starts idle, loads, waits for the messages, reads the chats. */
async function orderlineRun(env: Env, shape: LoadShape, label: string): Promise<CollectedRun> {
  const depth = await waitForIdle(env.service.url);
  if (depth !== 0) console.log(`bench: ${label}: the service still had ${depth} jobs queued after waiting; starting anyway`);
  const before = await env.sandbox.stats();
  const sqlBefore = readSqlTotals(env.sqlFile);
  await eventLoopLag(env.service.url); // resets the service's histogram
  const poller = new StatsPoller(env.sandbox);
  const cpu = measureCpuOf(env.pids);
  let load: PacedLoadResult;
  let complete: boolean;
  try {
    load = await pacedOrders({
      url: env.service.url,
      guestKey: env.guestKey,
      orders: env.orders,
      rate: shape.rate,
      durationSec: shape.durationSec,
      connections: env.settings.orderConnections,
    });
    env.service.assertRunning();
    complete = await poller.waitForAccepted(before.accepted + load.ok);
  } finally {
    await poller.stop();
  }
  const shares = cpu();
  const lag = await eventLoopLag(env.service.url);
  env.service.assertRunning();
  env.sandboxChild.assertRunning();
  // Let stragglers (a duplicate send would come now) and the last statuses settle.
  await waitForIdle(env.service.url, 30_000);
  await sleep(600); // the SQL totals are written every 500 ms
  const after = await env.sandbox.stats();
  const sql = sqlUse(sqlBefore, readSqlTotals(env.sqlFile));
  const accepted = await env.sandbox.acceptedFor(load.orders.map((o) => o.digits));
  if (!complete) console.log(`bench: ${label}: not every order's message arrived (sandbox accepted ${after.accepted - before.accepted} of ${load.ok})`);
  return { load, accepted, cpu: shares, stats: delta(before, after), sql, lag, complete };
}

function analyse(env: Env, run: CollectedRun, round: number, kind: RunKind): OrderlineRun {
  const service = serviceMessages(
    env.dbFile,
    run.load.orders.map((o) => o.digits),
  );
  return analyseRun({
    round,
    kind,
    load: run.load,
    accepted: run.accepted,
    service,
    warmupSec: kind === 'warm-up' ? 1 : env.settings.warmupSec,
    cpu: run.cpu,
    sandboxDelta: run.stats,
    sql: run.sql,
    lag: run.lag,
  });
}

function bodiesOf(run: CollectedRun): string[] {
  const bodies: string[] = [];
  for (const messages of run.accepted.values()) for (const m of messages) bodies.push(m.body);
  return bodies;
}

/**
 * The baseline: the same bodies straight to the sandbox. Meanwhile the relay answers the
 * sandbox's webhooks itself, so the service neither works on nor stores statuses of messages
 * it never sent; it goes back to forwarding once the last of them has been posted.
 */
async function baselineRun(env: Env, bodies: string[], durationSec: number, round: number): Promise<BaselineRun> {
  await waitForIdle(env.service.url);
  await sleep(STATUS_SETTLE_MS); // the last run's statuses still go to the service
  env.relay.mode = 'swallow';
  try {
    const cpu = measureCpuOf(env.pids);
    const result = await baselineSends({
      url: env.sandbox.url,
      path: `/sandbox/graph/${API_VERSION}/${PHONE_NUMBER_ID}/messages`,
      accessToken: ACCESS_TOKEN,
      bodies,
      inFlight: env.settings.baselineInFlight,
      durationSec,
    });
    const shares = cpu();
    env.sandboxChild.assertRunning();
    if (result.firstRefusal !== null) console.log(`bench: baseline: first refusal: ${result.firstRefusal}`);
    return { round, result, cpu: shares };
  } finally {
    await sleep(STATUS_SETTLE_MS); // statuses of the baseline's last messages
    env.relay.mode = 'forward';
  }
}

/** Runs the dispatch benchmark and writes its section; resolves to false when a check failed. */
export async function runDispatchBench(): Promise<boolean> {
  const settings = loadDispatchSettings();
  const machine = describeMachine();
  const loadBefore = os.loadavg();
  const speedBefore = speedCheck();
  const measured = revision();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderline-dispatch-'));
  const dbFile = path.join(dir, 'orderline.db');
  const sqlFile = path.join(dir, 'sql-profile.json');
  const removeData = () => {
    if (!settings.keepData) fs.rmSync(dir, { recursive: true, force: true });
  };
  const uninstall = installCleanup(removeData);
  const children: ServerChild[] = [];
  let sandbox: SandboxClient | undefined;
  let relay: WebhookRelay | undefined;
  const profDir = settings.cpuProfDir === null ? null : path.resolve(settings.cpuProfDir);
  const nodeFlags = profDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${profDir}`];
  try {
    console.log(`bench: ${machine}`);
    console.log(
      `bench: dispatch, cap ${settings.cap}/s, below ${settings.below.rate}/s x ${settings.below.durationSec} s, over ${settings.over.rate}/s x ${settings.over.durationSec} s, ` +
        `${settings.rounds} rounds, baseline ${settings.baselineInFlight} in flight x ${settings.baselineSec} s, data in ${dir}`,
    );
    const adminToken = randomBytes(24).toString('hex');
    const sandboxPort = await freePort();
    const graphUrl = `http://127.0.0.1:${sandboxPort}/sandbox/graph`;
    const service = await startServer('orderline', SERVICE, ['serve', '--role', 'all'], {
      cwd: dir,
      env: {
        ...baseEnv(),
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: `file:${dbFile}`,
        ADMIN_TOKEN: adminToken,
        ORDERLINE_SECRET: randomBytes(32).toString('hex'),
        WHATSAPP_GRAPH_URL: graphUrl,
        WHATSAPP_API_VERSION: API_VERSION,
        LOG_LEVEL: 'warn',
        BENCH_SQL_PROFILE: sqlFile,
        ...(settings.experiment === null ? {} : { BENCH_EXPERIMENT: settings.experiment }),
      },
      nodeFlags: [...serviceNodeFlags(), ...nodeFlags, '--import', SQL_PROFILE],
    });
    children.push(service);
    relay = await WebhookRelay.start(service.url);
    const sandboxChild = await startServer(
      'sandbox',
      SANDBOX,
      [
        ...['--port', String(sandboxPort), '--host', '127.0.0.1'],
        ...['--webhook-url', `${relay.url}/webhooks/whatsapp`, '--app-secret', APP_SECRET, '--access-token', ACCESS_TOKEN],
        ...['--phone-number-id', PHONE_NUMBER_ID, '--tenant-id', SANDBOX_TENANT],
        ...['--no-read', '--status-batch-ms', String(settings.statusBatchMs), '--log-level', 'warn'],
      ],
      { cwd: dir, env: baseEnv(), nodeFlags },
    );
    children.push(sandboxChild);
    console.log(
      `bench: orderline on ${service.url} (pid ${service.process.pid}), sandbox on ${sandboxChild.url} (pid ${sandboxChild.process.pid}), webhooks relayed by ${relay.url}`,
    );
    sandbox = new SandboxClient(sandboxChild.url, SANDBOX_TENANT);
    const guestKey = await createTenant(service.url, adminToken, {
      phoneNumberId: PHONE_NUMBER_ID,
      accessToken: ACCESS_TOKEN,
      appSecret: APP_SECRET,
      messagesPerSecond: settings.cap,
    });
    const env: Env = {
      settings,
      service,
      sandboxChild,
      sandbox,
      dbFile,
      sqlFile,
      relay,
      guestKey,
      orders: new DispatchOrders(),
      pids: { service: service.process.pid, sandbox: sandboxChild.process.pid },
    };

    // Wiring check: one order must come out as one accepted message, and its statuses must be taken.
    const probe = await orderlineRun(env, { rate: 10, durationSec: 1 }, 'probe');
    if (probe.load.ok !== probe.load.orders.length || !probe.complete) {
      throw new Error(`probe: ${probe.load.ok} of ${probe.load.orders.length} orders answered 2xx, all messages accepted: ${probe.complete}`);
    }
    if (probe.stats.webhookFailures > 0) throw new Error('probe: the service refused the sandbox status webhooks (signature or routing)');

    const warm = await orderlineRun(env, { rate: WARM_UP_RATE(settings), durationSec: WARM_UP_SEC }, 'warm-up');
    const warmUp = analyse(env, warm, 0, 'warm-up');
    console.log(`warm-up  ${runLine(warmUp)}`);
    const warmBaseline = await baselineRun(env, bodiesOf(warm), 1, 0);
    console.log(`warm-up  ${baselineLine(warmBaseline)}`);
    await sleep(PAUSE_MS);

    const runs: OrderlineRun[] = [];
    const baselines: BaselineRun[] = [];
    for (let round = 1; round <= settings.rounds; round++) {
      const below = await orderlineRun(env, settings.below, `round ${round} below`);
      const belowRun = analyse(env, below, round, 'below');
      runs.push(belowRun);
      console.log(runLine(belowRun));
      await sleep(PAUSE_MS);
      const over = await orderlineRun(env, settings.over, `round ${round} over`);
      const overRun = analyse(env, over, round, 'over');
      runs.push(overRun);
      console.log(runLine(overRun));
      await sleep(PAUSE_MS);
      const base = await baselineRun(env, [...bodiesOf(below), ...bodiesOf(over)], settings.baselineSec, round);
      baselines.push(base);
      console.log(baselineLine(base));
      await sleep(PAUSE_MS);
    }
    const loadAfter = os.loadavg();
    const speedAfter = speedCheck();

    const plans = queryPlans(dbFile, costliestStatements(runs));
    await sandbox.close();
    sandbox = undefined;
    if (relay.failures > 0) console.log(`bench: the service refused ${relay.failures} webhook POSTs`);
    const signal = profDir === null ? 'SIGKILL' : 'SIGTERM';
    await stopServer(sandboxChild, signal, 30_000);
    await stopServer(service, signal, 60_000);

    const summary = summarise(runs, baselines, settings.cap);
    const notes = findings(runs, baselines, settings, plans);
    const context = { date: new Date(), machine, revision: measured, plans: planLines(plans), warmUp, settings, smoke: !isDefaultDispatch(settings), loadBefore, loadAfter, speedBefore, speedAfter, notes };
    if (settings.writeResults) writeResults(RESULTS, dispatchTitle(settings), dispatchSection(context, runs, baselines, summary));
    const wrote = settings.writeResults ? `wrote ${RESULTS}` : 'BENCH_WRITE_RESULTS=0: RESULTS.md left as it was';
    console.log(`\n${summary}${notes.length > 0 ? `\n\n${notes.join('\n')}` : ''}\n\nbench: ${wrote}${profDir === null ? '' : `; CPU profiles in ${profDir}`}`);
    const v = verdicts(runs, settings.cap);
    return v.exactlyOnce && v.clean && baselines.every((b) => b.result.errors === 0 && b.result.non2xx === 0);
  } catch (error) {
    for (const child of children) console.error(`--- last output of ${child.name} ---\n${child.output()}`);
    throw error;
  } finally {
    await sandbox?.close().catch(() => undefined);
    await relay?.close().catch(() => undefined);
    for (const child of children) await stopServer(child, 'SIGKILL', 2000).catch(() => undefined);
    killAllServers();
    removeData();
    uninstall();
  }
}
