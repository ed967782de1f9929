/**
 * Exactly once across a crash, end to end: the built service (`node dist/src/main.js serve`)
 * on a temp SQLite file sends to the standalone sandbox process standing in for Meta's Cloud
 * API, behind a slow network, and is SIGKILLed mid-send. After a restart on the same database
 * every order's customer has exactly one confirmation. Nothing sleeps for a fixed time:
 * every wait polls with a deadline. Needs `npm run build`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eachConcurrently, MetaLatency, snapshot } from '../support/crash-tools.js';
import { tempDir } from '../support/databases.js';
import {
  call,
  eventually,
  Orderline,
  parsed,
  sentBody,
  transcript,
  type ChatEntry,
  type ChatInfo,
  type MessageView,
  type SandboxCounters,
} from '../support/e2e-client.js';
import { admin, codOrder, serviceEnv } from '../support/e2e-fixtures.js';
import { freePort, startSandboxProcess, startService, stopAllChildren, type SandboxProcess, type ServiceProcess } from '../support/process.js';

const CRASH_ORDERS = 300;
const CRASH_PHONE_ID = '100000000000001';
const CRASH_ACCESS_TOKEN = 'e2e-crash-access-token';
const CRASH_APP_SECRET = 'e2e-crash-app-secret';
const CRASH_SANDBOX_TENANT = 'crash-store';
/** How long Meta takes to answer a send (see MetaLatency). */
const META_LATENCY_MS = 250;

// The suite stops its own processes; this is the safety net for anything left behind.
afterAll(stopAllChildren);

