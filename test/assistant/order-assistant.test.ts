/**
 * The order assistant over the webhook, on real SQLite and PostgreSQL, with a scripted brand:
 * menu, track by list and by typed number, cancel with reason, refusals, details, handoff,
 * COD taps, someone else's order, brand outages, duplicates, and one reply per message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessOnBotOrder, seedDeliveryEvent } from '../../src/domain/events/fixtures.js';
import { normalizeOrder } from '../../src/domain/events/order.js';
import type { Order } from '../../src/domain/events/model.js';
import { DEFAULT_MAX_ATTEMPTS } from '../../src/store/job-rows.js';
import { databaseTargets } from '../support/databases.js';
import { createTenant, drain, postEvent, startHarness, type Harness } from '../support/harness.js';
import { MemoryBrand } from '../support/memory-brand.js';
import { postWebhook, tapWebhook, textWebhook, wholeMessageWebhook } from '../support/meta-webhooks.js';
import { ScriptedSender } from '../support/scripted-sender.js';

let seq = 0;
/** A WhatsApp number as Meta sends it: international digits (India here). */
const phone = () => `9197${String(10_000_000 + (++seq % 89_999_999)).padStart(8, '0')}`;
const wamid = () => `wamid.IN${Date.now()}${++seq}`;

function order(id: string, number: string, digits: string, extra: Record<string, unknown> = {}): Order {
  const result = normalizeOrder(businessOnBotOrder({ id, name: number, phone: `+${digits}`, shipment_details: null, ...extra }));
  if (!result.ok) throw new Error('fixture');
  return result.value;
}

interface Sent {
  type: string;
  text?: { body: string };
  interactive?: { type: string; body: { text: string }; action: { buttons?: { reply: { id: string; title: string } }[]; sections?: { rows: { id: string; title: string }[] }[] } };
}

