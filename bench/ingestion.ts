/**
 * The ingestion benchmark: guest API ingestion of the real service (child process, embedded
 * SQLite) against a bare Fastify baseline and a storage floor (bench/floor-server.ts), each a
 * child process, load from this process with
 * autocannon, servers alternated over several rounds, then a durability check on the SQLite
 * file. Writes `## Ingestion` (or the API-role section) of bench/RESULTS.md.
 * Env: BENCH_DURATION (s, 10), BENCH_ROUNDS (3), BENCH_WARMUP (s), BENCH_CONNECTIONS (50),
 * BENCH_CPU_PROF (directory: profile the service with --cpu-prof; it is then stopped with
 * SIGTERM instead of SIGKILL so the profile gets written), BENCH_ROLE (all | api: the
 * service's `serve --role`, default all as `npm start`), BENCH_KEEP_DATA=1 (keep the temp dir), BENCH_WRITE_RESULTS=0 (print only; RESULTS.md unchanged).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { installCleanup, killAllServers, startServer, stopServer, type ServerChild } from './children.js';
import { checkDurability } from './durability.js';
import { serviceNodeFlags } from './service-flags.js';
import { AnswerLedger } from './ledger.js';
import { probe, runLoad, type Target } from './load.js';
import { OrderBodies } from './order-body.js';
import { flagged, runLine, section, sectionTitle, summarise, writeResults, type Round } from './report.js';
import { describeMachine, isDefault, loadSettings } from './settings.js';
import { speedCheck } from './speed-check.js';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));
const SERVICE = here('../src/main.js');
const BASELINE = here('./baseline-server.js');
const FLOOR = here('./floor-server.js');
const RESULTS = here('../../bench/RESULTS.md');
const PAUSE_MS = 1000;

export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'TZ']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

async function createTenant(url: string, adminToken: string): Promise<{ tenantId: string; guestKey: string }> {
  const response = await fetch(`${url}/admin/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Bench Store' }),
  });
  const body: unknown = await response.json();
  if (response.status !== 201 || typeof body !== 'object' || body === null) {
    throw new Error(`creating the tenant answered ${response.status}: ${JSON.stringify(body)}`);
  }
  const { tenant, guestKey } = body as { tenant?: { id?: unknown }; guestKey?: unknown };
  if (typeof tenant?.id !== 'string' || typeof guestKey !== 'string') throw new Error(`unexpected tenant answer: ${JSON.stringify(body)}`);
  return { tenantId: tenant.id, guestKey };
}

/**
 * Runs the baseline with the service stopped (SIGSTOP, then SIGCONT): under `--role all` the
 * service goes on planning, at its tenant's pace, the events it parked during a round, and
 * that CPU (38-41% of a core in a run on a 2-core machine) was taken from the baseline,
 * flattering the ratio.
 */