// A file of its own so that it runs alongside the other suites: most of its time is the
// restarted service waiting out the killed one's job leases (30 s), or a minute when a send
// cut off by the kill never reached Meta (the service's wait for a send in doubt).
describe('exactly once across a crash (the standalone sandbox as Meta)', () => {
  let dir = '';
  const processes: ServiceProcess[] = [];
  let latency: MetaLatency | undefined;

  afterAll(async () => {
    await Promise.allSettled(processes.map((p) => p.stop('SIGKILL')));
    await latency?.close();
    if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`every one of ${CRASH_ORDERS} customers gets exactly one confirmation though the service is SIGKILLed mid-send`, { timeout: 120_000 }, async () => {
    dir = tempDir('orderline-e2e-crash-');
    const dbFile = path.join(dir, 'orderline.db');
    const port = await freePort();
    const env = serviceEnv(dir, { PORT: String(port) });

    // Meta: its own process, so what it received survives the service's crash. Its webhooks
    // (signed with the tenant's app secret) go straight to the service.
    const meta: SandboxProcess = await startSandboxProcess({
      cwd: dir,
      webhookUrl: `http://127.0.0.1:${port}/webhooks/whatsapp`,
      appSecret: CRASH_APP_SECRET,
      accessToken: CRASH_ACCESS_TOKEN,
      phoneNumberId: CRASH_PHONE_ID,
      tenantId: CRASH_SANDBOX_TENANT,
      delays: [20, 20, 20],
    });
    processes.push(meta);
    latency = await MetaLatency.start(meta.graphUrl, META_LATENCY_MS);
    const graphUrl = `${latency.url}/sandbox/graph`;
    const metaStats = async () => parsed<SandboxCounters>(await call(`${meta.url}/sandbox/graph/_stats`));
    const metaChats = async () => {
      const all: ChatInfo[] = [];
      for (let cursor: string | null = null; ; ) {
        const page: { items: ChatInfo[]; nextCursor: string | null } = parsed(
          await call(`${meta.url}/sandbox/tenants/${CRASH_SANDBOX_TENANT}/chats?limit=200${cursor === null ? '' : `&cursor=${cursor}`}`),
        );
        all.push(...page.items);
        if (page.nextCursor === null) return all;
        cursor = page.nextCursor;
      }
    };

    const first = await startService({ cwd: dir, env: { ...env, WHATSAPP_GRAPH_URL: graphUrl } });
    processes.push(first);
    const api = new Orderline(first.url);
    const tenant = await api.createTenant({
      name: 'Crash Store',
      // 50/s: the 300 sends take about 6 s, so the kill lands with most still to go.
      whatsapp: { phoneNumberId: CRASH_PHONE_ID, accessToken: CRASH_ACCESS_TOKEN, appSecret: CRASH_APP_SECRET, messagesPerSecond: 50 },
    });

    const customers = Array.from({ length: CRASH_ORDERS }, (_, i) => ({ orderId: `crash-${i + 1}`, phone: `9197${String(i + 1).padStart(8, '0')}` }));
    await eachConcurrently(customers, 25, (c) => api.post(tenant, '/orders-create', codOrder(c.orderId, `+${c.phone}`)));

    // Kill once Meta has taken some sends while the service still has work queued.
    await eventually('Meta to accept the first sends', metaStats, (s) => s.accepted >= 40, 15_000);
    const queued = parsed<{ items: MessageView[] }>(
      await call(`${api.url}/admin/tenants/${tenant.id}/messages?state=queued&limit=1`, { headers: admin }),
    ).items;
    const depth = await api.queueDepth();
    first.signal('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(depth).toBeGreaterThan(0);
    expect(queued.length).toBeGreaterThan(0);

    const atKill = snapshot(dbFile, tenant.id);
    const withMeta = ['accepted', 'sent', 'delivered', 'read'].reduce((n, state) => n + (atKill.messages[state] ?? 0), 0);
    // Work was cut off: sends still to go, and sends in flight whose answer was lost (in doubt).
    expect(withMeta).toBeLessThan(CRASH_ORDERS);
    expect(atKill.messages.sending ?? 0).toBeGreaterThan(0);
    const acceptedAtKill = (await metaStats()).accepted;
    expect(acceptedAtKill).toBeLessThan(CRASH_ORDERS);

    // Restart on the same database and port (Meta's webhooks come back to it).
    const restartedAt = Date.now();
    const second = await startService({ cwd: dir, env: { ...env, WHATSAPP_GRAPH_URL: graphUrl } });
    processes.push(second);
    const again = new Orderline(second.url);
    await eventually(
      'every customer to have a message and the queue to drain',
      async () => ({ chats: (await metaChats()).length, depth: await again.queueDepth() }),
      (s) => s.chats >= CRASH_ORDERS && s.depth === 0,
      100_000,
    );
    const drainedAfterMs = Date.now() - restartedAt;

    // Meta's side: exactly one message per customer, none lost, none twice.
    const chats = await metaChats();
    expect(chats.map((c) => c.phone).sort()).toEqual(customers.map((c) => c.phone).sort());
    expect(chats.filter((c) => c.messages !== 1)).toEqual([]);
    const stats = await metaStats();
    expect(stats.accepted).toBe(CRASH_ORDERS);
    expect(stats.rejected).toBe(0);
    // Each is that order's confirmation (spot checks: first, middle, last).
    for (const c of [customers[0], customers[CRASH_ORDERS / 2], customers[CRASH_ORDERS - 1]]) {
      if (c === undefined) continue;
      const chat = parsed<{ items: ChatEntry[] }>(await call(`${meta.url}/sandbox/tenants/${CRASH_SANDBOX_TENANT}/chats/${c.phone}`)).items;
      expect(transcript(chat)).toEqual(['out template orderline_order_confirmed_cod']);
      expect(sentBody(chat[0]).to).toBe(c.phone);
      expect(chat[0]?.summary.template?.parameters[1]).toBe(`#${c.orderId}`);
    }

    // Orderline's side: one message per order, each with the wamid Meta gave it, statuses through to read
    // (the sends in doubt adopted their wamid from the status webhooks).
    const messages = await eventually(
      'every message read',
      () => again.messages(tenant.id),
      (items) => items.length >= CRASH_ORDERS && items.every((m) => m.state === 'read'),
      20_000,
    );
    expect(messages).toHaveLength(CRASH_ORDERS);
    expect(new Set(messages.map((m) => m.orderId)).size).toBe(CRASH_ORDERS);
    expect(new Set(messages.map((m) => m.wamid)).size).toBe(CRASH_ORDERS);
    console.info(
      `[crash e2e] at SIGKILL: messages ${JSON.stringify(atKill.messages)}, jobs ${JSON.stringify(atKill.jobs)}, Meta had accepted ${acceptedAtKill}; ` +
        `drained ${drainedAfterMs} ms after the restart; Meta ${JSON.stringify(stats)}`,
    );
  });
});
