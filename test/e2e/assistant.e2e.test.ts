/**
 * The order assistant end to end, as a brand and its customers run it: the reference brand
 * server as its own process (`node dist/src/brand/reference-server/main.js`, a fresh seeded
 * SQLite file, a key), the service (`node dist/src/main.js serve`, a fresh temp dir) with
 * tenants created through the admin API with no Meta credentials (the built-in sandbox), and
 * whole conversations played through `POST /sandbox/tenants/{id}/inbound`, asserting what the
 * customer received at `GET /sandbox/tenants/{id}/chats/{phone}`. Real HTTP on 127.0.0.1
 * everywhere; nothing sleeps for a fixed time: every wait polls against a deadline.
 * Needs `npm run build`.
 *
 * Each scenario opens a tenant of its own (Orderline paces messages per phone number id and
 * customer: five at once, then one per 6 s, so a tenant per scenario keeps every reply
 * immediate). They reach the brand through a transparent recording tap (`BrandFront`, in this
 * process), so the test sees exactly what went over the wire (the cancel body, the key, the
 * phone in the paths). A second tap, switched to slow / garbage / wrong-shape answers, plays a
 * misbehaving brand; the outage tenant talks to the brand process directly, which is stopped
 * and restarted on the same port and database. The scenarios run in order and share the
 * brand's database (1004 is cancelled by the cancel scenario).
 *
 * Seeded customers (src/brand/reference-server/seed-data.ts):
 *   Asha   919812345678  orders 1001 (delivered), 1002 (shipped), 1003 (open, COD), 1004 (open)
 *   Vikram 919876543210  order 2001 (open)
 *   Meera  917012345678  no orders
 */
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/domain/events/fields.js';
import { businessOnBotOrder } from '../../src/domain/events/fixtures.js';
import { startReferenceProcess, type ReferenceProcess } from '../brand/support/brand-servers.js';
import { tempDir } from '../support/databases.js';
import { jsonLogLines, startService, stopAllChildren, waitFor, type ServiceProcess } from '../support/process.js';

const ADMIN_TOKEN = 'e2e-assistant-admin-token-0123456789abcdef';
const ORDERLINE_SECRET = 'e2e-assistant-orderline-secret-0123456789abcdef';
const BRAND_KEY = 'e2e-brand-key-7d1f0c2a';
const STORE = 'Chai Point';
const SUCCESS = '{"status":"success","statusCode":200}';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

const ASHA = '919812345678';
const VIKRAM = '919876543210';
const MEERA = '917012345678';

const MENU = ['menu:track', 'menu:cancel', 'menu:details', 'menu:human'];
const TRY_LATER = 'Sorry, I cannot reach the store right now. Please try again in a few minutes.';

// ---------------------------------------------------------------------------------------
// What the APIs answer (only the fields read here).

interface ListRow {
  id: string;
  title: string;
  description?: string;
}

interface ChatEntry {
  direction: 'in' | 'out';
  wamid: string;
  type: string;
  summary: {
    text?: string;
    template?: { name: string; parameters: string[] };
    buttons?: { id: string; title: string }[];
    list?: ListRow[];
  };
  body: unknown;
}

interface Tenant {
  id: string;
  guestKey: string;
  phoneNumberId: string;
}

interface ConversationView {
  id: string;
  customer: string;
  mode: 'bot' | 'human';
}

interface AlertView {
  kind: string;
  detail: string;
}

interface BrandOrderRecord {
  order: { id: string; cancelledAt: string | null };
  status: string;
  cancelledAt: string | null;
  cancellationReason: string | null;
  cancelledBy: string | null;
}

interface OrderStory {
  order: { id: string; confirmation: { decision: string; customer: string } | null };
}

// ---------------------------------------------------------------------------------------
// HTTP

interface Reply {
  status: number;
  text: string;
}

async function call(url: string, init: { method?: string; headers?: Record<string, string>; json?: unknown; raw?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  let body = init.raw;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, ...(body === undefined ? {} : { body }) });
  return { status: res.status, text: await res.text() };
}

function parsed<T>(reply: Reply, status = 200): T {
  if (reply.status !== status) throw new Error(`expected HTTP ${status}, got ${reply.status}: ${reply.text.slice(0, 500)}`);
  return JSON.parse(reply.text) as T;
}

/** The service, through its admin, guest, sandbox and metrics routes. */
class Orderline {
  constructor(readonly url: string) {}

  async createTenant(body: JsonObject): Promise<Tenant> {
    const json = parsed<{ tenant: { id: string; whatsapp: { phoneNumberId: string } }; guestKey: string }>(
      await call(`${this.url}/admin/tenants`, { headers: admin, json: body }),
      201,
    );
    return { id: json.tenant.id, guestKey: json.guestKey, phoneNumberId: json.tenant.whatsapp.phoneNumberId };
  }