describe.each(databaseTargets())('order assistant on $name', (factory) => {
  describe.skipIf(factory.skip)('', () => {
    let h: Harness;
    let sender: ScriptedSender;
    const brand = new MemoryBrand();
    /** Tenants with no brand API set. */
    const brandless = new Set<string>();
    let tenant: { id: string; guestKey: string; phoneNumberId: string };

    beforeAll(async () => {
      sender = new ScriptedSender();
      h = await startHarness(factory, {}, { sender, brandApi: (tenantId) => (brandless.has(tenantId) ? null : brand) });
      const created = await createTenant(h, { name: 'Chai Co', bot: { texts: { greeting: 'Namaste{name}! How can {store} help?' } } });
      const view = await h.orderline.tenants.get(created.id);
      tenant = { ...created, phoneNumberId: view.whatsapp.phoneNumberId! };
    });
    afterAll(async () => h?.close());

    /** The customer says something; returns what the bot answered to that message (or nothing). */
    async function say(customer: string, body: unknown): Promise<Sent[]> {
      const before = sender.to(customer).length;
      expect((await postWebhook(h, tenant.phoneNumberId, body)).statusCode).toBe(200);
      await drain(h, 60_000);
      return sender.to(customer).slice(before).map((s) => s.message as unknown as Sent);
    }
    const text = (customer: string, words: string) => say(customer, textWebhook(tenant.phoneNumberId, customer, words, wamid()));
    const tap = (customer: string, kind: 'button_reply' | 'list_reply' | 'template_button', id: string) =>
      say(customer, tapWebhook(tenant.phoneNumberId, customer, { kind, id }, wamid()));
    const rows = (m: Sent | undefined) => m?.interactive?.action.sections?.[0]?.rows.map((r) => r.id) ?? [];
    const buttons = (m: Sent | undefined) => m?.interactive?.action.buttons?.map((b) => b.reply.id) ?? [];

    it('greets with the menu, in the tenant own words', async () => {
      const me = phone();
      const [reply, ...more] = await text(me, 'hi');
      expect(more).toEqual([]);
      expect(reply?.type).toBe('interactive');
      expect(reply?.interactive?.body.text).toBe('Namaste Asha! How can Chai Co help?');
      expect(rows(reply)).toEqual(['menu:track', 'menu:cancel', 'menu:details', 'menu:human']);
    });

    it('tracks by list and by typed number, showing only the customer own orders', async () => {
      const me = phone();
      brand.orders.set('t1', order('t1', '#2201', me, { lineItems: [{ product: { id: 'p', title: 'Masala Chai' }, quantity: 2 }] }));
      brand.orders.set('t2', order('t2', '#2202', me, { shipment_details: { status: 'in transit', tracking_info: 'https://track.example/T2' } }));
      const [list] = await tap(me, 'list_reply', 'menu:track');
      expect(rows(list).sort()).toEqual(['track:t1', 'track:t2']);
      const [status] = await tap(me, 'list_reply', 'track:t1');
      expect(status?.text?.body).toContain('#2201');
      expect(status?.text?.body).toContain('Masala Chai × 2');
      const [typed] = await text(me, 'where is 2202');
      expect(typed?.text?.body).toContain('#2202');
      expect(typed?.text?.body).toContain('https://track.example/T2');
      const [missing] = await text(me, '#9999');
      expect(missing?.text?.body).toContain("couldn't find order #9999");
      // A brand whose list holds summaries: the typed number is answered from the order itself.
      brand.listsSummaries = true;
      try {
        expect((await text(me, '#2201'))[0]?.text?.body).toContain('Masala Chai × 2');
      } finally {
        brand.listsSummaries = false;
      }
    });

    it("refuses someone else's order, typed or forged as a tap, and never cancels it", async () => {
      const me = phone();
      const other = phone();
      brand.orders.set('3301', order('3301', '#3301', other));
      const [typed] = await text(me, '#3301');
      // The same answer as for an order that does not exist: no one learns which numbers do.
      const [unknown] = await text(me, '#3399');
      expect(typed?.text?.body).toBe("I couldn't find order #3301. Please check the number and try again.");
      expect(unknown?.text?.body).toBe("I couldn't find order #3399. Please check the number and try again.");
      const [forged] = await tap(me, 'button_reply', 'cancel_yes:3301');
      expect(forged?.text?.body).toContain("couldn't find order");
      const [reason] = await tap(me, 'list_reply', 'reason:3301:changed_mind');
      expect(reason?.text?.body).toContain("couldn't find order");
      expect(brand.cancels.filter((c) => c.id === '3301')).toEqual([]);
    });

    it('cancels with confirmation and a reason, sending the brand exactly the reason', async () => {
      const me = phone();
      brand.orders.set('c1', order('c1', '#4401', me));
      const [list] = await text(me, 'I want to cancel');
      expect(rows(list)).toContain('cancel:c1');
      const [confirm] = await tap(me, 'list_reply', 'cancel:c1');
      expect(buttons(confirm)).toEqual(['cancel_yes:c1', 'cancel_no:c1']);
      const [reasons] = await tap(me, 'button_reply', 'cancel_yes:c1');
      expect(rows(reasons)).toContain('reason:c1:ordered_by_mistake');
      const [done] = await tap(me, 'list_reply', 'reason:c1:ordered_by_mistake');
      expect(done?.text?.body).toContain('#4401 has been cancelled');
      expect(brand.cancels).toContainEqual({ id: 'c1', reason: 'Ordered by mistake' });
    });

    it('cancels an order the customer names by number in words ("cancel order #4801")', async () => {
      const me = phone();
      brand.orders.set('c9', order('c9', '#4801', me));
      const [confirm] = await text(me, 'cancel order #4801');
      expect(buttons(confirm)).toEqual(['cancel_yes:c9', 'cancel_no:c9']);
      expect(confirm?.interactive?.body.text).toContain('#4801');
      await tap(me, 'button_reply', 'cancel_yes:c9');
      const [done] = await tap(me, 'list_reply', 'reason:c9:changed_mind');
      expect(done?.text?.body).toContain('#4801 has been cancelled');
    });

    it('offers for cancelling only orders not cancelled or on their way, each with its date and total as the tenant writes money', async () => {
      const me = phone();
      brand.orders.set('l1', order('l1', '#5101', me, { cancelledAt: '2026-03-01T10:00:00Z' }));
      brand.orders.set('l2', order('l2', '#5102', me, { shipment_details: { status: 'shipped' } }));
      brand.orders.set('l3', order('l3', '#5103', me, { total_amount: '1499.5', currencyCode: 'INR' }));
      const [list] = await tap(me, 'list_reply', 'menu:cancel');
      expect(list?.interactive?.action.sections?.[0]?.rows).toEqual([{ id: 'cancel:l3', title: '#5103', description: '2021-10-23 · ₹1,499.50' }]);
      expect(rows((await tap(me, 'list_reply', 'menu:track'))[0])).toEqual(['track:l3', 'track:l2', 'track:l1']);
      // Nothing left to cancel: said so, with a person offered.
      const done = phone();
      brand.orders.set('l4', order('l4', '#5104', done, { shipment_details: { status: 'delivered' } }));
      const [none] = await tap(done, 'list_reply', 'menu:cancel');
      expect(none?.interactive?.body.text).toContain('nothing I can cancel');
      expect(buttons(none)).toEqual(['menu:human']);
    });

    it('lists an order the brand lists twice once (two rows with one id are refused by Meta)', async () => {
      const me = phone();
      brand.orders.set('w1', order('w1', '#4901', me));
      brand.listsTwice = true;
      try {
        const [list] = await tap(me, 'list_reply', 'menu:track');
        expect(rows(list)).toEqual(['track:w1']);
      } finally {
        brand.listsTwice = false;
      }
    });

    it('cancels only what the customer confirmed last: a reason tap out of turn asks to confirm again', async () => {
      const me = phone();
      brand.orders.set('f1', order('f1', '#4501', me));
      brand.orders.set('f2', order('f2', '#4502', me));
      // A reason tap with no confirmation before it (replayed, forged, or from an old list).
      const [asked] = await tap(me, 'list_reply', 'reason:f1:other');
      expect(buttons(asked)).toEqual(['cancel_yes:f1', 'cancel_no:f1']);
      // Confirmed f1, then a reason for f2: f2 was never confirmed.
      await tap(me, 'button_reply', 'cancel_yes:f1');
      const [again] = await tap(me, 'list_reply', 'reason:f2:changed_mind');
      expect(buttons(again)).toEqual(['cancel_yes:f2', 'cancel_no:f2']);
      // "Yes" to a question not asked last is not a yes either.
      const [reasked] = await tap(me, 'button_reply', 'cancel_yes:f1');
      expect(buttons(reasked)).toEqual(['cancel_yes:f1', 'cancel_no:f1']);
      expect(brand.cancels.filter((c) => c.id === 'f1' || c.id === 'f2')).toEqual([]);
    });

    it('cancels once when the reason is tapped twice at once, and not again once cancelled', async () => {
      const me = phone();
      brand.orders.set('d1', order('d1', '#4601', me));
      await tap(me, 'list_reply', 'cancel:d1');
      await tap(me, 'button_reply', 'cancel_yes:d1');
      const before = sender.to(me).length;
      // Two taps (two wamids) in one webhook: processed together, as a double tap is.
      const first = tapWebhook(tenant.phoneNumberId, me, { kind: 'list_reply', id: 'reason:d1:changed_mind' }, wamid());
      const second = tapWebhook(tenant.phoneNumberId, me, { kind: 'list_reply', id: 'reason:d1:changed_mind' }, wamid());
      await Promise.all([postWebhook(h, tenant.phoneNumberId, first), postWebhook(h, tenant.phoneNumberId, second)]);
      await drain(h, 60_000);
      expect(brand.cancels.filter((c) => c.id === 'd1')).toHaveLength(1);
      const replies = sender.to(me).slice(before).map((s) => (s.message as unknown as Sent).text?.body ?? '');
      expect(replies.filter((r) => r.includes('#4601 has been cancelled'))).toHaveLength(1);
      // A later reason tap for the cancelled order cancels nothing.
      const [late] = await tap(me, 'list_reply', 'reason:d1:other');
      expect(late?.interactive?.body.text ?? late?.text?.body).toContain('cancelled');
      expect(brand.cancels.filter((c) => c.id === 'd1')).toHaveLength(1);
    });

    it('checks the order when a cancel goes unanswered: cancelled if the brand did it, else neither "done" nor "try again"', async () => {
      const me = phone();
      const cancelling = async (id: string) => {
        await tap(me, 'list_reply', `cancel:${id}`);
        await tap(me, 'button_reply', `cancel_yes:${id}`);
        return (await tap(me, 'list_reply', `reason:${id}:changed_mind`))[0]?.text?.body;
      };
      // The brand cancelled but answered after our timeout: the customer hears it is cancelled.
      brand.orders.set('t1', order('t1', '#7801', me));
      brand.cancelThenFail('timeout');
      expect(await cancelling('t1')).toContain('#7801 has been cancelled');
      expect(brand.calls.slice(-2)).toEqual(['cancelOrder t1', 'getOrder t1']);
      // No answer and nothing cancelled: the customer is told it is not known yet, not to retry at once.
      brand.orders.set('t2', order('t2', '#7802', me));
      brand.failCancel('timeout');
      expect(await cancelling('t2')).toContain('did not confirm in time whether order #7802 was cancelled');
      // A 5xx: not done, try later.
      brand.orders.set('t3', order('t3', '#7803', me));
      brand.failCancel('unavailable');
      expect(await cancelling('t3')).toContain('cannot reach the store');
      const alerts = await h.app.inject({ method: 'GET', url: `/admin/tenants/${tenant.id}/alerts?limit=3`, headers: h.admin });
      expect(alerts.json<{ items: { kind: string; detail: string }[] }>().items.map((a) => a.detail)).toEqual(['scripted unavailable', 'scripted timeout', 'scripted timeout after cancelling']);
    });

    it('reads a brand status that says the order has not shipped as cancellable, and a failed delivery as on its way', async () => {
      const me = phone();
      for (const [id, status] of [['u1', 'not shipped'], ['u2', 'ready to ship'], ['u3', 'UNFULFILLED'], ['u4', 'awaiting shipment']] as const) {
        brand.orders.set(id, order(id, `#${id}`, me, { shipment_details: { status } }));
        const [reply] = await tap(me, 'list_reply', `cancel:${id}`);
        expect(buttons(reply), status).toEqual([`cancel_yes:${id}`, `cancel_no:${id}`]);
      }
      brand.orders.set('u5', order('u5', '#u5', me, { shipment_details: { status: 'delivery failed' } }));
      expect((await tap(me, 'list_reply', 'track:u5'))[0]?.text?.body).toContain('#u5: shipped and on its way');
      expect((await tap(me, 'list_reply', 'cancel:u5'))[0]?.interactive?.body.text).toContain('already been shipped');
    });

    it('does not act for a customer who said STOP: a reason tap left from before cancels nothing until START', async () => {
      const me = phone();
      brand.orders.set('x1', order('x1', '#6801', me));
      await tap(me, 'list_reply', 'cancel:x1');
      await tap(me, 'button_reply', 'cancel_yes:x1');
      await text(me, 'STOP');
      expect(await tap(me, 'list_reply', 'reason:x1:other')).toEqual([]);
      expect(await text(me, 'hi')).toEqual([]);
      expect(brand.cancels.filter((c) => c.id === 'x1')).toEqual([]);
      await text(me, 'START');
      expect((await text(me, 'hi'))[0]?.interactive?.body.text).toContain('Namaste');
    });

    it('does not cancel a shipped order and offers a person instead', async () => {
      const me = phone();
      brand.orders.set('s1', order('s1', '#5501', me, { shipment_details: { status: 'shipped', tracking_info: 'https://track.example/S1' } }));
      const [reply] = await tap(me, 'list_reply', 'cancel:s1');
      expect(reply?.interactive?.body.text).toContain('already been shipped');
      expect(buttons(reply)).toEqual(['menu:human']);
      await tap(me, 'button_reply', 'cancel_yes:s1');
      const [last] = await tap(me, 'list_reply', 'reason:s1:other');
      expect(last?.interactive?.body.text).toContain('already been shipped');
      expect(brand.cancels.filter((c) => c.id === 's1')).toEqual([]);
    });

    it('shows the customer details from the brand', async () => {
      const me = phone();
      brand.customers.set(`+${me}`, { firstName: 'Asha', lastName: 'Rao', phone: `+${me}`, email: 'asha@example.com', addresses: [] });
      const [reply] = await tap(me, 'list_reply', 'menu:details');
      expect(reply?.text?.body).toContain('Asha Rao');
      expect(reply?.text?.body).toContain('asha@example.com');
      // The brand answering with someone else (another phone, or none): nothing of theirs is shown.
      const other = phone();
      brand.customers.set(`+${other}`, { firstName: 'Someone', lastName: 'Else', phone: '+919812345678', email: 'else@example.com', addresses: [] });
      const [refused] = await tap(other, 'list_reply', 'menu:details');
      expect(refused?.text?.body).toContain("couldn't find your details");
      expect(refused?.text?.body).not.toContain('else@example.com');
      const phoneless = phone();
      brand.customers.set(`+${phoneless}`, { firstName: 'No', lastName: 'Phone', phone: null, email: 'nophone@example.com', addresses: [] });
      expect((await tap(phoneless, 'list_reply', 'menu:details'))[0]?.text?.body).not.toContain('nophone@example.com');
    });

    it('hands the conversation to a person and back', async () => {
      const me = phone();
      const [handoff] = await tap(me, 'list_reply', 'menu:human');
      expect(handoff?.text?.body).toContain('Connecting you with a person');
      expect(await text(me, 'hello?')).toEqual([]);
      const list = await h.app.inject({ method: 'GET', url: `/admin/tenants/${tenant.id}/conversations`, headers: h.admin });
      const conversation = list.json<{ items: { id: string; customer: string; mode: string }[] }>().items.find((c) => c.customer === me)!;
      expect(conversation.mode).toBe('human');
      const release = await h.app.inject({ method: 'POST', url: `/admin/tenants/${tenant.id}/conversations/${conversation.id}/release`, headers: h.admin });
      expect(release.statusCode).toBe(200);
      await drain(h);
      expect((sender.to(me).at(-1)?.message as unknown as Sent).text?.body).toContain('back with the Chai Co order assistant');
      expect((await text(me, 'menu')).length).toBe(1);
      const take = await h.app.inject({ method: 'POST', url: `/admin/tenants/${tenant.id}/conversations/${conversation.id}/take`, headers: h.admin });
      expect(take.json()).toMatchObject({ conversation: { mode: 'human' } });
      expect(await text(me, 'menu')).toEqual([]);
    });

    it('keeps a conversation an operator takes while the assistant waits for the brand, and does not answer over them', async () => {
      const me = phone();
      brand.orders.set('h1', order('h1', '#6501', me));
      await text(me, 'menu');
      const list = await h.app.inject({ method: 'GET', url: `/admin/tenants/${tenant.id}/conversations`, headers: h.admin });
      const conversation = list.json<{ items: { id: string; customer: string }[] }>().items.find((c) => c.customer === me)!;
      brand.duringNextCall(async () => {
        const take = await h.app.inject({ method: 'POST', url: `/admin/tenants/${tenant.id}/conversations/${conversation.id}/take`, headers: h.admin });
        expect(take.statusCode).toBe(200);
      });
      expect(await tap(me, 'list_reply', 'menu:track')).toEqual([]);
      const after = await h.app.inject({ method: 'GET', url: `/admin/tenants/${tenant.id}/conversations`, headers: h.admin });
      expect(after.json<{ items: { customer: string; mode: string }[] }>().items.find((c) => c.customer === me)?.mode).toBe('human');
      expect(await text(me, 'hello?')).toEqual([]);
    });

    it('records a COD confirmation tap on the order, and a Cancel tap starts the cancel flow', async () => {
      const me = phone();
      const id = `cod${Date.now()}`;
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, name: '#6601', phone: `+${me}`, fullyPaid: false }));
      await drain(h);
      const [thanks] = await tap(me, 'template_button', `cod_confirm:${id}`);
      expect(thanks?.text?.body).toContain('#6601 is confirmed');
      const view = await h.app.inject({ method: 'GET', url: `/admin/tenants/${tenant.id}/orders/${id}`, headers: h.admin });
      expect(view.json()).toMatchObject({ order: { id, confirmation: { decision: 'confirmed', customer: me } } });

      brand.orders.set(id, order(id, '#6601', me));
      const [confirm] = await tap(me, 'template_button', `cod_cancel:${id}`);
      expect(buttons(confirm)).toEqual([`cancel_yes:${id}`, `cancel_no:${id}`]);
      // Someone else tapping a forwarded COD button gets nothing recorded.
      const stranger = phone();
      const [refused] = await tap(stranger, 'template_button', `cod_confirm:${id}`);
      expect(refused?.text?.body).toContain("couldn't find order");

      // A paid order has nothing to confirm: a made-up tap for one is not understood and records nothing.
      const paid = `paid${Date.now()}`;
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id: paid, name: '#6602', phone: `+${me}`, fullyPaid: true }));
      await drain(h);
      const [notUnderstood] = await tap(me, 'template_button', `cod_confirm:${paid}`);
      expect(JSON.stringify(notUnderstood)).not.toContain('is confirmed');
      const paidView = await h.app.inject({ method: 'GET', url: `/admin/tenants/${tenant.id}/orders/${paid}`, headers: h.admin });
      expect(paidView.json<{ order: { confirmation: unknown } }>().order.confirmation).toBeNull();
    });

    it('knows an order as an Emirati customer\'s when the brand wrote their number nationally beside a Dubai address', async () => {
      const local = `050${String(1_000_000 + (++seq % 8_999_999)).padStart(7, '0')}`;
      const me = `971${local.slice(1)}`;
      const dubai = { name: 'Omar Khan', phone: local, city: 'Dubai', country: 'United Arab Emirates', zip: null };
      brand.orders.set('ae1', order('ae1', '#7701', me, { phone: null, shippingAddress: dubai }));
      const [status] = await tap(me, 'list_reply', 'track:ae1');
      expect(status?.text?.body).toContain('#7701');
      expect(status?.text?.body).not.toContain("couldn't find order");
      // A COD order's Confirm tap, checked against the stored order's phone read the same way.
      const id = `codae${Date.now()}`;
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, name: '#7702', fullyPaid: false, shippingAddress: dubai }));
      await drain(h);
      expect(sender.to(me).some((s) => (s.message.template as { name?: string } | undefined)?.name === 'orderline_order_confirmed_cod')).toBe(true);
      const [thanks] = await tap(me, 'template_button', `cod_confirm:${id}`);
      expect(thanks?.text?.body).toContain('#7702 is confirmed');
      // The brand's customer record, read in the country its address names.
      const address = { name: 'Omar Khan', firstName: 'Omar', lastName: 'Khan', phone: null, address1: 'Marina Walk', address2: null, city: 'Dubai', province: null, country: 'United Arab Emirates', countryCode: 'AE', zip: null };
      brand.customers.set(`+${me}`, { firstName: 'Omar', lastName: 'Khan', phone: local, email: 'omar@example.com', addresses: [address] });
      expect((await tap(me, 'list_reply', 'menu:details'))[0]?.text?.body).toContain('omar@example.com');
    });

    it("knows an order as the customer's when planning messaged them on its shipping phone because its own phone is junk", async () => {
      const me = phone();
      const shipTo = { name: 'Ravi Kumar', phone: `+${me}`, city: 'Pune', country: 'India', zip: null };
      brand.orders.set('junk1', order('junk1', '#7801', me, { phone: '1234567', shippingAddress: shipTo }));
      const [status] = await tap(me, 'list_reply', 'track:junk1');
      expect(status?.text?.body).toContain('#7801');
      expect(status?.text?.body).not.toContain("couldn't find order");
      // The COD confirmation went to the shipping phone; its Confirm tap comes from there too.
      const id = `codjunk${Date.now()}`;
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, name: '#7802', phone: '1234567', fullyPaid: false, shippingAddress: shipTo }));
      await drain(h);
      expect(sender.to(me).some((s) => (s.message.template as { name?: string } | undefined)?.name === 'orderline_order_confirmed_cod')).toBe(true);
      const [thanks] = await tap(me, 'template_button', `cod_confirm:${id}`);
      expect(thanks?.text?.body).toContain('#7802 is confirmed');
      // Still no one else's: a number the order does not name is refused.
      const [refused] = await tap(phone(), 'template_button', `cod_confirm:${id}`);
      expect(refused?.text?.body).toContain("couldn't find order");
    });

    it('answers politely when the brand is down, alerts the operator, and recovers', async () => {
      const me = phone();
      brand.orders.set('d1', order('d1', '#7701', me));
      brand.failNext('unavailable');
      const [sorry] = await tap(me, 'list_reply', 'menu:track');
      expect(sorry?.text?.body).toContain('cannot reach the store');
      brand.failNext('timeout');
      expect((await text(me, '#7701'))[0]?.text?.body).toContain('cannot reach the store');
      brand.failNext('malformed');
      expect((await text(me, '#7701'))[0]?.text?.body).toContain('cannot reach the store');
      const alerts = await h.app.inject({ method: 'GET', url: `/admin/tenants/${tenant.id}/alerts`, headers: h.admin });
      expect(alerts.json<{ items: { kind: string }[] }>().items.map((a) => a.kind)).toEqual(expect.arrayContaining(['brand_api_unavailable', 'brand_api_timeout', 'brand_api_malformed']));
      const all = alerts.json<{ items: { id: string }[] }>().items;
      expect(all.length).toBeGreaterThan(1);
      const one = await h.app.inject({ method: 'GET', url: `/admin/tenants/${tenant.id}/alerts?limit=1`, headers: h.admin });
      expect(one.json<{ items: { id: string }[] }>().items.map((a) => a.id)).toEqual([all[0]!.id]);
      // Paged as every list: the pages, one alert each, end with the last alert and a null cursor.
      const paged: string[] = [];
      for (let cursor: string | null = null, n = 0; n < all.length + 1; n++) {
        const res = await h.app.inject({ method: 'GET', url: `/admin/tenants/${tenant.id}/alerts?limit=1${cursor === null ? '' : `&cursor=${cursor}`}`, headers: h.admin });
        const page: { items: { id: string }[]; nextCursor: string | null } = res.json();
        paged.push(...page.items.map((a) => a.id));
        cursor = page.nextCursor;
        if (cursor === null) break;
      }
      expect(paged).toEqual(all.map((a) => a.id));
      expect((await h.app.inject({ method: 'GET', url: `/admin/tenants/${tenant.id}/alerts?cursor=evt_01m973zjpxdxnnxtvfvv5hay`, headers: h.admin })).statusCode).toBe(400);
      expect((await h.app.inject({ method: 'GET', url: `/admin/tenants/${tenant.id}/alerts?limit=0`, headers: h.admin })).statusCode).toBe(400);
      // The same failure again within 15 minutes counts on its alert instead of raising another.
      const timeouts = async () =>
        (await h.app.inject({ method: 'GET', url: `/admin/tenants/${tenant.id}/alerts`, headers: h.admin })).json<{ items: { kind: string; repeats: number; createdAt: string; lastAt: string }[] }>().items.filter((a) => a.kind === 'brand_api_timeout');
      const before = await timeouts();
      h.clock.advance(60_000);
      brand.failNext('timeout');
      await text(me, '#7701');
      expect(await timeouts()).toEqual([{ ...before[0]!, repeats: before[0]!.repeats + 1, lastAt: h.clock.now().toISOString() }, ...before.slice(1)]);
      h.clock.advance(16 * 60_000);
      brand.failNext('timeout');
      await text(me, '#7701');
      expect(await timeouts()).toHaveLength(before.length + 1);
      expect((await text(me, '#7701'))[0]?.text?.body).toContain('#7701');
    });

    it('tells the operator, not only the customer, when a tenant has no brand API to look orders up in', async () => {
      const created = await createTenant(h, { name: 'No Brand Yet' });
      brandless.add(created.id);
      const numberId = (await h.orderline.tenants.get(created.id)).whatsapp.phoneNumberId!;
      const me = phone();
      const before = sender.to(me).length;
      expect((await postWebhook(h, numberId, tapWebhook(numberId, me, { kind: 'list_reply', id: 'menu:track' }, wamid()))).statusCode).toBe(200);
      await drain(h, 60_000);
      expect((sender.to(me).slice(before)[0]?.message as unknown as Sent).text?.body).toContain('cannot reach the store');
      const alerts = await h.app.inject({ method: 'GET', url: `/admin/tenants/${created.id}/alerts`, headers: h.admin });
      expect(alerts.json<{ items: { kind: string; detail: string }[] }>().items).toEqual([
        expect.objectContaining({ kind: 'brand_api_unavailable', detail: expect.stringContaining('brandApi.baseUrl is not set') as unknown }),
      ]);
    });

    it('answers a duplicate webhook once, and anything else with a helpful fallback', async () => {
      const me = phone();
      const body = textWebhook(tenant.phoneNumberId, me, 'hello', wamid());
      await postWebhook(h, tenant.phoneNumberId, body);
      await postWebhook(h, tenant.phoneNumberId, body);
      await drain(h);
      expect(sender.to(me)).toHaveLength(1);
      const [fallback] = await text(me, 'the weather is lovely');
      expect(fallback?.interactive?.body.text).toContain("didn't get that");
      expect(rows(fallback)).toContain('menu:track');
    });

    it('stays quiet at a reaction or a system notice (number changed): neither is a question', async () => {
      const me = phone();
      const reaction = wholeMessageWebhook(tenant.phoneNumberId, me, { from: me, id: wamid(), timestamp: '1772360000', type: 'reaction', reaction: { message_id: 'wamid.earlier', emoji: '👍' } });
      expect(await say(me, reaction)).toEqual([]);
      const system = wholeMessageWebhook(tenant.phoneNumberId, me, {
        from: me,
        id: wamid(),
        timestamp: '1772360000',
        type: 'system',
        system: { body: 'User changed number', wa_id: `${me}1`, type: 'user_changed_number' },
      });
      expect(await say(me, system)).toEqual([]);
      // Stored all the same, and a real question after them is answered.
      const stored = await h.orderline.connection.db.selectFrom('inbound_messages').select('type').where('customer', '=', me).execute();
      expect(stored.map((r) => r.type).sort()).toEqual(['reaction', 'system']);
      expect(await text(me, 'hi')).toHaveLength(1);
    });

    it("fills notification gaps from the brand: an order never seen, a customer known only by email", async () => {
      const me = phone();
      const ghost = `ghost${Date.now()}`;
      brand.orders.set(ghost, order(ghost, '#8801', me));
      await postEvent(h, tenant.guestKey, '/fulfillments-events-create', seedDeliveryEvent({ id: ghost, fulfillment_id: 'f1', status: 'Delivered' }));
      await drain(h);
      const delivered = sender.to(me).at(-1)?.message.template as { name: string } | undefined;
      expect(delivered?.name).toBe('orderline_order_delivered');
      expect(brand.calls).toContain(`getOrder ${ghost}`);

      const other = phone();
      brand.customers.set(`+${other}`, { firstName: 'Ravi', lastName: null, phone: `+${other}`, email: `ravi${seq}@example.com`, addresses: [] });
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id: `mail${Date.now()}`, phone: null, shippingAddress: { name: 'Ravi', phone: null }, email: `ravi${seq}@example.com`, fullyPaid: true }));
      await drain(h);
      expect((sender.to(other).at(-1)?.message.template as { name: string } | undefined)?.name).toBe('orderline_order_confirmed');
    });

    const messagesOf = async (orderId: string) =>
      (await h.app.inject({ method: 'GET', url: `/admin/tenants/${tenant.id}/messages?orderId=${orderId}`, headers: h.admin })).json<{
        items: { kind: string; state: string; skipReason: string | null }[];
      }>().items;

    it('plans again later when the brand fails a gap-filling look-up, instead of skipping as no phone or unknown order', async () => {
      const other = phone();
      const email = `mira${seq}@example.com`;
      brand.customers.set(`+${other}`, { firstName: 'Mira', lastName: null, phone: `+${other}`, email, addresses: [] });
      const id = `late${Date.now()}`;
      brand.failNext('timeout');
      await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, phone: null, shippingAddress: { name: 'Mira', phone: null }, email, fullyPaid: true }));
      await drain(h);
      // The first attempt met the timeout: nothing is recorded yet, the event waits for its retry.
      expect(await messagesOf(id)).toEqual([]);
      await drain(h, 60_000);
      expect((sender.to(other).at(-1)?.message.template as { name: string } | undefined)?.name).toBe('orderline_order_confirmed');
      expect(brand.calls.filter((c) => c === `customerByEmail ${email}`)).toHaveLength(2);

      const me = phone();
      const ghost = `ghost-late${Date.now()}`;
      brand.orders.set(ghost, order(ghost, '#8802', me));
      brand.failNext('unavailable');
      await postEvent(h, tenant.guestKey, '/fulfillments-events-create', seedDeliveryEvent({ id: ghost, fulfillment_id: 'f1', status: 'Delivered' }));
      await drain(h);
      expect(await messagesOf(ghost)).toEqual([]);
      await drain(h, 60_000);
      expect((sender.to(me).at(-1)?.message.template as { name: string } | undefined)?.name).toBe('orderline_order_delivered');
      expect((await messagesOf(ghost)).map((m) => [m.kind, m.state])).toEqual([['order_delivered', 'accepted']]);
    });

    it('skips as brand_api_unavailable, and alerts, only once the brand has failed every attempt', async () => {
      const email = `gone${seq}@example.com`;
      const id = `outage${Date.now()}`;
      brand.failAll('unavailable');
      try {
        await postEvent(h, tenant.guestKey, '/orders-create', businessOnBotOrder({ id, phone: null, shippingAddress: { name: 'G', phone: null }, email, fullyPaid: true }));
        await drain(h, 2 * 3_600_000);
      } finally {
        brand.failAll(null);
      }
      expect((await messagesOf(id)).map((m) => [m.state, m.skipReason])).toEqual([['skipped', 'brand_api_unavailable']]);
      expect(brand.calls.filter((c) => c === `customerByEmail ${email}`)).toHaveLength(DEFAULT_MAX_ATTEMPTS);
      const alerts = await h.app.inject({ method: 'GET', url: `/admin/tenants/${tenant.id}/alerts?limit=1`, headers: h.admin });
      expect(alerts.json<{ items: { kind: string; detail: string }[] }>().items).toEqual([
        expect.objectContaining({ kind: 'brand_api_unavailable', detail: `order_confirmed for order ${id} not sent: scripted unavailable` }),
      ]);
    });

    it('explains instead of looking up orders for a customer known only by a user id', async () => {
      const [reply] = await say('IN.usr_abc123', textWebhook(tenant.phoneNumberId, 'IN.usr_abc123', '#2201', wamid()));
      expect(reply?.text?.body).toContain('phone number');
      expect(brand.calls.some((c) => c.includes('usr_abc123'))).toBe(false);
    });
  });
});
