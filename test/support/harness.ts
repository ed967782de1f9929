/**
 * An Orderline composed for a test: a real database (SQLite or PostgreSQL), a manual clock,
 * a silent logger, and the HTTP app for `inject()`.
 */
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { compose, type Orderline } from '../../src/app/compose.js';
import { httpAppFor } from '../../src/app/http-app.js';
import { loadConfig } from '../../src/config/config.js';
import { ManualClock } from '../../src/domain/ports/clock.js';
import type { BrandApi } from '../../src/domain/ports/brand-api.js';
import type { MessageSender } from '../../src/domain/ports/message-sender.js';
import type { TargetFactory } from './databases.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const SECRET = 'test-secret-0123456789abcdef0123456789';

export interface Harness {
  orderline: Orderline;
  app: FastifyInstance;
  clock: ManualClock;
  admin: Record<string, string>;
  close(): Promise<void>;
  /**
   * As after a process restart: closes the HTTP app and Orderline, then composes new ones on
   * the same database, clock and options. `orderline` and `app` are replaced in place.
   */
  restart(): Promise<void>;
  /**
   * Another process on the same database and clock (PostgreSQL: as a second API process):
   * its own Orderline and HTTP app, closed by `stop` (the harness's `close` does not).
   */
  another(): Promise<{ orderline: Orderline; app: FastifyInstance; stop(): Promise<void> }>;
}

export interface HarnessOptions {
  sender?: MessageSender;
  brandApi?: (tenantId: string) => BrandApi | null;
  inDoubtWaitMs?: number;
  /** The service's logger; silent by default. */
  logger?: pino.Logger;
}

export async function startHarness(factory: TargetFactory, env: Record<string, string> = {}, options: HarnessOptions = {}): Promise<Harness> {
  const db = await factory.create();
  const url = db.target.kind === 'sqlite' ? `file:${db.target.file}` : db.target.url;
  const config = loadConfig({ DATABASE_URL: url, ADMIN_TOKEN, ORDERLINE_SECRET: SECRET, LOG_LEVEL: 'silent', ...env }, db.dataDir);
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');
  const start = async () => {
    const orderline = await compose(config, {
      clock,
      logger: options.logger ?? pino({ level: 'silent' }),
      defaultMetrics: false,
      ...(options.sender !== undefined ? { sender: options.sender } : {}),
      ...(options.inDoubtWaitMs !== undefined ? { inDoubtWaitMs: options.inDoubtWaitMs } : {}),
    ...(options.brandApi !== undefined ? { brandApi: options.brandApi } : {}),
      // Pacing waits move the manual clock instead of sleeping.
      sleep: async (ms) => clock.advance(ms),
      runner: { random: () => 0.5 },
    });
    const app = await httpAppFor(orderline, ADMIN_TOKEN);
    await app.ready();
    return { orderline, app };
  };
  const stop = async (running: { orderline: Orderline; app: FastifyInstance }) => {
    await running.app.close();
    await running.orderline.close();
  };
  const harness: Harness = {
    ...(await start()),
    clock,
    admin: { authorization: `Bearer ${ADMIN_TOKEN}` },
    close: async () => {
      await stop(harness);
      await db.cleanup();
    },
    restart: async () => {
      await stop(harness);
      Object.assign(harness, await start());
    },
    another: async () => {
      const running = await start();
      return { ...running, stop: () => stop(running) };
    },
  };
  return harness;
}

/** Creates a tenant through the admin API and returns its id and guest key. */
export async function createTenant(
  h: Harness,
  body: Record<string, unknown> = { name: 'Test Store' },
): Promise<{ id: string; guestKey: string }> {
  const res = await h.app.inject({ method: 'POST', url: '/admin/tenants', headers: h.admin, payload: body });
  if (res.statusCode !== 201) throw new Error(`tenant create failed: ${res.statusCode} ${res.body}`);
  const json = res.json<{ tenant: { id: string }; guestKey: string }>();
  return { id: json.tenant.id, guestKey: json.guestKey };
}

/**
 * Runs due jobs until none are left, moving the manual clock to the next due job when only
 * future ones remain (up to `horizonMs` ahead). Returns how many jobs ran.
 */
export async function drain(h: Harness, horizonMs = 0): Promise<number> {
  let ran = 0;
  const until = h.clock.now().getTime() + horizonMs;
  for (let round = 0; round < 500; round++) {
    const n = await h.orderline.runner.runOnce();
    ran += n;
    if (n > 0) continue;
    const next = await h.orderline.connection.db
      .selectFrom('jobs')
      .select('run_at')
      .where('state', '=', 'pending')
      .orderBy('run_at')
      .limit(1)
      .executeTakeFirst();
    if (next === undefined || next.run_at > until) return ran;
    h.clock.set(new Date(Math.max(next.run_at, h.clock.now().getTime())));
  }
  throw new Error('drain: jobs keep coming after 500 rounds');
}

/** POSTs a guest event; throws unless it was accepted. */
export async function postEvent(h: Harness, guestKey: string, path: string, body: unknown): Promise<void> {
  const res = await h.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/json', 'x-guest-id': guestKey },
    payload: JSON.stringify(body),
  });
  if (res.statusCode !== 200) throw new Error(`${path} answered ${res.statusCode}: ${res.body}`);
}