  async postOrder(tenant: Tenant, body: JsonObject): Promise<void> {
    const reply = await call(`${this.url}/orders-create`, { headers: { 'x-guest-id': tenant.guestKey }, json: body });
    expect(reply.text).toBe(SUCCESS);
  }

  async chat(tenantId: string, phone: string): Promise<ChatEntry[]> {
    return parsed<{ items: ChatEntry[] }>(await call(`${this.url}/sandbox/tenants/${tenantId}/chats/${phone}`, { headers: admin })).items;
  }

  async inbound(tenantId: string, body: JsonObject): Promise<void> {
    const answer = parsed<{ wamid: string; webhookStatus: number | null }>(
      await call(`${this.url}/sandbox/tenants/${tenantId}/inbound`, { headers: admin, json: body }),
    );
    expect(answer.webhookStatus, JSON.stringify(answer)).toBe(200);
  }

  async alerts(tenantId: string): Promise<AlertView[]> {
    return parsed<{ items: AlertView[] }>(await call(`${this.url}/admin/tenants/${tenantId}/alerts`, { headers: admin })).items;
  }

  async conversations(tenantId: string): Promise<ConversationView[]> {
    return parsed<{ items: ConversationView[] }>(await call(`${this.url}/admin/tenants/${tenantId}/conversations?limit=200`, { headers: admin })).items;
  }

  async conversationAction(tenantId: string, conversationId: string, action: 'take' | 'release'): Promise<ConversationView> {
    return parsed<{ conversation: ConversationView }>(
      await call(`${this.url}/admin/tenants/${tenantId}/conversations/${conversationId}/${action}`, { method: 'POST', headers: admin }),
    ).conversation;
  }

  async order(tenantId: string, orderId: string): Promise<OrderStory> {
    return parsed<OrderStory>(await call(`${this.url}/admin/tenants/${tenantId}/orders/${orderId}`, { headers: admin }));
  }

  /**
   * Waits until no job is pending or running. The inbound webhook's job is committed before
   * the sandbox's inbound call returns, and it commits the reply's send job before it is
   * removed, so a depth of 0 afterwards means every reply it caused is in the sandbox chat.
   */
  async drained(timeoutMs = 15_000): Promise<void> {
    await waitFor(
      'the job queue to drain',
      async () => {
        const text = (await call(`${this.url}/metrics`)).text;
        const line = text.split('\n').find((l) => l.startsWith('orderline_queue_depth '));
        if (line === undefined) throw new Error('no orderline_queue_depth in /metrics');
        return Number(line.slice('orderline_queue_depth '.length)) === 0 ? true : undefined;
      },
      { timeoutMs, intervalMs: 30 },
    );
  }
}

/** The reference brand's test routes (not part of the contract). */
async function brandRecord(brandUrl: string, orderId: string): Promise<BrandOrderRecord> {
  return parsed<BrandOrderRecord>(await call(`${brandUrl}/_orders/${orderId}`, { headers: { 'x-guest-id': BRAND_KEY } }));
}

async function brandAddOrder(brandUrl: string, order: JsonObject, status = 'open'): Promise<void> {
  parsed(await call(`${brandUrl}/_orders`, { headers: { 'x-guest-id': BRAND_KEY }, json: { order, status } }), 201);
}

