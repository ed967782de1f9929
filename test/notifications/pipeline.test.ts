/**
 * The notification pipeline on real SQLite and PostgreSQL with a manual clock: events become
 * the right template messages (or recorded skips), statuses from signed webhooks move them
 * forward, and the rules (duplicates, cancellations, opt-outs, ordering) hold.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { businessOnBotOrder, seedDeliveryEvent, shopifyFulfillment, shopifyOrder } from '../../src/domain/events/fixtures.js';
import { databaseTargets } from '../support/databases.js';
import { createTenant, drain, postEvent, startHarness, type Harness } from '../support/harness.js';
import { postWebhook, preferencesWebhook, statusesWebhook, textWebhook } from '../support/meta-webhooks.js';
import { ScriptedSender } from '../support/scripted-sender.js';
import { replayEvents } from '../../src/use-cases/replay-events.js';
import { PROCESS_EVENT_JOB } from '../../src/use-cases/ingest-event.js';
import { SEND_MESSAGE_JOB } from '../../src/use-cases/plan-notifications.js';
import type { MessageView } from '../support/e2e-client.js';

let seq = 0;
const uid = (p: string) => `${p}${Date.now()}${++seq}`;
/** A fresh valid Indian mobile per test, so customers never share pacing or opt-outs. */
const phone = () => `98${String(10_000_000 + (++seq % 89_999_999)).padStart(8, '0')}`;

/** A row of GET /admin/tenants/{id}/messages. */
type MessageJson = MessageView & { eventUrl: string | null };

