/**
 * Notifications end to end, as a user runs them: the built service (`node dist/src/main.js
 * serve`) on a temp SQLite file, real HTTP on 127.0.0.1, and WhatsApp played by the sandbox,
 * first the one built into the service, then the standalone sandbox process standing in for
 * Meta's Cloud API while the service is SIGKILLed mid-send. Nothing sleeps for a fixed
 * time: every wait polls with a deadline. Needs `npm run build`.
 *
 *  1. Built-in sandbox: a BusinessOnBot COD order, a Shopify prepaid order, its fulfillment
 *     and the seed's delivery events arrive as the right templates, in order, read; link
 *     buttons redirect to the tracking page; a late update and duplicates send nothing.
 *  2. Webhook security: signatures (401), Meta's verification handshake.
 *  3. STOP / START typed by the customer through the sandbox.
 *  4. Retries by Meta error code: a 131000 is retried; a number not on WhatsApp fails (131026).
 *  5. Crash: every order's customer gets exactly one confirmation across a SIGKILL.
 */
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/domain/events/fields.js';
import { businessOnBotOrder, seedDeliveryEvent, shopifyFulfillment, shopifyOrder } from '../../src/domain/events/fixtures.js';
import { tempDir } from '../support/databases.js';
import {
  freePort,
  startSandboxProcess,
  startService,
  stopAllChildren,
  waitFor,
  type SandboxProcess,
  type ServiceProcess,
} from '../support/process.js';

const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';
const ORDERLINE_SECRET = 'e2e-orderline-secret-0123456789abcdefghij';
const SUCCESS = '{"status":"success","statusCode":200}';
const STORE = 'Chai Point';

// ---------------------------------------------------------------------------------------
// What the APIs answer (only the fields these tests read).

interface TemplateComponent {
  type: string;
  sub_type?: string;
  index?: string;
  parameters: { type: string; text?: string; payload?: string }[];
}

interface SentBody {
  messaging_product: string;
  to: string;
  type: string;
  text?: { body: string };
  template?: { name: string; language: { code: string }; components: TemplateComponent[] };
  biz_opaque_callback_data?: string;
}

interface ChatEntry {
  direction: 'out' | 'in';
  wamid: string;
  type: string;
  status: string;
  errorCode?: number;
  summary: {
    text?: string;
    template?: { name: string; language: string; parameters: string[] };
    buttons?: { id: string; title: string }[];
    links?: string[];
  };
  body: unknown;
}

interface ChatInfo {
  phone: string;
  messages: number;
}

interface SandboxCounters {
  accepted: number;
  rejected: number;
  statuses: { sent: number; delivered: number; read: number; failed: number };
  webhookPosts: number;
  webhookFailures: number;
}

interface MessageView {
  id: string;
  kind: string;
  state: string;
  skipReason: string | null;
  recipient: string | null;
  wamid: string | null;
  orderId: string | null;
  errorCode: number | null;
  attempts: number;
  body: SentBody | null;
}

interface EventView {
  kind: string;
  resourceKey: string;
  outcome: string;
}

interface Tenant {
  id: string;
  guestKey: string;
  phoneNumberId: string;
}

interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

// ---------------------------------------------------------------------------------------
// HTTP