/** Polls until `done` holds; the last value seen is in the timeout message. */
async function eventually<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  let last: T | undefined;
  try {
    return await waitFor(
      what,
      async () => {
        last = await probe();
        return done(last) ? last : undefined;
      },
      { timeoutMs, intervalMs: 40 },
    );
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; last seen: ${JSON.stringify(last)?.slice(0, 1500)}`);
  }
}

// ---------------------------------------------------------------------------------------
// The brand's side of the wire: a recording tap that can also misbehave.

interface SeenRequest {
  method: string;
  /** The request target as sent (still percent-encoded). */
  url: string;
  key: string | undefined;
  body: string;
}

type FrontMode =
  /** Forward to the brand server and hand its answer back. */
  | { kind: 'pass' }
  /** Forward, but only after `delayMs` (longer than the tenant's timeout). */
  | { kind: 'slow'; delayMs: number }
  /** 200 with an HTML page. */
  | { kind: 'garbage' }
  /** 200 with JSON that is none of the contract's shapes. */
  | { kind: 'wrong_shape' };

class BrandFront {
  mode: FrontMode = { kind: 'pass' };
  readonly seen: SeenRequest[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(upstream: string): Promise<BrandFront> {
    const ready: { front?: BrandFront } = {};
    const server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const key = req.headers['x-guest-id'];
        const seen: SeenRequest = { method: req.method ?? '', url: req.url ?? '', key: typeof key === 'string' ? key : undefined, body };
        ready.front?.handle(upstream, seen, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const front = new BrandFront(server, `http://127.0.0.1:${port}`);
    ready.front = front;
    return front;
  }

  private handle(upstream: string, seen: SeenRequest, res: http.ServerResponse): void {
    this.seen.push(seen);
    const mode = this.mode;
    const answer = (status: number, contentType: string, text: string) => {
      if (res.destroyed || res.writableEnded) return;
      res.writeHead(status, { 'content-type': contentType });
      res.end(text);
    };
    const forward = async () => {
      try {
        const headers: Record<string, string> = {};
        if (seen.key !== undefined) headers['x-guest-id'] = seen.key;
        if (seen.body !== '') headers['content-type'] = 'application/json';
        const upstreamReply = await fetch(`${upstream}${seen.url}`, { method: seen.method, headers, ...(seen.body === '' ? {} : { body: seen.body }) });
        answer(upstreamReply.status, upstreamReply.headers.get('content-type') ?? 'application/json', await upstreamReply.text());
      } catch {
        // The brand server is gone: so is the connection.
        res.destroy();
      }
    };
    switch (mode.kind) {
      case 'pass':
        void forward();
        return;
      case 'slow': {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          void forward();
        }, mode.delayMs);
        this.timers.add(timer);
        return;
      }
      case 'garbage':
        answer(200, 'text/html', '<html><body>502 Bad Gateway (nginx)</body></html>');
        return;
      case 'wrong_shape':
        answer(200, 'application/json', JSON.stringify({ result: 'ok', data_v2: [{ order_ref: 'x' }] }));
        return;
    }
  }

  /** What reached the brand since `from`, as "METHOD url". */
  calls(from = 0): string[] {
    return this.seen.slice(from).map((s) => `${s.method} ${s.url}`);
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------------------------------
// Playing a customer

type Action = { text: string } | { buttonId: string } | { listRowId: string };

/** One customer of one tenant, typing and tapping in the sandbox. */
class Customer {
  constructor(
    private readonly api: Orderline,
    private readonly tenantId: string,
    readonly phone: string,
    private readonly name: string,
  ) {}

  async received(): Promise<ChatEntry[]> {
    return (await this.api.chat(this.tenantId, this.phone)).filter((e) => e.direction === 'out');
  }

  /** Sends one message or tap; returns everything the customer received because of it. */
  async send(action: Action): Promise<ChatEntry[]> {
    const before = (await this.received()).length;
    await this.api.inbound(this.tenantId, { from: `+${this.phone}`, name: this.name, ...action });
    await this.api.drained();
    return (await this.received()).slice(before);
  }

  /** Sends, and expects exactly one reply (the assistant answers each message once). */
  async reply(action: Action): Promise<ChatEntry> {
    const replies = await this.send(action);
    expect(replies.map((r) => r.summary.text), `replies to ${JSON.stringify(action)}`).toHaveLength(1);
    return replies[0] as ChatEntry;
  }

  /** Sends, and expects no reply at all. */
  async silence(action: Action): Promise<void> {
    const replies = await this.send(action);
    expect(replies.map((r) => r.summary.text), `replies to ${JSON.stringify(action)}`).toEqual([]);
  }
}

const rowIds = (entry: ChatEntry) => entry.summary.list?.map((r) => r.id) ?? [];
const buttonIds = (entry: ChatEntry) => entry.summary.buttons?.map((b) => b.id) ?? [];

/** Meta's incoming-message webhook for one text, as the sandbox would send it. */
function textWebhook(phoneNumberId: string, from: string, wamid: string, text: string): JsonObject {
  return messageWebhook(phoneNumberId, from, { from, id: wamid, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } });
}

function messageWebhook(phoneNumberId: string, from: string, message: JsonObject): JsonObject {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550000000', phone_number_id: phoneNumberId },
              contacts: [{ profile: { name: 'Asha' }, wa_id: from }],
              messages: [message],
            },
          },
        ],
      },
    ],
  };
}

/**
 * The app secret the service derives for a sandbox tenant (src/app/whatsapp-accounts.ts):
 * HMAC-SHA256 of "sandbox-app-secret:{tenantId}" under ORDERLINE_SECRET, base64url. A wrong
 * derivation shows as a 401 from the webhook, not as a silently passing test.
 */
function sandboxAppSecret(tenantId: string): string {
  return createHmac('sha256', ORDERLINE_SECRET).update(`sandbox-app-secret:${tenantId}`).digest('base64url');
}

