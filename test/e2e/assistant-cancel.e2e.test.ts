/**
 * The order assistant cancelling orders end to end: the customer's confirmation and reason,
 * exactly what the brand receives and records, and every refusal (shipped, delivered,
 * someone else's order, a forged tap), plus the COD confirmation's Confirm / Cancel buttons.
 * The stage (brand process, service process, recording tap) is described in
 * test/support/assistant-stage.ts. The scenarios run in order and share the brand's database
 * and the tap's record of cancels. Needs `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessOnBotOrder } from '../../src/domain/events/fixtures.js';
import { ASHA, AssistantStage, BRAND_KEY, brandAddOrder, brandRecord, type Customer } from '../support/assistant-stage.js';
import { buttonIds, eventually, rowIds, type ChatEntry } from '../support/e2e-client.js';
import { jsonLogLines, stopAllChildren } from '../support/process.js';

// The stage stops its own processes; this is the safety net for anything a failed start left behind.
afterAll(stopAllChildren);

describe('the order assistant over real HTTP: reference brand process, service process, built-in sandbox', () => {
  const stage = new AssistantStage();
  beforeAll(() => stage.start());
  afterAll(() => stage.stop());
  const { brandUrl, cancelsSeen, openShop } = stage;

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
    // 1002 has shipped: not offered for cancelling.
    expect(rowIds(list)).toEqual(['cancel:1004', 'cancel:1003']);
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
    expect(typed.summary.text).toBe("I couldn't find order #2001. Please check the number and try again.");
    for (const forged of [{ listRowId: 'track:2001' }, { listRowId: 'cancel:2001' }, { buttonId: 'cancel_yes:2001' }, { listRowId: 'reason:2001:changed_mind' }]) {
      const refused = await asha.reply(forged);
      expect(refused.summary.text, JSON.stringify(forged)).toContain("couldn't find order #2001");
    }
    expect(cancelsSeen()).toHaveLength(before);
    expect(await brandRecord(brandUrl(), '2001')).toMatchObject({ status: 'open', cancelledAt: null, cancelledBy: null });
    // The operator finds a warning in the log.
    await eventually(
      'a warning about the refused order',
      async () => jsonLogLines(stage.service.stdout()).map((l) => JSON.parse(l) as { msg?: string; orderId?: string }),
      (records) => records.some((r) => r.orderId === '2001' && (r.msg ?? '').includes('not theirs')),
    );
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
      await stage.api.drained();
      return template as ChatEntry;
    };

    const confirming = await openShop();
    await brandAddOrder(brandUrl(), cod('7001'));
    await stage.api.post(confirming.tenant, '/orders-create', cod('7001'));
    expect(buttonIds(await codTemplate(confirming.asha, '7001'))).toEqual(['cod_confirm:7001', 'cod_cancel:7001']);
    expect((await stage.api.order(confirming.tenant.id, '7001')).order.confirmation).toBeNull();
    // Someone else tapping a forwarded button: refused, nothing recorded.
    const stranger = await confirming.vikram.reply({ buttonId: 'cod_confirm:7001' });
    expect(stranger.summary.text).toContain("couldn't find order #7001");
    expect((await stage.api.order(confirming.tenant.id, '7001')).order.confirmation).toBeNull();
    const thanks = await confirming.asha.reply({ buttonId: 'cod_confirm:7001' });
    expect(thanks.summary.text).toBe('Thank you! Order #7001 is confirmed and will be shipped soon.');
    expect((await stage.api.order(confirming.tenant.id, '7001')).order.confirmation).toMatchObject({ decision: 'confirmed', customer: ASHA });
    expect(await brandRecord(brandUrl(), '7001')).toMatchObject({ status: 'open', cancelledBy: null });

    const cancelling = await openShop();
    await brandAddOrder(brandUrl(), cod('7002'));
    await stage.api.post(cancelling.tenant, '/orders-create', cod('7002'));
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
});
