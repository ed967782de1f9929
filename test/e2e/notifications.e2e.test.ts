/**
 * Notifications end to end, as a user runs them: the built service (`node dist/src/main.js
 * serve`) on a temp SQLite file, real HTTP on 127.0.0.1, and WhatsApp played by the sandbox
 * built into the service (tenants without Meta credentials). Nothing sleeps for a fixed time:
 * every wait polls with a deadline. Needs `npm run build`. The tests run in order on one
 * service and tenant:
 *
 *  1. A BusinessOnBot COD order, a Shopify prepaid order, its fulfillment and the seed's
 *     delivery events arrive as the right templates, in order, read; link buttons redirect to
 *     the tracking page; a late update and duplicates send nothing.
 *  2. Webhook security: signatures (401), Meta's verification handshake.
 *  3. STOP / START typed by the customer through the sandbox.
 *  4. Retries by Meta error code: a 131000 is retried; a number not on WhatsApp fails (131026).
 *
 * Exactly once across a SIGKILL, with the standalone sandbox as Meta, is in
 * notifications-crash.e2e.test.ts.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessOnBotOrder, seedDeliveryEvent, shopifyFulfillment, shopifyOrder } from '../../src/domain/events/fixtures.js';
import { tempDir } from '../support/databases.js';
import {
  call,
  eventually,
  Orderline,
  parsed,
  sentBody,
  templateNames,
  transcript,
  urlButtonToken,
  type SandboxCounters,
  type Tenant,
} from '../support/e2e-client.js';
import { admin, codOrder, ORDERLINE_SECRET, serviceEnv, STORE, SUCCESS } from '../support/e2e-fixtures.js';
import { sign, statusesWebhook } from '../support/meta-webhooks.js';
import { startService, stopAllChildren, type ServiceProcess } from '../support/process.js';

// The suite stops its own processes; this is the safety net for anything left behind.
afterAll(stopAllChildren);

describe('notifications through the built-in sandbox (one service, tenants without Meta credentials)', () => {
  let dir = '';
  let service: ServiceProcess;
  let api: Orderline;
  let tenant: Tenant;

  beforeAll(async () => {
    dir = tempDir('orderline-e2e-');
    service = await startService({ cwd: dir, env: serviceEnv(dir) });
    api = new Orderline(service.url);
    tenant = await api.createTenant({ name: STORE });
  });
  afterAll(async () => {
    // Undefined when the start failed (stopAllChildren then cleans up).
    await (service as ServiceProcess | undefined)?.stop('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends each event its template, in order per customer, and follows the statuses to read', async () => {
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

  it('refuses unsigned or wrongly signed webhooks with 401, and answers the verification handshake only with the token', async () => {
    const post = (raw: string, signature?: string) =>
      call(`${api.url}/webhooks/whatsapp`, {
        raw,
        headers: { 'content-type': 'application/json', ...(signature === undefined ? {} : { 'x-hub-signature-256': signature }) },
      });
    const unauthorized = { status: 'failure', statusCode: 401, error: 'Unauthorized!!' };
    // A status for a message nobody sent: once the signature is right, the webhook takes it.
    const statusWebhook = (phoneNumberId: string) =>
      JSON.stringify(statusesWebhook(phoneNumberId, [{ id: 'wamid.E2E-NOT-OURS', status: 'sent', timestamp: 1_700_000_000, recipient_id: '919800000001' }]));

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
      verifying = await startService({ cwd: verifyDir, env: serviceEnv(verifyDir, { WHATSAPP_VERIFY_TOKEN: 'T' }) });
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

  it('STOP typed in the sandbox: one confirmation, then nothing until START', async () => {
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

  it('retries by error code: a 131000 once is sent again and delivered; a number not on WhatsApp fails with 131026', async () => {
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