async function withServicePaused<T>(service: ServerChild, run: () => Promise<T>): Promise<T> {
  const pid = service.process.pid;
  if (pid === undefined) return run();
  process.kill(pid, 'SIGSTOP');
  try {
    return await run();
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}

/** Runs the ingestion benchmark and writes its section; resolves to false when a check failed. */
export async function runIngestionBench(): Promise<boolean> {
  const settings = loadSettings();
  const machine = describeMachine();
  const loadBefore = os.loadavg();
  const speedBefore = speedCheck();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderline-bench-'));
  const dbFile = path.join(dir, 'orderline.db');
  const removeData = () => {
    if (!settings.keepData) fs.rmSync(dir, { recursive: true, force: true });
  };
  const uninstall = installCleanup(removeData);
  const servers: ServerChild[] = [];
  try {
    console.log(`bench: ${machine}`);
    console.log(`bench: ${settings.connections} connections, ${settings.durationSec} s x ${settings.rounds} rounds, data in ${dir}`);
    const adminToken = randomBytes(24).toString('hex');
    const profDir = settings.cpuProfDir === null ? null : path.resolve(settings.cpuProfDir);
    const service = await startServer('orderline', SERVICE, ['serve', '--role', settings.role], {
      cwd: dir,
      env: {
        ...baseEnv(),
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: `file:${dbFile}`,
        ADMIN_TOKEN: adminToken,
        ORDERLINE_SECRET: randomBytes(32).toString('hex'),
        LOG_LEVEL: 'warn',
      },
      nodeFlags: [...serviceNodeFlags(), ...(profDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${profDir}`])],
    });
    servers.push(service);
    const baseline = await startServer('baseline', BASELINE, [], { cwd: dir, env: { ...baseEnv(), PORT: '0' } });
    servers.push(baseline);
    const floorServer = await startServer('floor', FLOOR, [], {
      cwd: dir,
      env: { ...baseEnv(), PORT: '0', FLOOR_DB: path.join(dir, 'floor.db') },
      nodeFlags: serviceNodeFlags(),
    });
    servers.push(floorServer);
    console.log(`bench: orderline on ${service.url}, storage floor on ${floorServer.url}, baseline on ${baseline.url}`);

    const { tenantId, guestKey } = await createTenant(service.url, adminToken);
    const orderline: Target = { name: 'orderline', url: service.url, headers: { 'x-guest-id': guestKey }, bodies: new OrderBodies(), ledger: new AnswerLedger(), pid: service.process.pid };
    const bare: Target = { name: 'baseline', url: baseline.url, headers: {}, bodies: new OrderBodies(), ledger: new AnswerLedger(), pid: baseline.process.pid };
    const floor: Target = { name: 'floor', url: floorServer.url, headers: {}, bodies: new OrderBodies(), ledger: new AnswerLedger(), pid: floorServer.process.pid };
    await probe(orderline);
    await probe(floor);
    await probe(bare);

    for (const target of [orderline, floor, bare]) {
      const warm = target === orderline ? await runLoad(target, settings.connections, settings.warmupSec) : await withServicePaused(service, () => runLoad(target, settings.connections, settings.warmupSec));
      for (const server of servers) server.assertRunning();
      console.log(runLine(`warm-up  ${target.name.padEnd(9)}`, warm));
      await sleep(PAUSE_MS);
    }

    const rounds: Round[] = [];
    for (let i = 1; i <= settings.rounds; i++) {
      const o = await runLoad(orderline, settings.connections, settings.durationSec);
      service.assertRunning();
      console.log(runLine(`round ${i}  orderline`, o));
      await sleep(PAUSE_MS);
      const f = await withServicePaused(service, () => runLoad(floor, settings.connections, settings.durationSec));
      floorServer.assertRunning();
      console.log(runLine(`round ${i}  floor    `, f));
      await sleep(PAUSE_MS);
      const b = await withServicePaused(service, () => runLoad(bare, settings.connections, settings.durationSec));
      baseline.assertRunning();
      console.log(runLine(`round ${i}  baseline `, b));
      await sleep(PAUSE_MS);
      rounds.push({ orderline: o, floor: f, baseline: b });
    }
    const loadAfter = os.loadavg();
    const speedAfter = speedCheck();

    await stopServer(baseline, 'SIGTERM');
    await stopServer(floorServer, 'SIGTERM');
    // SIGKILL: a 2xx must survive an abrupt stop (BRIEF.md). A profile needs a clean exit.
    if (profDir === null) await stopServer(service, 'SIGKILL');
    else await stopServer(service, 'SIGTERM', 120_000); // jobs in flight finish first
    const durability = checkDurability(dbFile, tenantId, orderline.ledger, orderline.bodies);

    const summary = summarise(rounds, durability);
    const smoke = !isDefault(settings);
    if (settings.writeResults) {
      writeResults(RESULTS, sectionTitle(settings.role), section({ date: new Date(), machine, settings, smoke, loadBefore, loadAfter, speedBefore, speedAfter }, rounds, summary));
    }
    const wrote = settings.writeResults ? `wrote ${RESULTS}` : 'BENCH_WRITE_RESULTS=0: RESULTS.md left as it was';
    console.log(`\n${summary}\n\nbench: ${wrote}${profDir === null ? '' : `; CPU profile in ${profDir}`}`);
    return durability.ok && !rounds.some((r) => flagged(r.orderline) || flagged(r.floor) || flagged(r.baseline));
  } catch (error) {
    for (const server of servers) console.error(`--- last output of ${server.name} ---\n${server.output()}`);
    throw error;
  } finally {
    for (const server of servers) await stopServer(server, 'SIGKILL', 2000).catch(() => undefined);
    killAllServers();
    removeData();
    uninstall();
  }
}

