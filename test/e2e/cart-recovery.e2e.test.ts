/**
 * Abandoned-cart recovery end to end, on the real clock: the built service (`node
 * dist/src/main.js serve`, `npm run build` first) on a temp SQLite file, real HTTP, WhatsApp
 * played by the built-in sandbox (a tenant without Meta credentials), reminders 2 s and 4 s
 * after the cart. The first reminder reaches the customer with a working /r/{token} link; the
 * order for the same cart token stops the second one, and the cart shows as recovered.
 * Nothing sleeps for a fixed time: every wait polls against a deadline.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/domain/events/fields.js';
import { businessOnBotCart, shopifyOrder } from '../../src/domain/events/fixtures.js';
import { tempDir } from '../support/databases.js';
import { startService, stopAllChildren, waitFor, type ServiceProcess } from '../support/process.js';

const ADMIN_TOKEN = 'e2e-cart-admin-token-0123456789abcdef';
const ORDERLINE_SECRET = 'e2e-cart-orderline-secret-0123456789abcdef';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const SUCCESS = '{"status":"success","statusCode":200}';

interface ChatEntry {
  direction: 'out' | 'in';
  type: string;
  summary: { template?: { name: string; parameters: string[] }; links?: string[] };
}

interface CartView {
  cartKey: string;
  state: string;
  reason: string | null;
  remindersSent: number;
  cartTime: string;
  recovered: { orderId: string | null; value: string | null; currency: string | null; afterReminder: number | null } | null;
}

interface MessageView {
  kind: string;
  state: string;
  createdAt: string;
}

async function call(url: string, init: { headers?: Record<string, string>; json?: JsonObject; redirect?: 'manual' } = {}) {
  const res = await fetch(url, {
    method: init.json === undefined ? 'GET' : 'POST',
    headers: { ...init.headers, ...(init.json === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
    redirect: init.redirect ?? 'follow',
  });
  return { status: res.status, location: res.headers.get('location'), text: await res.text() };
}

async function json<T>(url: string, init: { headers?: Record<string, string>; json?: JsonObject } = {}, status = 200): Promise<T> {
  const reply = await call(url, init);
  if (reply.status !== status) throw new Error(`${url}: expected HTTP ${status}, got ${reply.status}: ${reply.text.slice(0, 500)}`);
  return JSON.parse(reply.text) as T;
}

afterAll(stopAllChildren);

describe('abandoned-cart recovery through the built-in sandbox', () => {
  let dir = '';
  let service: ServiceProcess | undefined;

  afterAll(async () => {
    await service?.stop('SIGTERM');
    if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reminds 2 s after the cart, and the order for the same cart token stops the 4 s reminder and recovers the cart', { timeout: 20_000 }, async () => {
    dir = tempDir('orderline-e2e-carts-');
    service = await startService({
      cwd: dir,
      env: { DATABASE_URL: `file:${path.join(dir, 'orderline.db')}`, ADMIN_TOKEN, ORDERLINE_SECRET, LOG_LEVEL: 'warn' },
    });
    const base = service.url;
    const created = await json<{ tenant: { id: string }; guestKey: string }>(
      `${base}/admin/tenants`,
      { headers: admin, json: { name: 'Cart Cafe', cartRecovery: { reminders: [{ after: '2s' }, { after: '4s' }], quietHours: null } } },
      201,
    );
    const tenantId = created.tenant.id;
    const guest = async (endpoint: string, body: JsonObject) => {
      const reply = await call(`${base}${endpoint}`, { headers: { 'x-guest-id': created.guestKey }, json: body });
      expect(reply.text, endpoint).toBe(SUCCESS);
    };
    const customer = '919876512345';
    // Another customer leaves a cart at the same moment and never orders: both reminders reach them.
    const control = '919876554321';
    const chat = async (phone = customer) => (await json<{ items: ChatEntry[] }>(`${base}/sandbox/tenants/${tenantId}/chats/${phone}`, { headers: admin })).items;
    const reminders = async (phone = customer) => (await chat(phone)).filter((e) => e.direction === 'out' && e.summary.template?.name === 'orderline_cart_reminder');
    const carts = async () => (await json<{ items: CartView[] }>(`${base}/admin/tenants/${tenantId}/carts`, { headers: admin })).items;

    // The cart, left now (the plugin's epoch seconds).
    const cartToken = 'cart-token-e2e-7f3a';
    const recoveryUrl = 'https://woo.example.com/checkout/?recover=e2e-812';
    const cartTime = Math.floor(Date.now() / 1000) * 1000;
    await guest('/abandoned-cart', businessOnBotCart({ cart_token: cartToken, abandoned_cart_time: cartTime / 1000, customer_phone: `+${customer}`, recovery_url: recoveryUrl }));
    await guest('/abandoned-cart', businessOnBotCart({ cart_token: 'cart-token-e2e-control', abandoned_cart_time: cartTime / 1000, customer_phone: `+${control}` }));

    // The first reminder, with its link through /r/{token} to the cart.
    const [first] = await waitFor('the first reminder in the customer chat', async () => {
      const found = await reminders();
      return found.length > 0 ? found : undefined;
    }, { timeoutMs: 8_000, intervalMs: 50 });
    const made = (await json<{ items: MessageView[] }>(`${base}/admin/tenants/${tenantId}/messages?kind=cart_reminder`, { headers: admin })).items;
    for (const m of made) expect(Date.parse(m.createdAt)).toBeGreaterThanOrEqual(cartTime + 2_000);
    expect(first?.summary.template?.parameters).toEqual(['Kabir', 'Steel Bottle × 2', 'Cart Cafe', 'shown at checkout']);
    const link = first?.summary.links?.[0] ?? '';
    expect(link).toMatch(new RegExp(`^${base}/r/[A-Za-z0-9_-]{6,64}$`));
    const followed = await call(link, { redirect: 'manual' });
    expect([followed.status, followed.location]).toEqual([302, recoveryUrl]);

    // The customer orders: the order carries the cart's token.
    await guest('/orders-create', shopifyOrder({ id: 'e2e-order-1', cart_token: cartToken, checkout_token: null, phone: `+${customer}`, created_at: new Date().toISOString() }));
    const recovered = await waitFor('the cart recovered', async () => {
      const cart = (await carts()).find((c) => c.cartKey === cartToken);
      return cart?.state === 'recovered' ? cart : undefined;
    }, { timeoutMs: 5_000, intervalMs: 50 });
    expect(recovered).toMatchObject({
      reason: 'order_by_token',
      remindersSent: 1,
      cartTime: new Date(cartTime).toISOString(),
      recovered: { orderId: 'e2e-order-1', value: '1499.00', currency: 'INR', afterReminder: 1 },
    });

    // Past the second reminder's due time (4 s) by a margin: still one reminder, and no job left for it.
    const deadline = cartTime + 4_000 + 1_500;
    while (Date.now() < deadline) {
      expect(await reminders()).toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const transcript = (await chat()).map((e) => `${e.direction} ${e.summary.template?.name ?? e.type}`);
    expect(transcript).toEqual(['out orderline_cart_reminder', 'out orderline_order_confirmed']);
    // The control customer got the 4 s reminder, so the silence above is the order's doing.
    const controlReminders = await waitFor('the control customer\'s second reminder', async () => {
      const found = await reminders(control);
      return found.length >= 2 ? found : undefined;
    }, { timeoutMs: 3_000, intervalMs: 50 });
    expect(controlReminders).toHaveLength(2);
    const recoveredCart = (await carts()).find((c) => c.cartKey === cartToken);
    expect(recoveredCart?.state).toBe('recovered');
    const stats = await json<{ stats: { carts: Record<string, unknown> } }>(`${base}/admin/tenants/${tenantId}/stats`, { headers: admin });
    expect(stats.stats.carts).toEqual({ carts: 2, remindedCarts: 2, remindersSent: 3, recoveredCarts: 1, recoveredRevenue: { INR: 1499 }, recoveryRate: 0.5 });
  });
});
