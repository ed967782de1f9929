/**
 * The order assistant end to end, as a brand and its customers run it: whole conversations
 * played through the built-in sandbox (`POST /sandbox/tenants/{id}/inbound`), asserting what
 * the customer received (`GET /sandbox/tenants/{id}/chats/{phone}`) and what reached the
 * brand. Here: the menu, tracking, personal details, the handoff to a person, and STOP /
 * START. The stage (brand process, service process, recording tap) is described in
 * test/support/assistant-stage.ts; cancelling and a misbehaving brand have files of their own
 * (assistant-cancel, assistant-brand-failures). Needs `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASHA, AssistantStage, BRAND_KEY, MEERA, MENU, VIKRAM } from '../support/assistant-stage.js';
import { call, parsed, rowIds } from '../support/e2e-client.js';
import { admin, STORE } from '../support/e2e-fixtures.js';
import { stopAllChildren } from '../support/process.js';

// The stage stops its own processes; this is the safety net for anything a failed start left behind.
afterAll(stopAllChildren);

describe('the order assistant over real HTTP: reference brand process, service process, built-in sandbox', () => {
  const stage = new AssistantStage();
  beforeAll(() => stage.start());
  afterAll(() => stage.stop());
  const { tap, openShop } = stage;

  it('greets with the menu: a list of the four options, in the tenant name', async () => {
    const { tenant, asha } = await openShop();
    const view = parsed<{ tenant: { whatsapp: { mode: string; hasAccessToken: boolean }; brandApi: { hasApiKey: boolean; phoneFormat: string } } }>(
      await call(`${stage.api.url}/admin/tenants/${tenant.id}`, { headers: admin }),
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
    expect(list.summary.list?.[0]?.description).toBe('2026-01-12 · ₹996.00');

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

    const conversation = (await stage.api.conversations(tenant.id)).find((c) => c.customer === VIKRAM);
    expect(conversation?.mode).toBe('human');
    const cid = conversation?.id ?? '';
    const before = (await vikram.received()).length;
    expect(await stage.api.conversationAction(tenant.id, cid, 'release')).toMatchObject({ id: cid, mode: 'bot' });
    await stage.api.drained();
    const released = (await vikram.received()).slice(before);
    expect(released.map((e) => e.summary.text)).toEqual([`You are back with the ${STORE} order assistant. Type "menu" to see the options.`]);

    expect((await vikram.reply({ text: '#2001' })).summary.text).toBe('Order #2001: confirmed and being prepared.\nItems: Leather Sandals × 1');
    expect(await stage.api.conversationAction(tenant.id, cid, 'take')).toMatchObject({ id: cid, mode: 'human' });
    await vikram.silence({ text: 'menu' });
    // Taking it twice is a conflict.
    expect((await call(`${stage.api.url}/admin/tenants/${tenant.id}/conversations/${cid}/take`, { method: 'POST', headers: admin })).status).toBe(409);
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
});