async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; json?: unknown; raw?: string; redirect?: 'follow' | 'manual' } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined = init.raw;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(url, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    ...(body === undefined ? {} : { body }),
    redirect: init.redirect ?? 'follow',
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function parsed<T>(reply: Reply, status = 200): T {
  if (reply.status !== status) throw new Error(`expected HTTP ${status}, got ${reply.status}: ${reply.text.slice(0, 500)}`);
  return JSON.parse(reply.text) as T;
}

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** A running Orderline service, seen through its HTTP APIs. */
class Orderline {
  constructor(readonly url: string) {}

  async createTenant(body: JsonObject): Promise<Tenant> {
    const json = parsed<{ tenant: { id: string; whatsapp: { phoneNumberId: string } }; guestKey: string }>(
      await call(`${this.url}/admin/tenants`, { headers: admin, json: body }),
      201,
    );
    return { id: json.tenant.id, guestKey: json.guestKey, phoneNumberId: json.tenant.whatsapp.phoneNumberId };
  }

  /** A guest API POST that must be accepted. */
  async post(tenant: Tenant, endpoint: string, body: JsonObject): Promise<void> {
    const reply = await call(`${this.url}${endpoint}`, { headers: { 'x-guest-id': tenant.guestKey }, json: body });
    expect(reply.text, `${endpoint} ${JSON.stringify(body).slice(0, 120)}`).toBe(SUCCESS);
    expect(reply.status).toBe(200);
  }

  /** Every message of the tenant (all pages), newest first. */
  async messages(tenantId: string, query = ''): Promise<MessageView[]> {
    const items: MessageView[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: MessageView[]; nextCursor: string | null } = parsed(
        await call(
          `${this.url}/admin/tenants/${tenantId}/messages?limit=200${query}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
          { headers: admin },
        ),
      );
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return items;
  }

  async events(tenantId: string): Promise<EventView[]> {
    return parsed<{ items: EventView[] }>(await call(`${this.url}/admin/tenants/${tenantId}/events?limit=200`, { headers: admin })).items;
  }

  /** The built-in sandbox's chat with a customer, oldest first. */
  async chat(tenantId: string, phone: string): Promise<ChatEntry[]> {
    return parsed<{ items: ChatEntry[] }>(
      await call(`${this.url}/sandbox/tenants/${tenantId}/chats/${encodeURIComponent(phone)}`, { headers: admin }),
    ).items;
  }

  /** Plays the customer in the built-in sandbox; the webhook must have taken it. */
  async inbound(tenantId: string, body: JsonObject): Promise<void> {
    const answer = parsed<{ wamid: string; webhookStatus: number }>(
      await call(`${this.url}/sandbox/tenants/${tenantId}/inbound`, { headers: admin, json: body }),
    );
    expect(answer.webhookStatus).toBe(200);
  }

  async metric(name: string): Promise<number | undefined> {
    const text = (await call(`${this.url}/metrics`)).text;
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.slice(name.length + 1));
  }

  async queueDepth(): Promise<number> {
    const depth = await this.metric('orderline_queue_depth');
    if (depth === undefined) throw new Error('no orderline_queue_depth in /metrics');
    return depth;
  }

  /**
   * Waits until no job is pending or running. Every event's job is committed with its 200 and
   * each job commits its follow-up (send job, confirmation) before it is removed, so a depth
   * of 0 after the POSTs means everything they caused has been planned and sent.
   */
  async drained(timeoutMs = 15_000): Promise<void> {
    await waitFor('the job queue to drain', async () => ((await this.queueDepth()) === 0 ? true : undefined), {
      timeoutMs,
      intervalMs: 50,
    });
  }
}

/** Polls until `probe` holds; the last value is in the timeout message. */
async function eventually<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  let last: T | undefined;
  try {
    return await waitFor(
      what,
      async () => {
        last = await probe();
        return done(last) ? last : undefined;
      },
      { timeoutMs, intervalMs: 50 },
    );
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; last seen: ${JSON.stringify(last)?.slice(0, 1500)}`);
  }
}

// ---------------------------------------------------------------------------------------
// Reading chats

function sentBody(entry: ChatEntry | undefined): SentBody {
  if (entry === undefined) throw new Error('no such chat entry');
  return entry.body as SentBody;
}

/** The suffix sent for the template's URL button (Orderline's `/r/{token}`). */
function urlButtonToken(entry: ChatEntry | undefined): string {
  const button = sentBody(entry).template?.components.find((c) => c.type === 'button' && c.sub_type === 'url');
  const token = button?.parameters[0]?.text;
  if (token === undefined) throw new Error(`no URL button in ${JSON.stringify(entry?.body)}`);
  return token;
}

function templateNames(chat: ChatEntry[]): (string | undefined)[] {
  return chat.map((e) => e.summary.template?.name);
}

/** A compact view of a chat: direction, type and what the customer reads or sees. */
function transcript(chat: ChatEntry[]): string[] {
  return chat.map((e) => `${e.direction} ${e.type} ${e.summary.template?.name ?? e.summary.text ?? ''}`);
}

function sign(raw: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

/** A status webhook as Meta sends it, for one phone number id. */
function statusWebhook(phoneNumberId: string): string {
  return JSON.stringify({
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
              statuses: [{ id: 'wamid.E2E-NOT-OURS', status: 'sent', timestamp: '1700000000', recipient_id: '919800000001' }],
            },
          },
        ],
      },
    ],
  });
}