function sign(raw: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

// =======================================================================================

afterAll(stopAllChildren);

describe('the order assistant over real HTTP: reference brand process, service process, built-in sandbox', () => {
  let dir = '';
  let brandDb = '';
  let brand: ReferenceProcess | undefined;
  let brandPort = 0;
  let front: BrandFront | undefined;
  let service: ServiceProcess;
  let api: Orderline;

  const startBrand = async (port: number): Promise<ReferenceProcess> =>
    startReferenceProcess(['--port', String(port), '--key', BRAND_KEY, '--db', brandDb, '--seed']);

  beforeAll(async () => {
    dir = tempDir('orderline-e2e-assistant-');
    brandDb = path.join(dir, 'brand.db');
    // Side by side; each is kept as soon as it runs, so afterAll stops it even if the other failed.
    await Promise.all([
      startBrand(0).then((started) => (brand = started)),
      startService({
        cwd: dir,
        env: { DATABASE_URL: `file:${path.join(dir, 'orderline.db')}`, ADMIN_TOKEN, ORDERLINE_SECRET, LOG_LEVEL: 'warn' },
      }).then((started) => (service = started)),
    ]);
    const brandAt = brand?.url ?? '';
    brandPort = Number(new URL(brandAt).port);
    front = await BrandFront.start(brandAt);
    api = new Orderline(service.url);
  });

  afterAll(async () => {
    await front?.close();
    await brand?.stop();
    await (service as ServiceProcess | undefined)?.stop('SIGTERM');
    if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The recording tap in front of the brand server (started in beforeAll). */
  const tap = (): BrandFront => {
    if (front === undefined) throw new Error('the brand front did not start');
    return front;
  };
  const brandUrl = () => `http://127.0.0.1:${brandPort}`;
  const cancelsSeen = () => tap().seen.filter((s) => s.method === 'POST' && s.url === '/cancel-order');

  /**
   * A tenant of its own for each scenario, on the built-in sandbox (no Meta credentials) and
   * the brand server behind the tap. Orderline keeps Meta's pair rate per (phone number id,
   * customer): five messages at once, then one per 6 s (docs/notifications.md, Pacing). A
   * scenario sends a customer at most five, so no reply waits for pacing.
   */
  const openShop = async (brandApi: JsonObject = { baseUrl: tap().url, apiKey: BRAND_KEY, phoneFormat: 'digits' }, name = STORE) => {
    const tenant = await api.createTenant({ name, brandApi });
    return {
      tenant,
      asha: new Customer(api, tenant.id, ASHA, 'Asha'),
      vikram: new Customer(api, tenant.id, VIKRAM, 'Vikram'),
      meera: new Customer(api, tenant.id, MEERA, 'Meera'),
    };
  };

  it('greets with the menu: a list of the four options, in the tenant name', async () => {
    const { tenant, asha } = await openShop();
    const view = parsed<{ tenant: { whatsapp: { mode: string; hasAccessToken: boolean }; brandApi: { hasApiKey: boolean; phoneFormat: string } } }>(
      await call(`${api.url}/admin/tenants/${tenant.id}`, { headers: admin }),
    );
    expect(view.tenant.whatsapp).toMatchObject({ mode: 'sandbox', hasAccessToken: false });
    expect(view.tenant.brandApi).toMatchObject({ hasApiKey: true, phoneFormat: 'digits' });

    const menu = await asha.reply({ text: 'hi' });
    expect(menu.type).toBe('interactive');
    expect(menu.summary.text).toBe(`Hi Asha! I am the ${STORE} order assistant. What would you like to do?`);
    expect(menu.summary.list?.map(({ id, title }) => ({ id, title }))).toEqual([
      { id: 'menu:track', title: 'Track an order' },
      { id: 'menu:cancel', title: 'Cancel an order' },
      { id: 'menu:details', title: 'My details' },
      { id: 'menu:human', title: 'Talk to a person' },
    ]);
    // Anything it does not understand: the fallback, with the same menu.
    const fallback = await asha.reply({ text: 'the weather is lovely' });
    expect(fallback.summary.text).toContain("didn't get that");
    expect(rowIds(fallback)).toEqual(MENU);
  });

  it('tracks by list (her last three orders, then the chosen one) and by typed number', async () => {
    const { asha } = await openShop();
    const from = tap().seen.length;
    const list = await asha.reply({ listRowId: 'menu:track' });
    expect(list.summary.text).toBe('Which order would you like to track?');
    // The brand lists the latest three, newest first: 1001 is older and not offered.
    expect(list.summary.list?.map((r) => [r.id, r.title])).toEqual([
      ['track:1004', '#1004'],
      ['track:1003', '#1003'],
      ['track:1002', '#1002'],
    ]);
    expect(list.summary.list?.[0]?.description).toBe('2026-01-12 · 996.00 INR');

    const open = await asha.reply({ listRowId: 'track:1003' });
    expect(open.summary.text).toBe('Order #1003: confirmed and being prepared.\nItems: Block Print Bedsheet × 1, Cushion Cover × 2');

    const shipped = await asha.reply({ text: '#1002' });
    expect(shipped.summary.text).toBe('Order #1002: shipped and on its way.\nItems: Silk Dupatta × 1\nTrack it: https://track.example.in/AWB1002');

    // Not among the latest three: found through GET /order/1001.
    const older = await asha.reply({ text: 'where is 1001' });
    expect(older.summary.text).toContain('Order #1001: ');
    expect(older.summary.text).toContain('Cotton Kurta × 1');
    expect(older.summary.text).toContain('https://track.example.in/AWB1001');
    // The brand's own status says delivered.
    expect(older.summary.text).toContain('Order #1001: delivered.');

    const missing = await asha.reply({ text: '#9999' });
    expect(missing.summary.text).toBe("I couldn't find order #9999. Please check the number and try again.");

    // On the wire: the phone as digits (the tenant's phoneFormat), our key on every request.
    const calls = tap().calls(from);
    expect(calls).toContain(`GET /get-orders/${ASHA}`);
    expect(calls).toContain('GET /order/1001');
    expect(calls).toContain('GET /order/9999');
    expect(tap().seen.slice(from).every((s) => s.key === BRAND_KEY)).toBe(true);
  });

  it('cancels with confirmation and a reason: the brand holds exactly what the bot sent, with our key', async () => {
    // "No, keep it" changes nothing.
    const first = await openShop();
    await first.asha.reply({ listRowId: 'menu:cancel' });
    const keep = await first.asha.reply({ listRowId: 'cancel:1003' });
    expect(buttonIds(keep)).toEqual(['cancel_yes:1003', 'cancel_no:1003']);
    expect((await first.asha.reply({ buttonId: 'cancel_no:1003' })).summary.text).toBe('OK, order #1003 stays as it is.');
    expect((await brandRecord(brandUrl(), '1003')).status).toBe('open');
    expect(cancelsSeen()).toEqual([]);

    const { asha } = await openShop();
    const list = await asha.reply({ listRowId: 'menu:cancel' });
    expect(list.summary.text).toBe('Which order would you like to cancel?');
    expect(rowIds(list)).toEqual(['cancel:1004', 'cancel:1003', 'cancel:1002']);
    const confirm = await asha.reply({ listRowId: 'cancel:1004' });
    expect(confirm.type).toBe('interactive');
    expect(confirm.summary.text).toBe('Cancel order #1004? This cannot be undone.');
    expect(confirm.summary.buttons).toEqual([
      { id: 'cancel_yes:1004', title: 'Yes, cancel it' },
      { id: 'cancel_no:1004', title: 'No, keep it' },
    ]);
    const reasons = await asha.reply({ buttonId: 'cancel_yes:1004' });
    expect(reasons.summary.text).toBe('Why would you like to cancel order #1004?');
    expect(rowIds(reasons)).toEqual([
      'reason:1004:changed_mind',
      'reason:1004:ordered_by_mistake',
      'reason:1004:found_cheaper',
      'reason:1004:delivery_too_slow',
      'reason:1004:other',
    ]);
    expect(cancelsSeen()).toEqual([]);
    const done = await asha.reply({ listRowId: 'reason:1004:ordered_by_mistake' });
    expect(done.summary.text).toBe('Order #1004 has been cancelled. You will get a confirmation shortly.');

    // Exactly the seed's body, once, with our key; the brand recorded it as the bot's.
    expect(cancelsSeen()).toHaveLength(1);
    const [sent] = cancelsSeen();
    expect(sent?.key).toBe(BRAND_KEY);
    expect(JSON.parse(sent?.body ?? 'null')).toStrictEqual({ id: '1004', cancellationReason: 'Ordered by mistake', cancelledBy: 'bot' });
    const record = await brandRecord(brandUrl(), '1004');
    expect(record).toMatchObject({ status: 'cancelled', cancellationReason: 'Ordered by mistake', cancelledBy: 'bot' });
    expect(record.order.id).toBe('1004');
    expect(record.cancelledAt).not.toBeNull();

    // Tracking it now says so.
    expect((await asha.reply({ text: '#1004' })).summary.text).toBe('Order #1004: cancelled.\nItems: Brass Diya × 4');
    // Asking to cancel it again (an old list's row) is refused without calling the brand.
    const again = await first.asha.reply({ listRowId: 'cancel:1004' });
    expect(again.summary.text).toBe('Order #1004 has already been cancelled, so I cannot cancel it here. Would you like to talk to a person?');
    expect(cancelsSeen()).toHaveLength(1);
  });

  it('refuses to cancel a shipped or a delivered order and offers a person; the brand records no cancel', async () => {
    const before = cancelsSeen().length;
    const { asha } = await openShop();
    const shipped = await asha.reply({ listRowId: 'cancel:1002' });
    expect(shipped.summary.text).toBe('Order #1002 has already been shipped, so I cannot cancel it here. Would you like to talk to a person?');
    expect(shipped.summary.buttons).toEqual([{ id: 'menu:human', title: 'Talk to a person' }]);
    // A replayed last step is checked again and refused the same way.
    const replayed = await asha.reply({ listRowId: 'reason:1002:other' });
    expect(replayed.summary.text).toContain('#1002 has already been shipped');
    expect(buttonIds(replayed)).toEqual(['menu:human']);
    // 1001 is delivered (an old list's tap: it is no longer among the latest three).
    const delivered = await asha.reply({ buttonId: 'cancel:1001' });
    expect(delivered.summary.text).toMatch(/^Order #1001 has already been delivered, so I cannot cancel it here\./);
    expect(buttonIds(delivered)).toEqual(['menu:human']);

    expect(cancelsSeen()).toHaveLength(before);
    for (const id of ['1001', '1002']) {
      expect(await brandRecord(brandUrl(), id)).toMatchObject({ cancelledAt: null, cancellationReason: null, cancelledBy: null });
    }
    expect((await brandRecord(brandUrl(), '1001')).status).toBe('delivered');
    expect((await brandRecord(brandUrl(), '1002')).status).toBe('shipped');

    // An order the brand reports shipped before any tracking link: the brand's own status is
    // enough to refuse up front, and the brand is never asked to cancel it.
    await brandAddOrder(
      brandUrl(),
      businessOnBotOrder({ id: '1005', name: '#1005', phone: `+${ASHA}`, createdAt: '2025-12-01T10:00:00Z', shipment_details: { status: 'shipped', tracking_info: null } }),
      'shipped',
    );
    const other = await openShop();
    const refused = await other.asha.reply({ buttonId: 'cancel:1005' });
    expect(refused.summary.text).toContain('#1005 has already been shipped');
    expect(buttonIds(refused)).toEqual(['menu:human']);
    await other.asha.reply({ buttonId: 'cancel_yes:1005' });
    await other.asha.reply({ listRowId: 'reason:1005:other' });
    expect(cancelsSeen()).toHaveLength(before);
    expect(await brandRecord(brandUrl(), '1005')).toMatchObject({ status: 'shipped', cancelledAt: null, cancelledBy: null });
  });

  it("refuses someone else's order, typed or as a forged tap, and cancels nothing", async () => {
    const before = cancelsSeen().length;
    const { asha } = await openShop();
    const typed = await asha.reply({ text: '#2001' });
    expect(typed.summary.text).toBe("I can only share orders placed with this WhatsApp number. Order #2001 isn't one of them.");
    for (const forged of [{ listRowId: 'track:2001' }, { listRowId: 'cancel:2001' }, { buttonId: 'cancel_yes:2001' }, { listRowId: 'reason:2001:changed_mind' }]) {
      const refused = await asha.reply(forged);
      expect(refused.summary.text, JSON.stringify(forged)).toContain("Order #2001 isn't one of them");
    }
    expect(cancelsSeen()).toHaveLength(before);
    expect(await brandRecord(brandUrl(), '2001')).toMatchObject({ status: 'open', cancelledAt: null, cancelledBy: null });
    // The operator finds a warning in the log.
    await eventually(
      'a warning about the refused order',
      async () => jsonLogLines(service.stdout()).map((l) => JSON.parse(l) as { msg?: string; orderId?: string }),
      (records) => records.some((r) => r.orderId === '2001' && (r.msg ?? '').includes('not theirs')),
    );
  });

  it('shows the personal details the brand has', async () => {
    const { asha, meera } = await openShop();
    const details = await asha.reply({ listRowId: 'menu:details' });
    expect(details.summary.text).toBe(`Here is what ${STORE} has for you:\nAsha Rao\nasha.rao@example.com\n+${ASHA}\n12 MG Road, Bengaluru, 560001`);
    expect(tap().calls().at(-1)).toBe(`GET /personal-details/${ASHA}`);
    const noAddress = await meera.reply({ listRowId: 'menu:details' });
    expect(noAddress.summary.text).toBe(`Here is what ${STORE} has for you:\nMeera Iyer\nmeera.iyer@example.com\n+${MEERA}`);
    expect((await meera.reply({ listRowId: 'menu:track' })).summary.text).toBe("I couldn't find any orders for this WhatsApp number.");
  });

  it('hands the conversation to a person and back; /take makes the bot quiet again', async () => {
    const { tenant, vikram } = await openShop();
    const handoff = await vikram.reply({ listRowId: 'menu:human' });
    expect(handoff.summary.text).toBe(`Connecting you with a person from ${STORE}. They will reply here soon.`);
    await vikram.silence({ text: 'hello? is anyone there' });
    await vikram.silence({ text: '#2001' });

    const conversation = (await api.conversations(tenant.id)).find((c) => c.customer === VIKRAM);
    expect(conversation?.mode).toBe('human');
    const cid = conversation?.id ?? '';
    const before = (await vikram.received()).length;
    expect(await api.conversationAction(tenant.id, cid, 'release')).toMatchObject({ id: cid, mode: 'bot' });
    await api.drained();
    const released = (await vikram.received()).slice(before);
    expect(released.map((e) => e.summary.text)).toEqual([`You are back with the ${STORE} order assistant. Type "menu" to see the options.`]);

    expect((await vikram.reply({ text: '#2001' })).summary.text).toBe('Order #2001: confirmed and being prepared.\nItems: Leather Sandals × 1');
    expect(await api.conversationAction(tenant.id, cid, 'take')).toMatchObject({ id: cid, mode: 'human' });
    await vikram.silence({ text: 'menu' });
    // Taking it twice is a conflict.
    expect((await call(`${api.url}/admin/tenants/${tenant.id}/conversations/${cid}/take`, { method: 'POST', headers: admin })).status).toBe(409);
  });

  it('STOP and START: one confirmation each, and nothing from the bot in between', async () => {
    const { meera } = await openShop();
    const stop = await meera.reply({ text: 'STOP' });
    expect(stop.summary.text).toBe(`You will no longer receive messages from ${STORE} on WhatsApp. Reply START to subscribe again.`);
    await meera.silence({ text: 'STOP' });
    await meera.silence({ text: 'hi' });
    const start = await meera.reply({ text: 'START' });
    expect(start.summary.text).toBe(`You are subscribed again to messages from ${STORE}. Reply STOP to unsubscribe.`);
    await meera.silence({ text: 'START' });
    expect(rowIds(await meera.reply({ text: 'hi' }))).toEqual(MENU);
  });

  it('COD: Confirm is recorded on the order; Cancel starts the cancel flow; a stranger tapping is refused', async () => {
    // COD orders the brand has and notifies us of through the guest API.
    const cod = (id: string) =>
      businessOnBotOrder({ id, name: `#${id}`, phone: `+${ASHA}`, fullyPaid: false, createdAt: '2025-11-01T10:00:00Z', shipment_details: null });
    const codTemplate = async (customer: Customer, id: string): Promise<ChatEntry> => {
      const [template] = await eventually(
        `the COD confirmation of ${id}`,
        async () => (await customer.received()).filter((e) => e.summary.template?.name === 'orderline_order_confirmed_cod'),
        (found) => found.length >= 1,
      );
      await api.drained();
      return template as ChatEntry;
    };

    const confirming = await openShop();
    await brandAddOrder(brandUrl(), cod('7001'));
    await api.postOrder(confirming.tenant, cod('7001'));
    expect(buttonIds(await codTemplate(confirming.asha, '7001'))).toEqual(['cod_confirm:7001', 'cod_cancel:7001']);
    expect((await api.order(confirming.tenant.id, '7001')).order.confirmation).toBeNull();
    // Someone else tapping a forwarded button: refused, nothing recorded.
    const stranger = await confirming.vikram.reply({ buttonId: 'cod_confirm:7001' });
    expect(stranger.summary.text).toContain("Order #7001 isn't one of them");
    expect((await api.order(confirming.tenant.id, '7001')).order.confirmation).toBeNull();
    const thanks = await confirming.asha.reply({ buttonId: 'cod_confirm:7001' });
    expect(thanks.summary.text).toBe('Thank you! Order #7001 is confirmed and will be shipped soon.');
    expect((await api.order(confirming.tenant.id, '7001')).order.confirmation).toMatchObject({ decision: 'confirmed', customer: ASHA });
    expect(await brandRecord(brandUrl(), '7001')).toMatchObject({ status: 'open', cancelledBy: null });

    const cancelling = await openShop();
    await brandAddOrder(brandUrl(), cod('7002'));
    await api.postOrder(cancelling.tenant, cod('7002'));
    expect(buttonIds(await codTemplate(cancelling.asha, '7002'))).toEqual(['cod_confirm:7002', 'cod_cancel:7002']);
    const confirm = await cancelling.asha.reply({ buttonId: 'cod_cancel:7002' });
    expect(confirm.summary.text).toBe('Cancel order #7002? This cannot be undone.');
    expect(buttonIds(confirm)).toEqual(['cancel_yes:7002', 'cancel_no:7002']);
    expect(rowIds(await cancelling.asha.reply({ buttonId: 'cancel_yes:7002' }))).toContain('reason:7002:found_cheaper');
    expect((await cancelling.asha.reply({ listRowId: 'reason:7002:found_cheaper' })).summary.text).toBe(
      'Order #7002 has been cancelled. You will get a confirmation shortly.',
    );
    expect(await brandRecord(brandUrl(), '7002')).toMatchObject({ status: 'cancelled', cancellationReason: 'Found it cheaper', cancelledBy: 'bot' });
  });

  it('answers a duplicated webhook once (the same signed bytes twice, and a replay of one the sandbox delivered)', async () => {
    const { tenant, asha } = await openShop();
    const secret = sandboxAppSecret(tenant.id);
    const post = (raw: string) =>
      call(`${api.url}/webhooks/whatsapp`, { raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(raw, secret) } });

    const raw = JSON.stringify(textWebhook(tenant.phoneNumberId, ASHA, `wamid.E2E-DUP-${Date.now()}`, 'menu'));
    for (let i = 0; i < 2; i++) {
      const reply = await post(raw);
      expect(reply.status, reply.text).toBe(200);
    }
    await api.drained();
    const answered = await asha.received();
    expect(answered.map(rowIds)).toEqual([MENU]);

    // The sandbox's own delivery of a message, delivered again: no second answer.
    await asha.reply({ text: '#1003' });
    const delivered = (await api.chat(tenant.id, ASHA)).filter((e) => e.direction === 'in').at(-1);
    expect(delivered?.summary.text).toBe('#1003');
    const replay = JSON.stringify(messageWebhook(tenant.phoneNumberId, ASHA, delivered?.body as JsonObject));
    const count = (await asha.received()).length;
    expect((await post(replay)).status).toBe(200);
    await api.drained();
    expect(await asha.received()).toHaveLength(count);
  });

  it('a slow brand, a brand answering garbage or wrong shapes, a refused key: the polite answer, an alert each, and recovery', async () => {
    const flaky = await BrandFront.start(brandUrl());
    try {
      const { tenant, asha } = await openShop({ baseUrl: flaky.url, apiKey: BRAND_KEY, phoneFormat: 'national', timeoutMs: 300 }, 'Flaky Brand');
      const national = `GET /get-orders/${ASHA.slice(2)}`;

      flaky.mode = { kind: 'slow', delayMs: 1_500 };
      const startedAt = Date.now();
      expect((await asha.reply({ text: '#1003' })).summary.text).toBe(TRY_LATER);
      const slowMs = Date.now() - startedAt;
      // Timed out and retried (GETs only).
      expect(flaky.calls().filter((c) => c === national).length).toBeGreaterThanOrEqual(2);

      flaky.mode = { kind: 'garbage' };
      expect((await asha.reply({ listRowId: 'menu:track' })).summary.text).toBe(TRY_LATER);
      flaky.mode = { kind: 'wrong_shape' };
      expect((await asha.reply({ listRowId: 'menu:details' })).summary.text).toBe(TRY_LATER);
      expect((await asha.reply({ text: 'where is 1003' })).summary.text).toBe(TRY_LATER);

      const alerts = await api.alerts(tenant.id);
      expect(alerts.map((a) => a.kind)).toEqual(expect.arrayContaining(['brand_api_timeout', 'brand_api_malformed']));
      expect(alerts.find((a) => a.kind === 'brand_api_timeout')?.detail).toContain('GET /get-orders/{phone}');
      expect(alerts.some((a) => a.kind === 'brand_api_malformed' && a.detail.includes('not JSON'))).toBe(true);
      expect(alerts.some((a) => a.kind === 'brand_api_malformed' && a.detail.startsWith('GET /personal-details/{phone}'))).toBe(true);
      // Causes name endpoints, never the customer's phone or the key.
      for (const alert of alerts) {
        expect(alert.detail).not.toContain('9812345678');
        expect(alert.detail).not.toContain(BRAND_KEY);
      }

      // The brand is back: the same conversation answers again (the phone in national form).
      flaky.mode = { kind: 'pass' };
      expect((await asha.reply({ text: '#1003' })).summary.text).toBe('Order #1003: confirmed and being prepared.\nItems: Block Print Bedsheet × 1, Cushion Cover × 2');
      expect(flaky.calls().at(-1)).toBe(national);
      console.info(`[assistant e2e] a brand slower than timeoutMs 300: the polite answer reached the customer ${slowMs} ms after the message`);

      // A brand that refuses our key (401): the polite answer, and the operator is told why.
      const wrongKey = await openShop({ baseUrl: brandUrl(), apiKey: 'not-the-brand-key' }, 'Wrong Key');
      expect((await wrongKey.asha.reply({ listRowId: 'menu:track' })).summary.text).toBe(TRY_LATER);
      const [keyAlert] = await api.alerts(wrongKey.tenant.id);
      expect(keyAlert?.kind).toBe('brand_api_unavailable');
      expect(keyAlert?.detail).toContain('refused our key');
    } finally {
      await flaky.close();
    }
  });

  it('the brand server process down: the polite answer and an alert; back on the same port and database, the bot answers again', async () => {
    const { tenant, asha } = await openShop({ baseUrl: brandUrl(), apiKey: BRAND_KEY, phoneFormat: 'e164' }, 'Outage Brand');
    expect((await asha.reply({ text: '#1003' })).summary.text).toContain('Order #1003: confirmed and being prepared.');

    const recordBefore = await brandRecord(brandUrl(), '1004');
    await brand?.stop();
    brand = undefined;
    expect((await asha.reply({ listRowId: 'menu:track' })).summary.text).toBe(TRY_LATER);
    expect((await asha.reply({ text: '#1004' })).summary.text).toBe(TRY_LATER);
    const alerts = await api.alerts(tenant.id);
    expect(alerts.map((a) => a.kind)).toEqual(['brand_api_unavailable', 'brand_api_unavailable']);
    expect(alerts.every((a) => a.detail.startsWith('GET /get-orders/{phone}: '))).toBe(true);
    // The menu needs no brand: still there.
    expect(rowIds(await asha.reply({ text: 'hi' }))).toEqual(MENU);

    brand = await startBrand(brandPort);
    expect((await asha.reply({ text: '#1003' })).summary.text).toBe('Order #1003: confirmed and being prepared.\nItems: Block Print Bedsheet × 1, Cushion Cover × 2');
    // The brand kept its database across the restart.
    expect(await brandRecord(brandUrl(), '1004')).toEqual(recordBefore);
  });
});
