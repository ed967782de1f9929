/**
 * One realistic run through every admin and sandbox route, for suites that look at what the
 * routes answer rather than at what they do: a Cloud API tenant with every secret, a sandbox
 * tenant with orders, a fulfillment, a delivery update, a cart reminded and recovered, a
 * skipped, a failed-and-retried and a paused send, and a conversation played through the
 * sandbox (menu, COD confirmation, operator take and release). The service listens on a real
 * port, so its sends reach its own sandbox over HTTP and the sandbox's webhooks come back.
 *
 * Records every answer with `recordAnswers`, including what each handler returned before it
 * was serialised (`handed`, absent for answers written as text, as the sandbox's are).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { expect } from 'vitest';
import { businessOnBotCart, businessOnBotOrder, seedDeliveryEvent, shopifyFulfillment } from '../../src/domain/events/fixtures.js';
import { drain, type Harness } from './harness.js';
import { waitFor } from './process.js';

export interface RecordedAnswer {
  method: string;
  /** The route as registered, e.g. `/admin/tenants/:id`. */
  route: string;
  url: string;
  status: number;
  body: string;
  /** JSON.stringify of what the handler returned: the answer as it was before response schemas. */
  handed?: string;
}

/** Hooks `app` (before it is ready) to record every answer into the returned list. */
export function recordAnswers(app: FastifyInstance): RecordedAnswer[] {
  const answers: RecordedAnswer[] = [];
  const handed = new WeakMap<FastifyRequest, string>();
  app.addHook('preSerialization', async (request, _reply, payload) => {
    handed.set(request, JSON.stringify(payload));
    return payload;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (typeof payload === 'string') {
      const before = handed.get(request);
      answers.push({
        method: request.method,
        route: request.routeOptions.url ?? '',
        url: request.url,
        status: reply.statusCode,
        body: payload,
        ...(before === undefined ? {} : { handed: before }),
      });
    }
    return payload;
  });
  return answers;
}

export const FLOW_SECRETS = {
  accessToken: 'EAAG-flow-access-token-7f3a',
  appSecret: 'flow-app-secret-91c2',
  apiKey: 'flow-brand-api-key-5d0e',
  sandboxBrandKey: 'flow-sandbox-brand-key-b81f',
};

/** Customers of the sandbox tenant, as international digits. */
const ASHA = '919812300001';
const KABIR = '919812300002';
const MEERA = '919812300003';
const RAVI = '919812300004';

type Json = Record<string, unknown>;

/**
 * Runs the flow against `app` (listening, `h.orderline` sending to it). Every call must
 * succeed; the answers themselves are for the caller to check through `recordAnswers`.
 */