/** A COD order (BusinessOnBot's body) for one customer. */
function codOrder(id: string, phone: string, name = `#${id}`): JsonObject {
  return businessOnBotOrder({ id, name, phone });
}

// =======================================================================================

// Each suite stops its own processes; this is the safety net for anything left behind.
afterAll(stopAllChildren);

// The two suites run side by side (`concurrent`); the tests of this one run in order (`it.sequential`).
describe('notifications through the built-in sandbox (one service, tenants without Meta credentials)', { concurrent: true }, () => {
  let dir = '';
  let service: ServiceProcess;
  let api: Orderline;
  let tenant: Tenant;

  beforeAll(async () => {
    dir = tempDir('orderline-e2e-');
    service = await startService({
      cwd: dir,
      env: { DATABASE_URL: `file:${path.join(dir, 'orderline.db')}`, ADMIN_TOKEN, ORDERLINE_SECRET, LOG_LEVEL: 'warn' },
    });
    api = new Orderline(service.url);
    tenant = await api.createTenant({ name: STORE });
  });
  afterAll(async () => {
    // Undefined when the start failed (stopAllChildren then cleans up).
    await (service as ServiceProcess | undefined)?.stop('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.sequential('sends each event its template, in order per customer, and follows the statuses to read', async () => {
    const view = parsed<{ tenant: { whatsapp: { mode: string; hasAccessToken: boolean } } }>(
      await call(`${api.url}/admin/tenants/${tenant.id}`, { headers: admin }),
    );
    expect(view.tenant.whatsapp).toMatchObject({ mode: 'sandbox', hasAccessToken: false });
    expect(tenant.phoneNumberId).toMatch(/^\d+$/);

    // Ravi: a BusinessOnBot COD order (phone from the shipping address, national form).
    const ravi = { phone: '919812345678', orderId: '4331283087516' };
    const cod = businessOnBotOrder();
    // Asha: a prepaid Shopify order (phone from the shipping address), shipped and delivered.
    const asha = { phone: '919876543210', orderId: '5735266369709823012', fulfillmentId: '4876543210987654321' };
    const trackingUrl = 'https://www.delhivery.com/track/package/1234567890';
    const prepaid = shopifyOrder({
      shipping_address: { first_name: 'Asha', last_name: 'Verma', name: 'Asha Verma', address1: '12 MG Road', city: 'Bengaluru', zip: '560001', country: 'India', phone: '+91 98765 43210' },
    });
    const fulfillment = shopifyFulfillment({ tracking_url: trackingUrl });
    const delivery = (status: string, at: string) =>
      seedDeliveryEvent({ id: asha.orderId, id_alias: '#1001', fulfillment_id: asha.fulfillmentId, status, delivered_at: at });

    // One after the other, as fast as a brand would; nothing waits for the worker.
    await api.post(tenant, '/orders-create', cod);
    await api.post(tenant, '/orders-create', prepaid);
    await api.post(tenant, '/fulfillments-create', fulfillment);
    await api.post(tenant, '/fulfillments-events-create', delivery('Dispatched', '2024-03-06T09:00:00Z'));
    await api.post(tenant, '/fulfillments-events-create', delivery('In-transit', '2024-03-07T09:00:00Z'));
    await api.post(tenant, '/fulfillments-events-create', delivery('Delivered', '2024-03-08T09:00:00Z'));
    // A courier's late In-transit after Delivered, and the brand sending the COD order again.
    await api.post(tenant, '/fulfillments-events-create', delivery('In-transit', '2024-03-07T18:30:00Z'));
    await api.post(tenant, '/orders-create', cod);

    // Six messages, each through sent and delivered to read (the sandbox's signed webhooks).
    const messages = await eventually(
      'six messages, all read',
      () => api.messages(tenant.id),
      (items) => items.length >= 6 && items.every((m) => m.state === 'read'),
      20_000,
    );
    await api.drained();

    // --- Ravi: the COD confirmation with Confirm / Cancel quick replies.
    const raviChat = await api.chat(tenant.id, `+${ravi.phone}`);
    expect(transcript(raviChat)).toEqual(['out template orderline_order_confirmed_cod']);
    const [codEntry] = raviChat;
    expect(codEntry).toMatchObject({
      direction: 'out',
      status: 'read',
      summary: {
        template: { name: 'orderline_order_confirmed_cod', language: 'en', parameters: ['Ravi', '#1581', STORE, 'Masala Tea × 2', '₹180.00'] },
        buttons: [
          { id: `cod_confirm:${ravi.orderId}`, title: 'Confirm order' },
          { id: `cod_cancel:${ravi.orderId}`, title: 'Cancel order' },
        ],
      },
    });
    const codBody = sentBody(codEntry);
    expect(codBody.to).toBe(ravi.phone);
    expect(codBody.template?.language).toEqual({ code: 'en' });
    expect(codBody.template?.components.filter((c) => c.type === 'button')).toEqual([
      { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: `cod_confirm:${ravi.orderId}` }] },
      { type: 'button', sub_type: 'quick_reply', index: '1', parameters: [{ type: 'payload', payload: `cod_cancel:${ravi.orderId}` }] },
    ]);

    // --- Asha: confirmation, shipped, dispatched, in transit, delivered; nothing for the late update.
    const ashaChat = await api.chat(tenant.id, asha.phone);
    expect(templateNames(ashaChat)).toEqual([
      'orderline_order_confirmed',
      'orderline_order_shipped',
      'orderline_order_dispatched',
      'orderline_order_in_transit',
      'orderline_order_delivered',
    ]);
    const greeting = ['Asha', '#1001', STORE];
    expect(ashaChat.map((e) => e.summary.template?.parameters)).toEqual([
      [...greeting, 'Cotton Kurta × 2 and Gift wrap', '₹1,499.00'],
      [...greeting, 'Delhivery', '1234567890'],
      [...greeting, 'Delhivery'],
      greeting,
      greeting,
    ]);
    for (const entry of ashaChat) {
      expect(entry.direction).toBe('out');
      expect(entry.status).toBe('read');
      expect(entry.summary.template?.language).toBe('en');
      expect(sentBody(entry).to).toBe(asha.phone);
    }
    expect(ashaChat[0]?.summary.links).toBeUndefined();
    // Every later message has a Track / View details button on /r/{token}, which redirects to the courier's page.
    const tokens = ashaChat.slice(1).map(urlButtonToken);
    expect(new Set(tokens).size).toBe(4);
    for (const [i, token] of tokens.entries()) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{6,64}$/);
      expect(ashaChat[i + 1]?.summary.links).toEqual([`${service.url}/r/${token}`]);
      const followed = await call(`${service.url}/r/${token}`, { redirect: 'manual' });
      expect(followed.status).toBe(302);
      expect(followed.headers.get('location')).toBe(trackingUrl);
    }

    // --- The service's record matches what the customers received.
    expect(messages).toHaveLength(6);
    const byKind = new Map(messages.map((m) => [m.kind, m]));
    expect([...byKind.keys()].sort()).toEqual(
      ['order_confirmed', 'order_confirmed_cod', 'order_delivered', 'order_dispatched', 'order_in_transit', 'order_shipped'].sort(),
    );
    const codMessage = byKind.get('order_confirmed_cod');
    expect(codMessage).toMatchObject({ recipient: ravi.phone, orderId: ravi.orderId, wamid: codEntry?.wamid, attempts: 1 });
    // Each status the sandbox reported (signed webhooks), kept with the message.
    const detail = parsed<{ message: { state: string; statuses: { status: string }[] } }>(
      await call(`${api.url}/admin/tenants/${tenant.id}/messages/${codMessage?.id ?? ''}`, { headers: admin }),
    );
    expect(detail.message.state).toBe('read');
    // (As a set: Meta's timestamps are whole seconds and the list is ordered by them alone, so
    // sent and delivered within one second may come in either order.)
    expect(detail.message.statuses.map((st) => st.status).sort()).toEqual(['delivered', 'read', 'sent']);
    const ashaKinds = ['order_confirmed', 'order_shipped', 'order_dispatched', 'order_in_transit', 'order_delivered'];
    for (const [i, kind] of ashaKinds.entries()) {
      const m = byKind.get(kind);
      expect(m).toMatchObject({ recipient: asha.phone, orderId: asha.orderId, wamid: ashaChat[i]?.wamid, state: 'read', attempts: 1 });
      expect(sentBody(ashaChat[i]).biz_opaque_callback_data).toBe(m?.id);
    }

    // The late In-transit was stored but not as a new update; the second COD order was a duplicate.
    const events = await api.events(tenant.id);
    const inTransit = events.filter((e) => e.resourceKey === `${asha.orderId}|${asha.fulfillmentId}|in_transit`);
    expect(inTransit).toHaveLength(2);
    expect(inTransit.filter((e) => e.outcome === 'accepted')).toHaveLength(1);
    expect(inTransit.filter((e) => e.outcome === 'revision' || e.outcome === 'stale')).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'order_created' && e.resourceKey === ravi.orderId)).toHaveLength(1);

    // The brand retries the COD order once more, long after it was sent: still nothing new.
    await api.post(tenant, '/orders-create', cod);
    await api.drained();
    expect(await api.messages(tenant.id)).toHaveLength(6);
    expect(await api.chat(tenant.id, ravi.phone)).toHaveLength(1);
  });

  it.sequential('refuses unsigned or wrongly signed webhooks with 401, and answers the verification handshake only with the token', async () => {
    const post = (raw: string, signature?: string) =>
      call(`${api.url}/webhooks/whatsapp`, {
        raw,
        headers: { 'content-type': 'application/json', ...(signature === undefined ? {} : { 'x-hub-signature-256': signature }) },
      });
    const unauthorized = { status: 'failure', statusCode: 401, error: 'Unauthorized!!' };

    // For the sandbox tenant's number: its secret is derived inside the service, so nothing else signs.
    const forSandbox = statusWebhook(tenant.phoneNumberId);
    for (const signature of [undefined, sign(forSandbox, 'not-the-app-secret'), 'sha256=', 'sha1=0123', sign(`${forSandbox} `, ORDERLINE_SECRET)]) {
      const reply = await post(forSandbox, signature);
      expect(reply.status, `signature ${signature ?? '(none)'}`).toBe(401);
      expect(JSON.parse(reply.text)).toEqual(unauthorized);
    }

    // A tenant with its own app secret: the right signature passes (so the 401s above are not a blanket refusal).
    const own = await api.createTenant({
      name: 'Own Meta App',
      whatsapp: { phoneNumberId: '100000000000777', accessToken: 'e2e-not-a-real-token', appSecret: 'e2e-own-app-secret' },
    });
    const forOwn = statusWebhook(own.phoneNumberId);
    const accepted = await post(forOwn, sign(forOwn, 'e2e-own-app-secret'));
    expect(accepted.status).toBe(200);
    expect(accepted.text).toBe(SUCCESS);
    expect((await post(forOwn)).status).toBe(401);
    expect((await post(forOwn, sign(forOwn, 'e2e-other-secret'))).status).toBe(401);
    // The signature covers the exact bytes: the same JSON re-spaced is refused.
    expect((await post(JSON.stringify(JSON.parse(forOwn), null, 1), sign(forOwn, 'e2e-own-app-secret'))).status).toBe(401);

    // Verification: this service has no WHATSAPP_VERIFY_TOKEN, so it refuses any.
    const handshake = (base: string, token: string, mode = 'subscribe') =>
      call(`${base}/webhooks/whatsapp?hub.mode=${mode}&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=123`);
    expect((await handshake(api.url, 'T')).status).toBe(403);

    const verifyDir = tempDir('orderline-e2e-verify-');
    let verifying: ServiceProcess | undefined;
    try {
      verifying = await startService({
        cwd: verifyDir,
        env: {
          DATABASE_URL: `file:${path.join(verifyDir, 'orderline.db')}`,
          ADMIN_TOKEN,
          ORDERLINE_SECRET,
          LOG_LEVEL: 'warn',
          WHATSAPP_VERIFY_TOKEN: 'T',
        },
      });
      const ok = await handshake(verifying.url, 'T');
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(ok.text).toBe('123');
      expect((await handshake(verifying.url, 'wrong')).status).toBe(403);
      expect((await handshake(verifying.url, 'T', 'unsubscribe')).status).toBe(403);
      expect(await verifying.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    } finally {
      await verifying?.stop('SIGKILL');
      fs.rmSync(verifyDir, { recursive: true, force: true });
    }
  });

  it.sequential('STOP typed in the sandbox: one confirmation, then nothing until START', async () => {
    const meera = '919811122233';
    const outgoingTexts = async () => (await api.chat(tenant.id, meera)).filter((e) => e.direction === 'out');

    await api.inbound(tenant.id, { from: `+${meera}`, text: 'STOP', name: 'Meera' });
    const [confirmation] = await eventually('the opt-out confirmation', outgoingTexts, (out) => out.length >= 1);
    expect(confirmation).toMatchObject({ type: 'text' });
    expect(confirmation?.summary.text).toBe(`You will no longer receive messages from ${STORE} on WhatsApp. Reply START to subscribe again.`);
    expect(sentBody(confirmation).to).toBe(meera);

    // Saying it twice confirms nothing twice; an order while opted out is skipped at send time.
    await api.inbound(tenant.id, { from: meera, text: 'STOP' });
    await api.post(tenant, '/orders-create', codOrder('stop-1', `+${meera}`));
    const [skipped] = await eventually(
      'the order message skipped',
      () => api.messages(tenant.id, '&orderId=stop-1'),
      (items) => items[0]?.state === 'skipped',
    );
    expect(skipped).toMatchObject({ kind: 'order_confirmed_cod', state: 'skipped', skipReason: 'opted_out', recipient: meera, wamid: null });
    await api.drained();
    expect(transcript(await api.chat(tenant.id, meera))).toEqual(['in text STOP', `out text ${confirmation?.summary.text ?? ''}`, 'in text STOP']);

    // START: one confirmation, and orders notify again (the skipped one is not sent after all).
    await api.inbound(tenant.id, { from: meera, text: 'START' });
    await eventually('the opt-in confirmation', outgoingTexts, (out) => out.length >= 2);
    await api.post(tenant, '/orders-create', codOrder('stop-2', meera));
    await eventually('the next order', outgoingTexts, (out) => out.length >= 3);
    await api.drained();
    const chat = await api.chat(tenant.id, meera);
    expect(transcript(chat)).toEqual([
      'in text STOP',
      `out text You will no longer receive messages from ${STORE} on WhatsApp. Reply START to subscribe again.`,
      'in text STOP',
      'in text START',
      `out text You are subscribed again to messages from ${STORE}. Reply STOP to unsubscribe.`,
      'out template orderline_order_confirmed_cod',
    ]);
    expect(chat[5]?.summary.template?.parameters[1]).toBe('#stop-2');
    const kinds = (await api.messages(tenant.id)).filter((m) => m.recipient === meera).map((m) => `${m.kind}:${m.state}`);
    expect(kinds.map((k) => k.split(':')[0]).sort()).toEqual(['opt_in_confirmation', 'opt_out_confirmation', 'order_confirmed_cod', 'order_confirmed_cod']);
    expect(kinds.filter((k) => k.endsWith(':skipped'))).toEqual(['order_confirmed_cod:skipped']);
  });

  it.sequential('retries by error code: a 131000 once is sent again and delivered; a number not on WhatsApp fails with 131026', async () => {
    const kabir = '919822233344';
    const ghost = '919810000000'; // ends in 0000: the sandbox's "not on WhatsApp"
    const rules = async (list: unknown[]) =>
      parsed<{ items: unknown[] }>(await call(`${api.url}/sandbox/graph/_rules`, { headers: admin, json: list }));
    const stats = async () => parsed<SandboxCounters>(await call(`${api.url}/sandbox/graph/_stats`, { headers: admin }));
    // The rule needs the admin token.
    expect((await call(`${api.url}/sandbox/graph/_rules`, { json: [] })).status).toBe(401);

    try {
      await rules([{ to: kabir, times: 1, respond: { httpStatus: 500, code: 131000, message: '(#131000) Something went wrong' } }]);
      const rejectedBefore = (await stats()).rejected;

      await api.post(tenant, '/orders-create', codOrder('retry-1', kabir));
      const [retried] = await eventually(
        'the retried message read',
        () => api.messages(tenant.id, '&orderId=retry-1'),
        (items) => items[0]?.state === 'read',
        20_000,
      );
      expect(retried).toMatchObject({ kind: 'order_confirmed_cod', recipient: kabir, attempts: 2 });
      expect((await stats()).rejected).toBe(rejectedBefore + 1);
      expect(await api.metric('orderline_messages_total{kind="order_confirmed_cod",outcome="retry",code="131000"}')).toBe(1);
      const kabirChat = await api.chat(tenant.id, kabir);
      expect(transcript(kabirChat)).toEqual(['out template orderline_order_confirmed_cod']);
      expect(kabirChat[0]?.wamid).toBe(retried?.wamid);

      await api.post(tenant, '/orders-create', codOrder('ghost-1', `+${ghost}`));
      const [failed] = await eventually(
        'the message to a number not on WhatsApp failed',
        () => api.messages(tenant.id, '&orderId=ghost-1'),
        (items) => items[0]?.state === 'failed',
      );
      expect(failed).toMatchObject({ kind: 'order_confirmed_cod', recipient: ghost, errorCode: 131026, attempts: 1 });
      await api.drained();
      const ghostChat = await api.chat(tenant.id, ghost);
      expect(ghostChat.map((e) => [e.status, e.errorCode])).toEqual([['failed', 131026]]);
      // Failed for good: no retry followed.
      expect((await api.messages(tenant.id, '&orderId=ghost-1'))[0]).toMatchObject({ state: 'failed', attempts: 1 });
    } finally {
      await rules([]);
    }
  });
});