describe.each(databaseTargets())('notification pipeline on $name', (factory) => {
  describe.skipIf(factory.skip)('', () => {
    let h: Harness;
    let sender: ScriptedSender;
    let tenant: { id: string; guestKey: string; phoneNumberId: string };

    beforeAll(async () => {
      sender = new ScriptedSender();
      h = await startHarness(factory, {}, { sender, inDoubtWaitMs: 60_000 });
      const created = await createTenant(h, { name: 'Chai Co' });
      const view = await h.orderline.tenants.get(created.id);
      tenant = { ...created, phoneNumberId: view.whatsapp.phoneNumberId! };
    });
    afterAll(async () => h?.close());

    async function messages(filter = ''): Promise<MessageJson[]> {
      const res = await h.app.inject({ method: 'GET', url: `/admin/tenants/${tenant.id}/messages?limit=200${filter}`, headers: h.admin });
      expect(res.statusCode).toBe(200);
      return res.json<{ items: MessageJson[] }>().items;
    }
    const forOrder = async (orderId: string) => messages(`&orderId=${orderId}`);

    it('sends a COD order its confirmation with Confirm and Cancel buttons, to the E.164 digits', async () => {
      const id = uid('ord');
      const to = phone();
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, name: '#1581', fullyPaid: false, phone: to }));
      await drain(h);
      const [message] = await forOrder(id);
      expect(message).toMatchObject({ kind: 'order_confirmed_cod', state: 'accepted', recipient: `91${to}` });
      const request = sender.to(`91${to}`).at(-1)!;
      expect(request.account).toMatchObject({ phoneNumberId: tenant.phoneNumberId, tenantId: tenant.id });
      expect(request.message).toMatchObject({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: `91${to}`,
        type: 'template',
        biz_opaque_callback_data: message!.id,
      });
      const template = request.message.template as NonNullable<MessageJson['body']>['template'];
      expect(template?.name).toBe('orderline_order_confirmed_cod');
      const buttons = template?.components.filter((c) => c.type === 'button');
      expect(buttons?.map((b) => [b.sub_type, b.parameters[0]?.payload])).toEqual([
        ['quick_reply', `cod_confirm:${id}`],
        ['quick_reply', `cod_cancel:${id}`],
      ]);
      const body = template?.components.find((c) => c.type === 'body');
      expect(body?.parameters.map((p) => p.text)).toContain('#1581');
      expect(message!.eventUrl).toMatch(new RegExp(`^/admin/tenants/${tenant.id}/events/evt_`));
    });

    it("writes money in the tenant's locale", async () => {
      const german = await createTenant(h, { name: 'Berlin Shop', locale: 'de-DE' });
      const id = uid('ord');
      const to = phone();
      await postEvent(h, german.guestKey, '/orders-create', businessOnBotOrder({ id, phone: to, total_amount: '1499.5', currencyCode: 'EUR' }));
      await drain(h);
      const template = sender.to(`91${to}`).at(-1)!.message.template as NonNullable<MessageJson['body']>['template'];
      const params = template?.components.find((c) => c.type === 'body')?.parameters.map((p) => p.text);
      expect(params).toContain('1.499,50\u00a0€');
      // The default, en-IN.
      const other = uid('ord');
      const again = phone();
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id: other, phone: again, total_amount: '149999', currencyCode: 'INR' }));
      await drain(h);
      const indian = sender.to(`91${again}`).at(-1)!.message.template as NonNullable<MessageJson['body']>['template'];
      expect(indian?.components.find((c) => c.type === 'body')?.parameters.map((p) => p.text)).toContain('₹1,49,999.00');
    });

    it('sends a prepaid Shopify order the plain confirmation, once however often the event comes', async () => {
      const id = uid('9');
      const body = shopifyOrder({ id, phone: `+91${phone()}`, financial_status: 'paid', payment_gateway_names: ['razorpay'] });
      for (let i = 0; i < 3; i++) await postEvent(h, tenant.guestKey, '/orders-create', body);
      await drain(h);
      const all = await forOrder(id);
      expect(all.map((m) => [m.kind, m.state])).toEqual([['order_confirmed', 'accepted']]);
      expect(sender.sent.filter((s) => (s.message.biz_opaque_callback_data as string) === all[0]!.id)).toHaveLength(1);
    });

    it('finishes its jobs in the commits of their work: the event job with the plan, the send job with the acceptance', async () => {
      const id = uid('ord');
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, phone: phone() }));
      const jobsOf = (kind: string) =>
        h.orderline.connection.db.selectFrom('jobs').select('id').where('tenant_id', '=', tenant.id).where('kind', '=', kind).execute();
      const [eventJob] = await jobsOf(PROCESS_EVENT_JOB);
      expect(eventJob).toBeDefined();
      const completeMany = vi.spyOn(h.orderline.queue, 'completeMany');
      try {
        // One round: the event job plans; the send job it queued is claimed in the next.
        await h.orderline.runner.runOnce();
        expect(await jobsOf(PROCESS_EVENT_JOB)).toEqual([]);
        const [planned] = await forOrder(id);
        expect(planned?.state).toBe('queued');
        const [sendJob] = await jobsOf(SEND_MESSAGE_JOB);
        expect(sendJob).toBeDefined();

        await h.orderline.runner.runOnce();
        expect((await forOrder(id)).map((m) => m.state)).toEqual(['accepted']);
        expect(await jobsOf(SEND_MESSAGE_JOB)).toEqual([]);
        const completedByRunner = completeMany.mock.calls.flatMap((call) => [...call[0]]);
        expect(completedByRunner).not.toContain(eventJob!.id);
        expect(completedByRunner).not.toContain(sendJob!.id);
      } finally {
        completeMany.mockRestore();
      }
    });

    it("leads a delivery message's link to the tracking page its shipment brought after it, though the link was made without one", async () => {
      const id = uid('ord');
      const fulfillmentId = uid('ful');
      // An order with no tracking of its own yet.
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, phone: phone(), shipment_details: null }));
      // The courier's "dispatched" comes before the shipment itself (senders reorder).
      await postEvent(h, tenant.guestKey, '/fulfillments-events-create', seedDeliveryEvent({ id, fulfillment_id: fulfillmentId, status: 'Dispatched' }));
      await drain(h, 60_000);
      const dispatched = (await forOrder(id)).find((m) => m.kind === 'order_dispatched')!;
      const token = dispatched.body?.template?.components.find((c) => c.type === 'button' && c.sub_type === 'url')?.parameters[0]?.text;
      expect(token).toMatch(/^[A-Za-z0-9_-]{12}$/);
      const before = await h.app.inject({ method: 'GET', url: `/r/${token}` });
      expect([before.statusCode, before.body]).toEqual([200, expect.stringContaining('has not shared a tracking page') as unknown]);
      await postEvent(h, tenant.guestKey, '/fulfillments-create', shopifyFulfillment({ id: fulfillmentId, order_id: id, tracking_url: 'https://track.example/LATE1' }));
      await drain(h, 60_000);
      const after = await h.app.inject({ method: 'GET', url: `/r/${token}` });
      expect([after.statusCode, after.headers.location]).toEqual([302, 'https://track.example/LATE1']);
      const [kept] = await h.orderline.connection.db.selectFrom('links').select('target').where('token', '=', token!).execute();
      expect(kept?.target).toBe('https://track.example/LATE1');
    });

    it('links the shipped message to the tracking page through /r/{token}, counting clicks', async () => {
      const id = uid('ord');
      const to = phone();
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, phone: to }));
      await postEvent(h, tenant.guestKey, '/fulfillments-create', shopifyFulfillment({ id: uid('ful'), order_id: id, tracking_url: 'https://track.example/AWB123', tracking_company: 'Delhivery', tracking_number: 'AWB123' }));
      await drain(h, 60_000);
      const shipped = (await forOrder(id)).find((m) => m.kind === 'order_shipped')!;
      expect(shipped.state).toBe('accepted');
      const button = shipped.body?.template?.components.find((c) => c.type === 'button' && c.sub_type === 'url');
      const token = button?.parameters[0]?.text;
      expect(token).toMatch(/^[A-Za-z0-9_-]{12}$/);
      const body = shipped.body?.template?.components.find((c) => c.type === 'body');
      expect(body?.parameters.map((p) => p.text)).toEqual(expect.arrayContaining(['Delhivery', 'AWB123']));
      const follow = await h.app.inject({ method: 'GET', url: `/r/${token}` });
      expect(follow.statusCode).toBe(302);
      expect(follow.headers.location).toBe('https://track.example/AWB123');
      const clicks = async () =>
        (await h.app.inject({ method: 'GET', url: `/admin/tenants/${tenant.id}/stats`, headers: h.admin })).json<{ stats: { messages: Record<string, { linkClicks: number }> } }>().stats
          .messages.order_shipped?.linkClicks ?? 0;
      const counted = await clicks();
      expect(counted).toBeGreaterThanOrEqual(1);
      // A HEAD (a link preview, a crawler) is answered alike but is not a click.
      const peek = await h.app.inject({ method: 'HEAD', url: `/r/${token}` });
      expect([peek.statusCode, peek.headers.location]).toEqual([302, 'https://track.example/AWB123']);
      expect(await clicks()).toBe(counted);
      await h.app.inject({ method: 'GET', url: `/r/${token}` });
      expect(await clicks()).toBe(counted + 1);
      expect((await h.app.inject({ method: 'GET', url: '/r/unknown-token-1' })).statusCode).toBe(404);
    });

    it("leads a link only to a web page: a tracking URL without a scheme, with a line break, or not http(s) is made usable or passed over", async () => {
      const id = uid('9');
      const statusPage = 'https://shop.example.com/orders/abc';
      await postEvent(h, tenant.guestKey, '/orders-create', shopifyOrder({ id, phone: `+91${phone()}`, order_status_url: statusPage }));
      const written = { noScheme: 'www.delhivery.com/track/package/123', broken: ' https://track.example/a b?c=\n1 ', script: 'javascript:alert(document.cookie)' };
      const fulfillments = Object.fromEntries(Object.keys(written).map((k) => [k, uid('ful')]));
      for (const [k, url] of Object.entries(written)) {
        await postEvent(h, tenant.guestKey, '/fulfillments-create', shopifyFulfillment({ id: fulfillments[k], order_id: id, tracking_url: url, tracking_urls: [url] }));
      }
      await drain(h, 120_000);
      const follow = async (fulfillmentKey: string) => {
        const events = (await h.app.inject({ method: 'GET', url: `/admin/tenants/${tenant.id}/events?limit=200`, headers: h.admin })).json<{ items: { id: string; resourceKey: string }[] }>().items;
        const eventId = events.find((e) => e.resourceKey === fulfillments[fulfillmentKey])!.id;
        const shipped = (await forOrder(id)).find((m) => m.kind === 'order_shipped' && m.eventUrl?.endsWith(`/events/${eventId}`) === true)!;
        const token = shipped.body?.template?.components.find((c) => c.type === 'button')?.parameters[0]?.text;
        const res = await h.app.inject({ method: 'GET', url: `/r/${token}` });
        return [res.statusCode, res.headers.location];
      };
      // Was a Location of "www.delhivery.com/…", read by the browser as a path on Orderline's host.
      expect(await follow('noScheme')).toEqual([302, 'https://www.delhivery.com/track/package/123']);
      // Was a 500: a header cannot hold the line break.
      expect(await follow('broken')).toEqual([302, 'https://track.example/a%20b?c=1']);
      // Was a redirect to javascript:; the order's status page is the next link it has.
      expect(await follow('script')).toEqual([302, statusPage]);

      // A link stored before targets were checked is answered, not a 500.
      const token = 'oldlink-' + String(seq++);
      await h.orderline.links.create({ token, tenantId: tenant.id, messageId: 'msg_old', target: 'https://track.example/x\ny', createdAt: new Date() });
      const old = await h.app.inject({ method: 'GET', url: `/r/${token}` });
      expect([old.statusCode, old.headers.location]).toEqual([302, 'https://track.example/xy']);
    });

    it('maps the four delivery statuses, sends nothing for a stale one, and says when the order is unknown', async () => {
      const id = uid('ord');
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, phone: phone(), fullyPaid: true }));
      for (const status of ['Dispatched', 'In-transit', 'Delivered', 'In-transit', 'Returned']) {
        await postEvent(h, tenant.guestKey, '/fulfillments-events-create', seedDeliveryEvent({ id, fulfillment_id: 'f1', status, delivery_id: uid('d') }));
      }
      await drain(h, 120_000);
      const kinds = (await forOrder(id)).map((m) => m.kind).sort();
      expect(kinds).toEqual(['order_confirmed', 'order_delivered', 'order_dispatched', 'order_in_transit', 'order_returned']);

      const unknown = uid('ghost');
      await postEvent(h, tenant.guestKey, '/fulfillments-events-create', seedDeliveryEvent({ id: unknown, fulfillment_id: 'f1', status: 'Delivered' }));
      await drain(h);
      expect((await forOrder(unknown)).map((m) => [m.state, m.skipReason])).toEqual([['skipped', 'unknown_order']]);
    });

    it('sends no "shipped" for a fulfillment that arrives after its shipment was delivered or returned; after dispatched or in transit it is still news', async () => {
      const id = uid('ord');
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, phone: phone(), fullyPaid: true }));
      const [delivered, returned, moving] = [uid('fd'), uid('fr'), uid('fm')];
      await postEvent(h, tenant.guestKey, '/fulfillments-events-create', seedDeliveryEvent({ id, fulfillment_id: delivered, status: 'Delivered', delivery_id: uid('d') }));
      await postEvent(h, tenant.guestKey, '/fulfillments-events-create', seedDeliveryEvent({ id, fulfillment_id: returned, status: 'Returned', delivery_id: uid('d') }));
      await postEvent(h, tenant.guestKey, '/fulfillments-events-create', seedDeliveryEvent({ id, fulfillment_id: moving, status: 'In-transit', delivery_id: uid('d') }));
      // The brand's fulfillments-create, retried late: after each shipment's updates.
      for (const f of [delivered, returned, moving]) {
        await postEvent(h, tenant.guestKey, '/fulfillments-create', shopifyFulfillment({ id: f, order_id: id, tracking_number: `AWB-${f}` }));
      }
      await drain(h, 120_000);
      const shipped = (await forOrder(id)).filter((m) => m.kind === 'order_shipped');
      expect(shipped).toHaveLength(1);
      const params = shipped[0]!.body?.template?.components.find((c) => c.type === 'body')?.parameters.map((p) => p.text);
      expect(params).toContain(`AWB-${moving}`);
      const events = (await h.app.inject({ method: 'GET', url: `/admin/tenants/${tenant.id}/events?limit=200`, headers: h.admin })).json<{ items: { kind: string; resourceKey: string; outcome: string }[] }>().items;
      const outcome = (f: string) => events.find((e) => e.kind === 'fulfillment_created' && e.resourceKey === f)?.outcome;
      expect([outcome(delivered), outcome(returned), outcome(moving)]).toEqual(['stale', 'stale', 'accepted']);
    });

    it("writes to the next phone the order or shipment gives when the first is unusable, not to nobody", async () => {
      const id = uid('9');
      const shipTo = phone();
      // Shopify's top-level phone, first in the brief's order, holds junk; the address the real number.
      await postEvent(h, tenant.guestKey, '/orders-create', shopifyOrder({ id, phone: '1234567', shipping_address: { first_name: 'Lea', phone: `+91 ${shipTo}` } }));
      const other = uid('9');
      const destination = phone();
      await postEvent(h, tenant.guestKey, '/orders-create', shopifyOrder({ id: other, phone: '99999', shipping_address: null, billing_address: null, customer: null }));
      await postEvent(h, tenant.guestKey, '/fulfillments-create', shopifyFulfillment({ id: uid('ful'), order_id: other, destination: { phone: destination } }));
      await drain(h, 60_000);
      expect((await forOrder(id)).map((m) => [m.kind, m.state, m.recipient])).toEqual([['order_confirmed', 'accepted', `91${shipTo}`]]);
      const shipped = (await forOrder(other)).map((m) => [m.kind, m.state, m.skipReason, m.recipient]).sort();
      expect(shipped).toEqual([
        ['order_confirmed', 'skipped', 'invalid_phone:invalid', null],
        ['order_shipped', 'accepted', null, `91${destination}`],
      ]);
    });

    it("reads a national number in the country the order ships to, not the tenant's (an Indian brand shipping to Dubai)", async () => {
      // A fresh Emirati mobile ("050 xxx xxxx"): invalid as an Indian number.
      const local = `050 ${String(1_000_000 + (++seq % 8_999_999)).padStart(7, '0')}`;
      const digits = `971${local.replace(/\D/g, '').slice(1)}`;
      const id = uid('9');
      const dubai = { first_name: 'Omar', address1: 'Marina Walk', city: 'Dubai', country: 'United Arab Emirates', country_code: 'AE', phone: local };
      await postEvent(h, tenant.guestKey, '/orders-create', shopifyOrder({ id, phone: null, customer: null, billing_address: null, shipping_address: dubai }));
      // A number valid in India and the US alike goes to the US customer its address names.
      const both = `2025${String(++seq % 1_000_000).padStart(6, '0')}`;
      const american = uid('9');
      await postEvent(h, tenant.guestKey, '/orders-create', shopifyOrder({ id: american, phone: both, customer: null, billing_address: null, shipping_address: { first_name: 'Ann', country: 'United States', phone: null } }));
      await drain(h);
      expect((await forOrder(id)).map((m) => [m.kind, m.state, m.recipient])).toEqual([['order_confirmed', 'accepted', digits]]);
      expect(sender.to(digits).at(-1)!.message.to).toBe(digits);
      expect((await forOrder(american)).map((m) => m.recipient)).toEqual([`1${both}`]);
      // Shopify's top-level phone holding junk: the address's number, still read as Emirati.
      const junkFirst = uid('9');
      const other = `050 ${String(1_000_000 + (++seq % 8_999_999)).padStart(7, '0')}`;
      await postEvent(h, tenant.guestKey, '/orders-create', shopifyOrder({ id: junkFirst, phone: '1234567', customer: null, billing_address: null, shipping_address: { ...dubai, phone: other } }));
      await drain(h);
      expect((await forOrder(junkFirst)).map((m) => m.recipient)).toEqual([`971${other.replace(/\D/g, '').slice(1)}`]);
      // A shipment's destination phone, read in the destination's country.
      const shippedOnly = uid('9');
      const atDestination = `056 ${String(1_000_000 + (++seq % 8_999_999)).padStart(7, '0')}`;
      await postEvent(h, tenant.guestKey, '/orders-create', shopifyOrder({ id: shippedOnly, phone: '99999', shipping_address: null, billing_address: null, customer: null }));
      await postEvent(h, tenant.guestKey, '/fulfillments-create', shopifyFulfillment({ id: uid('ful'), order_id: shippedOnly, destination: { phone: atDestination, country_code: 'AE' } }));
      await drain(h, 60_000);
      const shipped = (await forOrder(shippedOnly)).find((m) => m.kind === 'order_shipped');
      expect([shipped?.state, shipped?.recipient]).toEqual(['accepted', `971${atDestination.replace(/\D/g, '').slice(1)}`]);
    });

    it('reads the phone of a cancellation that names no country in the country of the order it cancels', async () => {
      const local = `055 ${String(1_000_000 + (++seq % 8_999_999)).padStart(7, '0')}`;
      const digits = `971${local.replace(/\D/g, '').slice(1)}`;
      const id = uid('9');
      const bare = { customer: null, billing_address: null, phone: local };
      await postEvent(h, tenant.guestKey, '/orders-create', shopifyOrder({ id, ...bare, shipping_address: { city: 'Abu Dhabi', country_code: 'AE' } }));
      await postEvent(h, tenant.guestKey, '/orders-cancelled', shopifyOrder({ id, ...bare, shipping_address: null, cancelled_at: '2026-03-01T09:00:00Z', cancel_reason: 'customer' }));
      await drain(h, 60_000);
      expect((await forOrder(id)).map((m) => [m.kind, m.state, m.recipient]).sort()).toEqual([
        ['order_cancelled', 'accepted', digits],
        ['order_confirmed', 'accepted', digits],
      ]);
    });

    it("uses the tenant's own template mapping when it has one", async () => {
      const custom = await createTenant(h, {
        name: 'Own Templates',
        notifications: {
          order_confirmed: {
            template: { name: 'thanks_v2', language: 'hi', body: ['order.number', { value: '{{customer.firstName}}', fallback: 'friend' }], layout: { bodyParams: 2 } },
          },
        },
      });
      const to = phone();
      await postEvent(h, custom.guestKey, '/orders-create', businessOnBotOrder({ id: uid('ord'), name: '#77', phone: to, fullyPaid: true, shippingAddress: { name: null, phone: to } }));
      await drain(h);
      const template = sender.to(`91${to}`)[0]?.message.template;
      expect(template).toEqual({
        name: 'thanks_v2',
        language: { code: 'hi' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: '#77' }, { type: 'text', text: expect.any(String) as unknown }] }],
      });
    });

    it('records skips with reasons: no phone, a cancelled order, a disabled kind', async () => {
      const noPhone = uid('ord');
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id: noPhone, phone: null, shippingAddress: { name: 'A', phone: null } }));
      const cancelled = uid('ord');
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id: cancelled, phone: phone() }));
      await postEvent(h, tenant.guestKey, '/orders-cancelled', businessOnBotOrder({ id: cancelled, cancelledAt: '2026-03-01T09:00:00Z' }));
      await postEvent(h, tenant.guestKey, '/fulfillments-create', shopifyFulfillment({ id: uid('ful'), order_id: cancelled }));
      await drain(h, 60_000);
      expect((await forOrder(noPhone)).map((m) => m.skipReason)).toEqual(['no_phone']);
      // Its event job finished at once: no failed attempts (an order with nothing to find its
      // abandoned cart by once failed in cart recovery, after its skip was stored).
      const failedEventJobs = await h.orderline.connection.db
        .selectFrom('jobs')
        .select('last_error')
        .where('tenant_id', '=', tenant.id)
        .where('kind', '=', PROCESS_EVENT_JOB)
        .where('last_error', 'is not', null)
        .execute();
      expect(failedEventJobs).toEqual([]);
      const afterCancel = await forOrder(cancelled);
      expect(afterCancel.find((m) => m.kind === 'order_cancelled')?.state).toBe('accepted');
      expect(afterCancel.find((m) => m.kind === 'order_shipped')?.skipReason).toBe('order_cancelled');

      const quiet = await createTenant(h, { name: 'Quiet', notifications: { order_confirmed: { enabled: false } } });
      const id = uid('ord');
      await postEvent(h, quiet.guestKey, '/orders-create', businessOnBotOrder({ id, phone: phone(), fullyPaid: true }));
      await drain(h);
      const res = await h.app.inject({ method: 'GET', url: `/admin/tenants/${quiet.id}/messages`, headers: h.admin });
      expect(res.json<{ items: MessageJson[] }>().items.map((m) => [m.kind, m.skipReason])).toEqual([['order_confirmed', 'kind_disabled']]);
    });

    it("takes a webhook only with the secret of every tenant it speaks for: one tenant's secret never vouches for another's entries", async () => {
      const number = () => `7${Date.now()}${++seq}`.slice(0, 15);
      const b = { ...(await createTenant(h, { name: 'B', whatsapp: { phoneNumberId: number(), accessToken: 'token-b', appSecret: 'secret-of-b' } })) };
      const c = { ...(await createTenant(h, { name: 'C', whatsapp: { phoneNumberId: number(), accessToken: 'token-c', appSecret: 'secret-of-c' } })) };
      const bNumber = (await h.orderline.tenants.get(b.id)).whatsapp.phoneNumberId!;
      const cNumber = (await h.orderline.tenants.get(c.id)).whatsapp.phoneNumberId!;
      const customer = `91${phone()}`;
      const forB = textWebhook(bNumber, customer, 'STOP', uid('wamid.B'));
      const forC = textWebhook(cNumber, customer, 'hello', uid('wamid.C'));
      const both = { ...forB, entry: [...forB.entry, ...forC.entry] };
      expect((await postWebhook(h, bNumber, both, 'secret-of-c')).statusCode).toBe(401);
      expect((await postWebhook(h, bNumber, both, 'secret-of-b')).statusCode).toBe(401);
      expect((await postWebhook(h, bNumber, forB, 'secret-of-c')).statusCode).toBe(401);
      await drain(h);
      const inbound = await h.orderline.connection.db.selectFrom('inbound_messages').select('tenant_id').where('customer', '=', customer).execute();
      expect(inbound).toEqual([]);
      expect((await postWebhook(h, bNumber, forB, 'secret-of-b')).statusCode).toBe(200);
      await drain(h);
      const stored = await h.orderline.connection.db.selectFrom('inbound_messages').select('tenant_id').where('customer', '=', customer).execute();
      expect(stored.map((r) => r.tenant_id)).toEqual([b.id]);
    });

    it('applies the statuses of a webhook that fit, skipping one whose timestamp does not read, and stores text holding U+0000', async () => {
      const id = uid('ord');
      const to = phone();
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, phone: to }));
      await drain(h);
      const [message] = await forOrder(id);
      const body = statusesWebhook(tenant.phoneNumberId, [{ id: message!.wamid!, status: 'delivered' }]);
      const value = body.entry[0]!.changes[0]!.value as unknown as { statuses: Record<string, unknown>[] };
      value.statuses.push({ id: message!.wamid!, status: 'read', timestamp: 'soon', recipient_id: `91${to}` });
      expect((await postWebhook(h, tenant.phoneNumberId, body)).statusCode).toBe(200);
      expect((await postWebhook(h, tenant.phoneNumberId, textWebhook(tenant.phoneNumberId, `91${to}`, 'where is \u0000 my order', uid('wamid.nul')))).statusCode).toBe(200);
      await drain(h);
      expect((await forOrder(id))[0]?.state).toBe('delivered');
      const failed = await h.orderline.connection.db
        .selectFrom('jobs')
        .select(['kind', 'last_error'])
        .where('tenant_id', 'is', null)
        .where('last_error', 'is not', null)
        .execute();
      expect(failed.filter((j) => j.kind === 'webhook.process')).toEqual([]);
      const texts = await h.orderline.connection.db.selectFrom('inbound_messages').select('text').where('customer', '=', `91${to}`).execute();
      expect(texts.map((t) => t.text)).toEqual(['where is \ufffd my order']);
    });

    it('applies the statuses of one webhook in the order they happened: a failure first is final; a failure after read leaves no error', async () => {
      const orders = [uid('ord'), uid('ord')];
      for (const id of orders) await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, phone: phone() }));
      await drain(h);
      const [first, second] = await Promise.all(orders.map(async (id) => (await forOrder(id))[0]!));
      const undeliverable = [{ code: 131026, title: 'Message undeliverable' }];
      // Stored in another order than they happened (the statuses table is keyed by wamid and status).
      await postWebhook(h, tenant.phoneNumberId, statusesWebhook(tenant.phoneNumberId, [
        { id: first!.wamid!, status: 'delivered', timestamp: 1_772_360_101 },
        { id: first!.wamid!, status: 'failed', timestamp: 1_772_360_100, errors: undeliverable },
      ]));
      await postWebhook(h, tenant.phoneNumberId, statusesWebhook(tenant.phoneNumberId, [
        { id: second!.wamid!, status: 'read', timestamp: 1_772_360_100 },
        { id: second!.wamid!, status: 'failed', timestamp: 1_772_360_101, errors: undeliverable },
      ]));
      await drain(h);
      const detail = async (id: string) =>
        (await h.app.inject({ method: 'GET', url: `/admin/tenants/${tenant.id}/messages/${id}`, headers: h.admin })).json<{
          message: { state: string; errorCode: number | null; failedAt: string | null };
        }>().message;
      expect(await detail(first!.id)).toMatchObject({ state: 'failed', errorCode: 131026 });
      expect(await detail(second!.id)).toMatchObject({ state: 'read', errorCode: null, failedAt: null });
    });

    it('moves messages forward with signed status webhooks, in any order, and keeps early statuses', async () => {
      const id = uid('ord');
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, phone: phone() }));
      await drain(h);
      const [message] = await forOrder(id);
      const wamid = message!.wamid!;
      expect((await postWebhook(h, tenant.phoneNumberId, statusesWebhook(tenant.phoneNumberId, [{ id: wamid, status: 'read' }]))).statusCode).toBe(200);
      await postWebhook(h, tenant.phoneNumberId, statusesWebhook(tenant.phoneNumberId, [{ id: wamid, status: 'delivered' }, { id: wamid, status: 'sent' }]));
      await postWebhook(h, tenant.phoneNumberId, statusesWebhook(tenant.phoneNumberId, [{ id: wamid, status: 'read' }]));
      await drain(h);
      const detail = await h.app.inject({ method: 'GET', url: `/admin/tenants/${tenant.id}/messages/${message!.id}`, headers: h.admin });
      const json = detail.json<{ message: { state: string; statuses: { status: string }[]; readAt: string } }>().message;
      expect(json.state).toBe('read');
      expect(json.statuses.map((s) => s.status).sort()).toEqual(['delivered', 'read', 'sent']);
      expect(json.readAt).not.toBeNull();

      const bad = await postWebhook(h, tenant.phoneNumberId, statusesWebhook(tenant.phoneNumberId, [{ id: wamid, status: 'failed' }]), 'wrong-secret');
      expect(bad.statusCode).toBe(401);
      const unsigned = await h.app.inject({ method: 'POST', url: '/webhooks/whatsapp', headers: { 'content-type': 'application/json' }, payload: '{}' });
      expect(unsigned.statusCode).toBe(401);
    });

    it('applies a status that arrives before its wamid is stored, once the send records it', async () => {
      const id = uid('ord');
      const to = phone();
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, phone: to }));
      const nextWamid = uid('wamid.EARLY');
      sender.nextWamid(`91${to}`, nextWamid);
      await postWebhook(h, tenant.phoneNumberId, statusesWebhook(tenant.phoneNumberId, [{ id: nextWamid, status: 'delivered' }]));
      await drain(h);
      const [message] = await forOrder(id);
      expect(message?.wamid).toBe(nextWamid);
      expect(message?.state).toBe('delivered');
    });

    it('retries by error code: 131000 backs off and succeeds; 131026 fails for good; 190 pauses the tenant', async () => {
      const retried = uid('ord');
      sender.failNext(131000, 131000);
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id: retried, phone: phone() }));
      await drain(h, 10 * 60_000);
      const [ok] = await forOrder(retried);
      expect(ok).toMatchObject({ state: 'accepted' });

      const gone = uid('ord');
      sender.failNext(131026);
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id: gone, phone: phone() }));
      await drain(h, 10 * 60_000);
      const [failed] = await forOrder(gone);
      expect(failed).toMatchObject({ state: 'failed', errorCode: 131026 });
      expect((await h.orderline.customers.contact(tenant.id, failed!.recipient!))?.undeliverableAt).not.toBeNull();

      const paused = await createTenant(h, { name: 'Expired token', whatsapp: { phoneNumberId: `10${Date.now()}1`, accessToken: 'EAAG-expiring' } });
      const order = uid('ord');
      sender.failNext(190);
      await postEvent(h, paused.guestKey, '/orders-create', businessOnBotOrder({ id: order, phone: phone() }));
      await drain(h);
      expect(await h.orderline.alerts.sendingPaused(paused.id)).toMatch(/190/);
      const res = await h.app.inject({ method: 'GET', url: `/admin/tenants/${paused.id}/messages`, headers: h.admin });
      expect(res.json<{ items: MessageJson[] }>().items[0]).toMatchObject({ state: 'queued', errorCode: 190 });
      const sentBefore = sender.sent.length;
      await drain(h, 60 * 60_000);
      expect(sender.sent.length).toBe(sentBefore);
      const alerts = await h.app.inject({ method: 'GET', url: `/admin/tenants/${paused.id}/alerts`, headers: h.admin });
      expect(alerts.json()).toMatchObject({ sendingPaused: expect.stringContaining('190') as unknown, items: [{ kind: 'sending_paused' }] });
      // The tenant itself says so, and a document read while paused can be sent back as it is.
      const shown = await h.app.inject({ method: 'GET', url: `/admin/tenants/${paused.id}`, headers: h.admin });
      const shownTenant = shown.json<{ tenant: { whatsapp: { sendingPaused: string | null } } }>().tenant;
      expect(shownTenant.whatsapp.sendingPaused).toMatch(/190/);
      const listed = await h.app.inject({ method: 'GET', url: '/admin/tenants?limit=200', headers: h.admin });
      expect(listed.json<{ items: { id: string; whatsapp: { sendingPaused: string | null } }[] }>().items.find((t) => t.id === paused.id)?.whatsapp.sendingPaused).toMatch(/190/);
      const renamed = await h.app.inject({ method: 'PATCH', url: `/admin/tenants/${paused.id}`, headers: h.admin, payload: { ...shownTenant, name: 'Expired token (renamed)' } });
      expect(renamed.statusCode, renamed.body).toBe(200);
      // Saving other settings does not resume sending: only a new token does.
      expect(renamed.json<{ tenant: { whatsapp: { sendingPaused: string | null } } }>().tenant.whatsapp.sendingPaused).toMatch(/190/);

      // A new token is the fix: sending resumes and the waiting message goes out.
      const patched = await h.app.inject({ method: 'PATCH', url: `/admin/tenants/${paused.id}`, headers: h.admin, payload: { whatsapp: { accessToken: 'EAAG-new-token' } } });
      expect(patched.statusCode).toBe(200);
      expect(patched.json<{ tenant: { whatsapp: { sendingPaused: string | null } } }>().tenant.whatsapp.sendingPaused).toBeNull();
      expect(await h.orderline.alerts.sendingPaused(paused.id)).toBeNull();
      await drain(h, 10 * 60_000);
      const after = await h.app.inject({ method: 'GET', url: `/admin/tenants/${paused.id}/messages`, headers: h.admin });
      expect(after.json<{ items: MessageJson[] }>().items[0]).toMatchObject({ state: 'accepted' });
      expect(sender.sent.at(-1)?.account.accessToken).toBe('EAAG-new-token');
    });

    it('sends what waited for a new token as soon as it is saved, in the order it came', async () => {
      const paused = await createTenant(h, { name: 'Expired again', whatsapp: { phoneNumberId: `10${Date.now()}2`, accessToken: 'EAAG-expiring' } });
      const customers = [phone(), phone(), phone()];
      sender.failNext(190);
      for (const to of customers) {
        await postEvent(h, paused.guestKey, '/orders-create', businessOnBotOrder({ id: uid('ord'), phone: to }));
        await drain(h);
        h.clock.set(new Date(h.clock.now().getTime() + 1_000));
      }
      expect(await h.orderline.alerts.sendingPaused(paused.id)).toMatch(/190/);
      h.clock.set(new Date(h.clock.now().getTime() + 60_000));
      await drain(h);
      const before = sender.sent.length;
      const patched = await h.app.inject({ method: 'PATCH', url: `/admin/tenants/${paused.id}`, headers: h.admin, payload: { whatsapp: { accessToken: 'EAAG-fresh' } } });
      expect(patched.statusCode).toBe(200);
      // They waited 5 minutes at a time; now they go within the 2 s that separated them, first come first.
      const resumedAt = h.clock.now().getTime();
      await drain(h, 2_000);
      expect(sender.sent.slice(before).map((s) => [s.message.to, s.account.accessToken])).toEqual(customers.map((c) => [`91${c}`, 'EAAG-fresh']));
      expect(h.clock.now().getTime() - resumedAt).toBeLessThanOrEqual(2_000);
    });

    it('replays events without sending twice, and plans what was never planned', async () => {
      const since = h.clock.now();
      const kept = uid('ord');
      const lost = uid('ord');
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id: kept, phone: phone() }));
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id: lost, phone: phone() }));
      await drain(h);
      // As if the planning of one event had been lost.
      await h.orderline.connection.db.deleteFrom('messages').where('order_id', '=', lost).execute();
      const before = sender.sent.length;
      const queued = await replayEvents(h.orderline, tenant.id, since);
      expect(queued).toBeGreaterThanOrEqual(2);
      await drain(h, 60_000);
      expect(sender.sent.length).toBe(before + 1);
      expect((await forOrder(kept)).map((m) => m.state)).toEqual(['accepted']);
      expect((await forOrder(lost)).map((m) => m.state)).toEqual(['accepted']);
    });

    it('lets an operator retry a failed message', async () => {
      const id = uid('ord');
      sender.failNext(131026);
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, phone: phone() }));
      await drain(h);
      const [failed] = await forOrder(id);
      const retry = await h.app.inject({ method: 'POST', url: `/admin/messages/${failed!.id}/retry`, headers: h.admin });
      expect(retry.statusCode).toBe(200);
      await drain(h);
      expect((await forOrder(id))[0]).toMatchObject({ state: 'accepted' });
      const again = await h.app.inject({ method: 'POST', url: `/admin/messages/${failed!.id}/retry`, headers: h.admin });
      expect(again.statusCode).toBe(409);
    });

    it('does not send again after a send whose answer was lost, when a status webhook shows Meta has it', async () => {
      const id = uid('ord');
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, phone: phone() }));
      await drain(h);
      const [message] = await forOrder(id);
      // Simulate the crash: the message was marked sending, the answer never recorded.
      await h.orderline.connection.db.updateTable('messages').set({ state: 'sending', wamid: null, send_started_at: h.clock.now().getTime() }).where('id', '=', message!.id).execute();
      const sends = () => sender.sent.filter((s) => s.message.biz_opaque_callback_data === message!.id).length;
      await h.orderline.queue.enqueue([{ kind: 'message.send', payload: { messageId: message!.id }, runAt: h.clock.now(), tenantId: tenant.id }]);
      await drain(h);
      expect(sends()).toBe(1);
      await postWebhook(h, tenant.phoneNumberId, statusesWebhook(tenant.phoneNumberId, [{ id: 'wamid.LOST1', status: 'sent', biz_opaque_callback_data: message!.id }]));
      await drain(h, 120_000);
      expect(sends()).toBe(1);
      expect((await forOrder(id))[0]).toMatchObject({ wamid: 'wamid.LOST1', state: 'sent' });
    });

    it('treats a send that timed out as in doubt: a status webhook settles it, no second send', async () => {
      const id = uid('ord');
      sender.timeoutNext();
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, phone: phone() }));
      await drain(h);
      const [message] = await forOrder(id);
      expect(message?.state).toBe('sending');
      const sends = () => sender.sent.filter((s) => s.message.biz_opaque_callback_data === message!.id).length;
      await postWebhook(h, tenant.phoneNumberId, statusesWebhook(tenant.phoneNumberId, [{ id: 'wamid.TIMEDOUT1', status: 'delivered', biz_opaque_callback_data: message!.id }]));
      await drain(h, 5 * 60_000);
      expect(sends()).toBe(1);
      expect((await forOrder(id))[0]).toMatchObject({ wamid: 'wamid.TIMEDOUT1', state: 'delivered' });
    });

    it('sends a timed-out message again only after the in-doubt wait, when no status came', async () => {
      const id = uid('ord');
      sender.timeoutNext();
      const start = h.clock.now().getTime();
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, phone: phone() }));
      await drain(h, 5 * 60_000);
      const [message] = await forOrder(id);
      const sends = sender.sent.filter((s) => s.message.biz_opaque_callback_data === message!.id);
      expect(sends).toHaveLength(2);
      expect(message?.state).toBe('accepted');
      expect(h.clock.now().getTime() - start).toBeGreaterThanOrEqual(60_000);
    });

    it('sends again when no status ever comes for a lost send', async () => {
      const id = uid('ord');
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, phone: phone() }));
      await drain(h);
      const [message] = await forOrder(id);
      await h.orderline.connection.db.updateTable('messages').set({ state: 'sending', wamid: null, send_started_at: h.clock.now().getTime() }).where('id', '=', message!.id).execute();
      const sends = () => sender.sent.filter((s) => s.message.biz_opaque_callback_data === message!.id).length;
      await h.orderline.queue.enqueue([{ kind: 'message.send', payload: { messageId: message!.id }, runAt: h.clock.now(), tenantId: tenant.id }]);
      await drain(h, 5 * 60_000);
      expect(sends()).toBe(2);
      expect((await forOrder(id))[0]?.state).toBe('accepted');
    });

    it('handles STOP before anything else: one confirmation, then nothing until START', async () => {
      const to = phone();
      const digits = `91${to}`;
      await postWebhook(h, tenant.phoneNumberId, textWebhook(tenant.phoneNumberId, digits, 'STOP', uid('wamid.in')));
      await postWebhook(h, tenant.phoneNumberId, textWebhook(tenant.phoneNumberId, digits, 'stop', uid('wamid.in')));
      await drain(h);
      const confirmations = sender.to(digits);
      expect(confirmations).toHaveLength(1);
      expect(confirmations[0]?.message).toMatchObject({ type: 'text' });
      expect(JSON.stringify(confirmations[0]?.message)).toContain('START');
      const optOuts = await h.orderline.customers.optOuts(tenant.id, digits);
      expect(optOuts).toEqual([expect.objectContaining({ scope: 'all', source: 'keyword' })]);

      const id = uid('ord');
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, phone: to }));
      await drain(h);
      expect((await forOrder(id))[0]).toMatchObject({ state: 'skipped', skipReason: 'opted_out' });
      expect(sender.to(digits)).toHaveLength(1);

      await postWebhook(h, tenant.phoneNumberId, textWebhook(tenant.phoneNumberId, digits, 'START', uid('wamid.in')));
      await drain(h);
      expect(sender.to(digits)).toHaveLength(2);
      const later = uid('ord');
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id: later, phone: to }));
      await drain(h);
      expect((await forOrder(later))[0]?.state).toBe('accepted');
    });

    it("answers a customer's message whose first handling failed half-way: the webhook job's retry does not take it for a duplicate", async () => {
      const digits = `91${phone()}`;
      const body = textWebhook(tenant.phoneNumberId, digits, 'hi', uid('wamid.in'));
      // A database blip after the message was stored, before the assistant answered.
      const blip = vi.spyOn(h.orderline.customers, 'optOuts').mockRejectedValueOnce(new Error('Connection terminated unexpectedly'));
      expect((await postWebhook(h, tenant.phoneNumberId, body)).statusCode).toBe(200);
      await drain(h, 10 * 60_000);
      expect(blip).toHaveBeenCalled();
      blip.mockRestore();
      const answers = sender.to(digits);
      expect(answers.length).toBeGreaterThan(0);
      // Once handled, Meta's redelivery of the same message is a duplicate: nothing more is sent.
      expect((await postWebhook(h, tenant.phoneNumberId, body)).statusCode).toBe(200);
      await drain(h, 10 * 60_000);
      expect(sender.to(digits)).toHaveLength(answers.length);
    });

    it('confirms a STOP whose confirmation failed to be planned, once, on the retry', async () => {
      const digits = `91${phone()}`;
      const blip = vi.spyOn(h.orderline.messages, 'plan').mockRejectedValueOnce(new Error('Connection terminated unexpectedly'));
      await postWebhook(h, tenant.phoneNumberId, textWebhook(tenant.phoneNumberId, digits, 'STOP', uid('wamid.in')));
      await drain(h, 10 * 60_000);
      expect(blip).toHaveBeenCalled();
      blip.mockRestore();
      expect(sender.to(digits)).toHaveLength(1);
      expect(JSON.stringify(sender.to(digits)[0]?.message)).toContain('START');
      expect(await h.orderline.customers.optOuts(tenant.id, digits)).toEqual([expect.objectContaining({ scope: 'all', source: 'keyword' })]);
    });

    it("honours a Mexican customer's STOP, though WhatsApp gives their number with the old mobile 1 (521…)", async () => {
      const national = `55${String(Date.now()).slice(-8)}`;
      await postWebhook(h, tenant.phoneNumberId, textWebhook(tenant.phoneNumberId, `521${national}`, 'STOP', uid('wamid.in')));
      await drain(h);
      expect(await h.orderline.customers.optOuts(tenant.id, `52${national}`)).toEqual([expect.objectContaining({ scope: 'all' })]);
      const id = uid('ord');
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, phone: `+52 ${national}` }));
      await drain(h);
      expect((await forOrder(id))[0]).toMatchObject({ recipient: `52${national}`, state: 'skipped', skipReason: 'opted_out' });
    });

    it("pauses marketing for 24 hours from a 131049, and Meta's redelivery of it later does not pause it again", async () => {
      const id = uid('ord');
      const to = phone();
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, phone: to }));
      await drain(h);
      const [message] = await forOrder(id);
      const failedAt = Math.floor(h.clock.now().getTime() / 1000);
      const body = statusesWebhook(tenant.phoneNumberId, [
        { id: message!.wamid!, status: 'failed', timestamp: failedAt, recipient_id: `91${to}`, errors: [{ code: 131049, title: 'healthy ecosystem engagement' }] },
      ]);
      const pausedUntil = h.clock.now().getTime() + 24 * 3600 * 1000;
      await postWebhook(h, tenant.phoneNumberId, body);
      await drain(h);
      expect((await h.orderline.customers.contact(tenant.id, `91${to}`))?.marketingPausedUntil?.getTime()).toBe(pausedUntil);
      h.clock.advance(2 * 60 * 60_000);
      await postWebhook(h, tenant.phoneNumberId, body);
      await drain(h);
      expect((await h.orderline.customers.contact(tenant.id, `91${to}`))?.marketingPausedUntil?.getTime()).toBe(pausedUntil);
    });

    it('takes STOP and START in the order the customer sent them, not the order Meta delivered them', async () => {
      const to = phone();
      const digits = `91${to}`;
      const stopAt = 1_772_360_000;
      // The customer typed STOP, then START a minute later; Meta delivered START first.
      await postWebhook(h, tenant.phoneNumberId, textWebhook(tenant.phoneNumberId, digits, 'START', uid('wamid.in'), stopAt + 60));
      await drain(h);
      await postWebhook(h, tenant.phoneNumberId, textWebhook(tenant.phoneNumberId, digits, 'STOP', uid('wamid.in'), stopAt));
      await drain(h);
      expect(await h.orderline.customers.optOuts(tenant.id, digits)).toEqual([]);
      // Nothing says "you will no longer receive messages" to a customer whose last word was START.
      expect(sender.to(digits)).toHaveLength(0);
      const id = uid('ord');
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, phone: to }));
      await drain(h);
      expect((await forOrder(id))[0]?.state).toBe('accepted');

      // A STOP sent after that START still counts, and so does a START after it.
      await postWebhook(h, tenant.phoneNumberId, textWebhook(tenant.phoneNumberId, digits, 'STOP', uid('wamid.in'), stopAt + 120));
      await drain(h);
      expect(await h.orderline.customers.optOuts(tenant.id, digits)).toEqual([expect.objectContaining({ scope: 'all', at: new Date((stopAt + 120) * 1000) })]);
      await postWebhook(h, tenant.phoneNumberId, textWebhook(tenant.phoneNumberId, digits, 'START', uid('wamid.in'), stopAt + 180));
      await drain(h);
      expect(await h.orderline.customers.optOuts(tenant.id, digits)).toEqual([]);
    });

    it("does not let a marketing stop older than the customer's resume undo it (a late preference or 131050 failure)", async () => {
      const digits = `91${phone()}`;
      const resumedAt = 1_772_360_600;
      await postWebhook(h, tenant.phoneNumberId, preferencesWebhook(tenant.phoneNumberId, digits, 'resume', resumedAt));
      await postWebhook(h, tenant.phoneNumberId, preferencesWebhook(tenant.phoneNumberId, digits, 'stop', resumedAt - 600));
      const failure = { id: uid('wamid.out'), status: 'failed', timestamp: resumedAt - 300, recipient_id: digits, errors: [{ code: 131050, title: 'User has stopped marketing messages' }] };
      await postWebhook(h, tenant.phoneNumberId, statusesWebhook(tenant.phoneNumberId, [failure]));
      await drain(h);
      expect(await h.orderline.customers.optOuts(tenant.id, digits)).toEqual([]);

      // A stop after the resume is the customer's last word.
      await postWebhook(h, tenant.phoneNumberId, preferencesWebhook(tenant.phoneNumberId, digits, 'stop', resumedAt + 60));
      await drain(h);
      expect(await h.orderline.customers.optOuts(tenant.id, digits)).toEqual([expect.objectContaining({ scope: 'marketing', source: 'user_preferences' })]);
    });

    it('sends one customer their messages in order: the confirmation before shipped, shipped before delivered', async () => {
      const id = uid('ord');
      const to = phone();
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, phone: to, fullyPaid: true }));
      await postEvent(h, tenant.guestKey, '/fulfillments-create', shopifyFulfillment({ id: 'f-order', order_id: id }));
      await postEvent(h, tenant.guestKey, '/fulfillments-events-create', seedDeliveryEvent({ id, fulfillment_id: 'f-order', status: 'Delivered' }));
      await drain(h, 10 * 60_000);
      const names = sender.to(`91${to}`).map((s) => (s.message.template as { name: string }).name);
      expect(names).toEqual(['orderline_order_confirmed', 'orderline_order_shipped', 'orderline_order_delivered']);
    });
  });
});