export async function runAdminFlow(h: Harness, app: FastifyInstance): Promise<{ cloudId: string; shopId: string }> {
  const call = async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<Json> => {
    const res = await app.inject({ method, url, headers: { ...h.admin, ...headers }, ...(payload === undefined ? {} : { payload: payload as Json }) });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json<Json>();
  };
  const guest = async (key: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const res = await app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json', 'x-guest-id': key, ...headers }, payload: raw });
    expect(res.statusCode, `${path}: ${res.body}`).toBe(200);
  };
  let shopId = '';
  const messagesOf = async (tenantId: string) => (await h.orderline.messageOps.list(tenantId, { limit: 200, cursor: null }, {})).items;
  // Sends reach the sandbox over HTTP and its status webhooks come back within a second: runs
  // jobs until the sandbox tenant's messages are all settled and stay as they are.
  const settle = async () => {
    let before = '';
    await waitFor(
      'the messages to settle',
      async () => {
        // Postponed sends (one customer's messages go in order) come due on the manual clock.
        await drain(h, 60_000);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const states = (await messagesOf(shopId)).map((m) => `${m.id}:${m.state}`).join(' ');
        const done = states === before && !/:(queued|sending|accepted|sent|delivered)\b/.test(states);
        before = states;
        return done ? true : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 1 },
    );
  };

  // A Cloud API tenant with every secret and a template mapping of its own: it never sends here.
  const created = await call('POST', '/admin/tenants', {
    name: 'Cloud Co',
    whatsapp: { phoneNumberId: '5550001', accessToken: FLOW_SECRETS.accessToken, appSecret: FLOW_SECRETS.appSecret },
    brandApi: { baseUrl: 'https://brand.example', apiKey: FLOW_SECRETS.apiKey, phoneFormat: 'e164' },
    notifications: {
      order_delivered: {
        enabled: true,
        template: {
          name: 'cloud_delivered',
          language: 'en',
          body: ['customer.firstName', { value: '{{order.number}}', fallback: 'your order' }],
          layout: { bodyParams: 2 },
        },
      },
    },
  });
  const cloudId = (created.tenant as Json).id as string;
  await call('GET', `/admin/tenants/${cloudId}`);
  await call('PATCH', `/admin/tenants/${cloudId}`, { cartRecovery: { discountCode: 'SAVE10', quietHours: null }, bot: { texts: { greeting: 'Namaste{name}!' } } });
  await call('POST', `/admin/tenants/${cloudId}/guest-keys`, { gracePeriod: '10m' });

  // A sandbox tenant: its sends go to the built-in sandbox on this same service.
  const shop = await call('POST', '/admin/tenants', {
    name: 'Chai Co',
    brandApi: { baseUrl: 'https://chai.example', apiKey: FLOW_SECRETS.sandboxBrandKey },
    cartRecovery: { quietHours: null },
  });
  shopId = (shop.tenant as Json).id as string;
  const key = shop.guestKey as string;
  await call('GET', '/admin/tenants?limit=1');
  await call('GET', '/admin/tenants');

  // Events: a COD order (with an Idempotency-Key), one without a phone (skipped), a fulfillment,
  // delivery updates (one for an order id beyond 2^53, kept exactly) and an abandoned cart.
  await guest(key, '/orders-create', businessOnBotOrder({ id: '5001', name: '#5001', phone: `+${ASHA}` }), { 'idempotency-key': 'flow-order-5001' });
  await guest(key, '/orders-create', businessOnBotOrder({ id: '5002', name: '#5002', phone: null, shippingAddress: null }));
  await guest(key, '/fulfillments-create', shopifyFulfillment({ id: 'F-1', order_id: '5001', destination: { phone: `+${ASHA}` } }));
  await guest(key, '/fulfillments-events-create', seedDeliveryEvent({ id: '5001', fulfillment_id: 'F-1', status: 'Dispatched', delivered_at: h.clock.now().toISOString() }));
  await guest(key, '/fulfillments-events-create', '{"id":9007199254740993123,"fulfillment_id":"F-9","status":"in transit"}');
  const cartTime = Math.floor(h.clock.now().getTime() / 1000);
  await guest(key, '/abandoned-cart', businessOnBotCart({ abandoned_cart_id: 901, abandoned_cart_time: cartTime, customer_phone: KABIR.slice(2) }));
  await settle();

  // The customer writes, then confirms the COD order; an operator takes over and hands back.
  await call('POST', `/sandbox/tenants/${shopId}/inbound`, { from: `+${ASHA}`, text: 'hi', name: 'Asha' });
  await settle();
  await call('POST', `/sandbox/tenants/${shopId}/inbound`, { buttonId: 'cod_confirm:5001' });
  await settle();
  const conversations = (await call('GET', `/admin/tenants/${shopId}/conversations`)).items as Json[];
  const cid = conversations[0]?.id as string;
  await call('POST', `/admin/tenants/${shopId}/conversations/${cid}/take`);
  await call('POST', `/admin/tenants/${shopId}/conversations/${cid}/release`);
  await settle();
  await call('GET', `/admin/tenants/${shopId}/orders/5001`);
  // Meta tells the account a template was paused: the sandbox plays it under the tenant's WABA id.
  await call('PATCH', `/admin/tenants/${shopId}`, { whatsapp: { businessAccountId: '102290129340398' } });
  await call('POST', `/sandbox/tenants/${shopId}/account-webhook`, {
    field: 'message_template_status_update',
    value: { event: 'PAUSED', message_template_id: 7001, message_template_name: 'orderline_order_shipped', message_template_language: 'en', reason: 'NONE' },
  });
  await settle();

  // The cart's first reminder (30 minutes on), then an order from the same customer recovers it.
  await drain(h, 31 * 60_000);
  await settle();
  await guest(key, '/orders-create', businessOnBotOrder({ id: '5003', name: '#5003', phone: `+${KABIR}`, total_amount: '698.00', createdAt: h.clock.now().toISOString() }));
  await settle();

  // A send Meta refuses (an alert), retried by the operator; then one with a refused token (paused).
  await call('POST', '/sandbox/graph/_rules', [
    { to: MEERA, times: 1, respond: { httpStatus: 400, code: 132000, message: 'Number of parameters does not match the expected number of params' } },
    { to: RAVI, respond: { httpStatus: 401, code: 190, message: 'Error validating access token' } },
  ]);
  await guest(key, '/orders-create', businessOnBotOrder({ id: '5004', name: '#5004', phone: `+${MEERA}` }));
  await settle();
  const failed = (await messagesOf(shopId)).find((m) => m.orderId === '5004' && m.state === 'failed');
  expect(failed, 'the refused send').toBeDefined();
  await call('POST', `/admin/messages/${failed?.id ?? ''}/retry`);
  await settle();
  await guest(key, '/orders-create', businessOnBotOrder({ id: '5005', name: '#5005', phone: `+${RAVI}` }));
  // Its send waits, queued, for a new access token.
  await waitFor('sending paused', async () => {
    await drain(h);
    return (await h.orderline.alerts.sendingPaused(shopId)) ?? undefined;
  });
  await call('GET', '/sandbox/graph/_rules');
  await call('GET', '/sandbox/graph/_stats');

  // Everything read back.
  await call('GET', `/admin/tenants/${shopId}`);
  const events = await call('GET', `/admin/tenants/${shopId}/events?limit=3`);
  await call('GET', `/admin/tenants/${shopId}/events?kind=delivery_updated`);
  await call('GET', `/admin/tenants/${shopId}/events?kind=order_created`);
  await call('GET', `/admin/tenants/${shopId}/events/${(events.items as Json[])[0]?.id as string}`);
  for (const m of await messagesOf(shopId)) await call('GET', `/admin/tenants/${shopId}/messages/${m.id}`);
  await call('GET', `/admin/tenants/${shopId}/messages?limit=2`);
  await call('GET', `/admin/tenants/${shopId}/carts`);
  await call('GET', `/admin/tenants/${shopId}/alerts`);
  await call('GET', `/admin/tenants/${shopId}/stats`);
  await call('GET', `/admin/tenants/${shopId}/conversations`);
  await call('GET', `/admin/tenants/${shopId}/orders/5003`);
  await call('GET', `/sandbox/tenants/${shopId}/chats?limit=1`);
  await call('GET', `/sandbox/tenants/${shopId}/chats`);
  for (const phone of [ASHA, KABIR, MEERA]) await call('GET', `/sandbox/tenants/${shopId}/chats/${phone}`);
  await call('GET', `/admin/tenants/${cloudId}/stats`);
  await call('GET', `/admin/tenants/${cloudId}/alerts`);
  return { cloudId, shopId };
}