// =======================================================================================

const CRASH_ORDERS = 300;
const CRASH_PHONE_ID = '100000000000001';
const CRASH_ACCESS_TOKEN = 'e2e-crash-access-token';
const CRASH_APP_SECRET = 'e2e-crash-app-secret';
const CRASH_SANDBOX_TENANT = 'crash-store';
/** How long Meta takes to answer a send (see MetaLatency). */
const META_LATENCY_MS = 250;

/**
 * A slow network in front of the standalone sandbox: each request is forwarded at once (so
 * Meta has the message) and its answer handed back `latencyMs` later. A SIGKILL of the
 * service then lands while sends are in flight: Meta accepted them, the answer is lost.
 */
class MetaLatency {
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(target: string, latencyMs: number): Promise<MetaLatency> {
    const upstream = new URL(target);
    const agent = new http.Agent({ keepAlive: true });
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const forward = http.request(
          { agent, host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
          (answer) => {
            const body: Buffer[] = [];
            answer.on('data', (chunk: Buffer) => body.push(chunk));
            answer.on('end', () => {
              setTimeout(() => {
                res.writeHead(answer.statusCode ?? 502, answer.headers);
                res.end(Buffer.concat(body));
              }, latencyMs);
            });
          },
        );
        forward.on('error', () => res.destroy());
        forward.end(Buffer.concat(chunks));
      });
    });
    server.on('close', () => agent.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address !== 'object') throw new Error('the latency proxy has no port');
    return new MetaLatency(server, `http://127.0.0.1:${address.port}`);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** What the database holds at a moment when no service runs. */
