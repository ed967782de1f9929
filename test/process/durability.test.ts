/**
 * "A 200 means the event is durably stored (it survives a SIGKILL of the process)."
 *
 * Many distinct orders go to a real service process at high concurrency; the process is
 * killed (SIGKILL) or stopped (SIGTERM) while requests are in flight. Afterwards the SQLite
 * file must hold every acknowledged order exactly once, each accepted event with exactly
 * one processing job.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { businessOnBotOrder } from '../../src/domain/events/fixtures.js';
import { tempDir } from '../support/databases.js';
import { startService, stopAllChildren, type ServiceProcess } from '../support/process.js';

const ADMIN_TOKEN = 'durability-admin-token-0123456789';
const SUCCESS = '{"status":"success","statusCode":200}';
const PROCESS_EVENT_JOB = 'event.process';
const CONCURRENCY = 50;

interface Outcome {
  id: string;
  /** HTTP status, or null when the connection failed. */
  status: number | null;
  body: string;
  error: string | null;
  /** The request was started before the signal was sent. */
  sentBeforeSignal: boolean;
  /** The answer (or failure) came after the signal was sent. */
  settledAfterSignal: boolean;
}

const acknowledged = (o: Outcome) => o.status === 200 && o.body === SUCCESS;

/** One POST on a keep-alive agent; rejects on any connection failure, also mid-response. */
function post(agent: http.Agent, url: URL, pathname: string, headers: Record<string, string>, body: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: pathname,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        let text = '';
        let ended = false;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          ended = true;
          resolve({ status: response.statusCode ?? 0, body: text });
        });
        response.on('error', reject);
        response.on('close', () => {
          if (!ended) reject(new Error('connection closed mid-response'));
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * Sends one orders-create per id, `CONCURRENCY` at a time. `afterEach` sees every settled
 * outcome; once `stopped()` is true no new request starts.
 */
async function flood(options: {
  service: ServiceProcess;
  guestKey: string;
  ids: string[];
  signalled: () => boolean;
  stopped: () => boolean;
  afterEach: (outcomes: Outcome[]) => void;
}): Promise<Outcome[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const url = new URL(options.service.url);
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < options.ids.length && !options.stopped()) {
      const id = options.ids[next++] ?? '';
      const body = JSON.stringify(businessOnBotOrder({ id, name: `#${id}` }));
      const sentBeforeSignal = !options.signalled();
      let outcome: Outcome;
      try {
        const answer = await post(agent, url, '/orders-create', { 'x-guest-id': options.guestKey }, body);
        outcome = { id, status: answer.status, body: answer.body, error: null, sentBeforeSignal, settledAfterSignal: options.signalled() };
      } catch (error) {
        const message = error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
        outcome = { id, status: null, body: '', error: message, sentBeforeSignal, settledAfterSignal: options.signalled() };
      }
      outcomes.push(outcome);
      options.afterEach(outcomes);
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    agent.destroy();
  }
  return outcomes;
}

interface Stored {
  /** Order id → how many events hold it. */
  events: Map<string, number>;
  /** Events whose outcome is not 'accepted' (distinct new orders must all be accepted). */
  notAccepted: string[];
  /** Event id → how many event.process jobs point at it. */
  jobsPerEvent: Map<string, number>;
  eventIds: Set<string>;
  orphanJobs: number;
}

/** Reads what the database file holds, with no service running. */
function readStore(file: string, tenantId: string): Stored {
  const db = new BetterSqlite3(file, { fileMustExist: true });
  try {
    const rows = db
      .prepare('select id, resource_key, outcome from events where tenant_id = ? and kind = ?')
      .all(tenantId, 'order_created') as { id: string; resource_key: string; outcome: string }[];
    const events = new Map<string, number>();
    const eventIds = new Set<string>();
    const notAccepted: string[] = [];
    for (const row of rows) {
      events.set(row.resource_key, (events.get(row.resource_key) ?? 0) + 1);
      eventIds.add(row.id);
      if (row.outcome !== 'accepted') notAccepted.push(`${row.resource_key}: ${row.outcome}`);
    }
    const jobs = db.prepare('select payload from jobs where kind = ?').all(PROCESS_EVENT_JOB) as { payload: string }[];
    const jobsPerEvent = new Map<string, number>();
    let orphanJobs = 0;
    for (const job of jobs) {
      const { eventId } = JSON.parse(job.payload) as { eventId: string };
      if (!eventIds.has(eventId)) orphanJobs++;
      jobsPerEvent.set(eventId, (jobsPerEvent.get(eventId) ?? 0) + 1);
    }
    return { events, notAccepted, jobsPerEvent, eventIds, orphanJobs };
  } finally {
    db.close();
  }
}

/**
 * Every acknowledged order stored exactly once, each with one processing job: exactly one
 * when no worker ran, at most one when a worker may already have finished (and removed) it.
 */
function expectDurable(outcomes: Outcome[], stored: Stored, jobs: 'exactly one' | 'at most one'): void {
  const acked = outcomes.filter(acknowledged).map((o) => o.id);
  const missing = acked.filter((id) => !stored.events.has(id));
  expect(missing, 'acknowledged with 200 but not stored').toEqual([]);
  const twice = [...stored.events].filter(([, count]) => count !== 1).map(([id]) => id);
  expect(twice, 'stored more than once').toEqual([]);
  const sent = new Set(outcomes.map((o) => o.id));
  expect([...stored.events.keys()].filter((id) => !sent.has(id)), 'stored but never sent').toEqual([]);
  expect(stored.notAccepted).toEqual([]);
  const wrongJobs = [...stored.eventIds].filter((id) => {
    const count = stored.jobsPerEvent.get(id) ?? 0;
    return jobs === 'exactly one' ? count !== 1 : count > 1;
  });
  expect(wrongJobs, `accepted events without ${jobs} ${PROCESS_EVENT_JOB} job`).toEqual([]);
  expect(stored.orphanJobs, 'jobs for events that were not stored').toBe(0);
}

/** Only what a client may legitimately see: a 200, a 503 from a closing server, or a broken connection. */
function expectNoFaults(outcomes: Outcome[]): void {
  const faults = outcomes.filter((o) => o.status !== null && !acknowledged(o) && o.status !== 503);
  expect(faults.slice(0, 5), 'answers other than 200 / 503').toEqual([]);
}

async function createTenant(service: ServiceProcess): Promise<{ id: string; guestKey: string }> {
  const res = await fetch(`${service.url}/admin/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Durable Store' }),
  });
  expect(res.status).toBe(201);
  const json = (await res.json()) as { tenant: { id: string }; guestKey: string };
  return { id: json.tenant.id, guestKey: json.guestKey };
}

/** All order ids the admin API lists for the tenant, paging through `nextCursor`. */
async function listedOrderIds(service: ServiceProcess, tenantId: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const res = await fetch(`${service.url}/admin/tenants/${tenantId}/events?limit=200${query}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { items: { resourceKey: string }[]; nextCursor: string | null };
    ids.push(...page.items.map((e) => e.resourceKey));
    cursor = page.nextCursor;
  } while (cursor !== null);
  return ids;
}

describe('durability of acknowledged orders (SQLite)', () => {
  let dir = '';
  let env: Record<string, string> = {};
  let file = '';

  beforeEach(() => {
    dir = tempDir('orderline-durability-');
    file = path.join(dir, 'orderline.db');
    env = { DATABASE_URL: `file:${file}`, ADMIN_TOKEN, LOG_LEVEL: 'warn' };
  });
  afterEach(async () => {
    await stopAllChildren();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterAll(stopAllChildren);

  it('every order acknowledged before a SIGKILL is stored exactly once after a restart', async () => {
    // The API role alone: no worker consumes the event.process jobs this test counts.
    const service = await startService({ cwd: dir, env, args: ['--role', 'api'] });
    const tenant = await createTenant(service);
    const ids = Array.from({ length: 2000 }, (_, i) => `crash-${String(i).padStart(5, '0')}`);

    let killed = false;
    const outcomes = await flood({
      service,
      guestKey: tenant.guestKey,
      ids,
      signalled: () => killed,
      stopped: () => killed,
      afterEach: (all) => {
        if (!killed && all.filter(acknowledged).length >= 500) {
          killed = true;
          service.signal('SIGKILL');
        }
      },
    });
    expect(await service.exited).toEqual({ code: null, signal: 'SIGKILL' });

    const acked = outcomes.filter(acknowledged);
    expect(killed).toBe(true);
    expect(acked.length).toBeGreaterThanOrEqual(500);
    // The kill really hit requests in flight.
    expect(outcomes.filter((o) => o.status === null).length).toBeGreaterThan(0);
    expectNoFaults(outcomes);

    const stored = readStore(file, tenant.id);
    expectDurable(outcomes, stored, 'exactly one');

    // The service starts again on the recovered file and shows the same events.
    const restarted = await startService({ cwd: dir, env });
    expect((await fetch(`${restarted.url}/readyz`)).status).toBe(200);
    const listed = await listedOrderIds(restarted, tenant.id);
    expect(listed.length).toBe(stored.events.size);
    expect(new Set(listed)).toEqual(new Set(stored.events.keys()));

    // An acknowledged order sent again is a duplicate (200, still stored once); new ones still go in.
    const again = await fetch(`${restarted.url}/orders-create`, {
      method: 'POST',
      headers: { 'x-guest-id': tenant.guestKey, 'content-type': 'application/json' },
      body: JSON.stringify(businessOnBotOrder({ id: acked[0]?.id ?? '', name: `#${acked[0]?.id ?? ''}` })),
    });
    expect(await again.text()).toBe(SUCCESS);
    expect((await listedOrderIds(restarted, tenant.id)).length).toBe(stored.events.size);
    expect(await restarted.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('SIGTERM drains in-flight requests: no 200 is lost, and the process exits 0', async () => {
    const service = await startService({ cwd: dir, env });
    const tenant = await createTenant(service);
    const ids = Array.from({ length: 1000 }, (_, i) => `term-${String(i).padStart(5, '0')}`);

    let signalled = false;
    let inFlightAtSignal = 0;
    const outcomes = await flood({
      service,
      guestKey: tenant.guestKey,
      ids,
      signalled: () => signalled,
      stopped: () => signalled,
      afterEach: (all) => {
        if (!signalled && all.filter(acknowledged).length >= 200) {
          signalled = true;
          // Each worker has one request out; this one's has just settled.
          inFlightAtSignal = CONCURRENCY - 1;
          service.signal('SIGTERM');
        }
      },
    });
    expect(await service.exited).toEqual({ code: 0, signal: null });

    expect(signalled).toBe(true);
    expect(outcomes.every((o) => o.sentBeforeSignal)).toBe(true);
    expectNoFaults(outcomes);
    // Draining means requests already in flight are answered, not dropped.
    const answeredAfterSignal = outcomes.filter((o) => o.settledAfterSignal && acknowledged(o)).length;
    expect(inFlightAtSignal).toBeGreaterThan(0);
    expect(answeredAfterSignal).toBeGreaterThan(0);

    // The full service (API and worker), as `npm start` runs it.
    expectDurable(outcomes, readStore(file, tenant.id), 'at most one');
  });
});