function snapshot(file: string, tenantId: string): { messages: Record<string, number>; jobs: Record<string, number> } {
  const db = new BetterSqlite3(file, { fileMustExist: true, readonly: true });
  try {
    const count = (rows: { k: string; n: number }[]) => Object.fromEntries(rows.map((r) => [r.k, r.n]));
    return {
      messages: count(db.prepare('select state as k, count(*) as n from messages where tenant_id = ? group by state').all(tenantId) as { k: string; n: number }[]),
      jobs: count(db.prepare("select kind || ':' || state as k, count(*) as n from jobs group by kind, state").all() as { k: string; n: number }[]),
    };
  } finally {
    db.close();
  }
}

/** Runs `work` over `items`, `concurrency` at a time. */
async function eachConcurrently<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

// Runs alongside the suite above (its own directory, processes and ports): most of its time is
// the restarted service waiting out the job leases of the killed one.
describe('exactly once across a crash (the standalone sandbox as Meta)', { concurrent: true }, () => {
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
    const env = { PORT: String(port), DATABASE_URL: `file:${dbFile}`, ADMIN_TOKEN, ORDERLINE_SECRET, LOG_LEVEL: 'warn' };

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
    const metaChats = async () => parsed<{ items: ChatInfo[] }>(await call(`${meta.url}/sandbox/tenants/${CRASH_SANDBOX_TENANT}/chats`)).items;

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
