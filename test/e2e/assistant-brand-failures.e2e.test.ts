/**
 * The order assistant when things go wrong end to end: a duplicated or replayed webhook, a
 * brand that is slow, answers garbage or refuses our key (a second tap in front of the brand,
 * switched to misbehave), and the brand server process stopped and restarted on the same
 * port and database. The customer gets the polite answer, the operator an alert, and the
 * bot recovers. The stage is described in test/support/assistant-stage.ts; the outage
 * scenario stops its brand process, so it comes last. Needs `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASHA, AssistantStage, BRAND_KEY, brandRecord, MENU, TRY_LATER } from '../support/assistant-stage.js';
import { BrandFront } from '../support/brand-front.js';
import { call, rowIds } from '../support/e2e-client.js';
import { sandboxAppSecret } from '../support/e2e-fixtures.js';
import { sign, textWebhook, wholeMessageWebhook } from '../support/meta-webhooks.js';
import { stopAllChildren } from '../support/process.js';

// The stage stops its own processes; this is the safety net for anything a failed start left behind.
afterAll(stopAllChildren);

describe('the order assistant over real HTTP: reference brand process, service process, built-in sandbox', () => {
  const stage = new AssistantStage();
  beforeAll(() => stage.start());
  afterAll(() => stage.stop());
  const { brandUrl, openShop } = stage;

  it('answers a duplicated webhook once (the same signed bytes twice, and a replay of one the sandbox delivered)', async () => {
    const { tenant, asha } = await openShop();
    const secret = sandboxAppSecret(tenant.id);
    const post = (raw: string) =>
      call(`${stage.api.url}/webhooks/whatsapp`, { raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(raw, secret) } });

    const raw = JSON.stringify(textWebhook(tenant.phoneNumberId, ASHA, 'menu', `wamid.E2E-DUP-${Date.now()}`, Math.floor(Date.now() / 1000)));
    for (let i = 0; i < 2; i++) {
      const reply = await post(raw);
      expect(reply.status, reply.text).toBe(200);
    }
    await stage.api.drained();
    const answered = await asha.received();
    expect(answered.map(rowIds)).toEqual([MENU]);

    // The sandbox's own delivery of a message, delivered again: no second answer.
    await asha.reply({ text: '#1003' });
    const delivered = (await stage.api.chat(tenant.id, ASHA)).filter((e) => e.direction === 'in').at(-1);
    expect(delivered?.summary.text).toBe('#1003');
    const replay = JSON.stringify(wholeMessageWebhook(tenant.phoneNumberId, ASHA, delivered?.body as Record<string, unknown>));
    const count = (await asha.received()).length;
    expect((await post(replay)).status).toBe(200);
    await stage.api.drained();
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

      const alerts = await stage.api.alerts(tenant.id);
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
      // Found in her orders by the national-form phone, then read whole.
      expect(flaky.calls().slice(-2)).toEqual([national, 'GET /order/1003']);
      console.info(`[assistant e2e] a brand slower than timeoutMs 300: the polite answer reached the customer ${slowMs} ms after the message`);

      // A brand that refuses our key (401): the polite answer, and the operator is told why.
      const wrongKey = await openShop({ baseUrl: brandUrl(), apiKey: 'not-the-brand-key' }, 'Wrong Key');
      expect((await wrongKey.asha.reply({ listRowId: 'menu:track' })).summary.text).toBe(TRY_LATER);
      const [keyAlert] = await stage.api.alerts(wrongKey.tenant.id);
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
    await stage.stopBrand();
    expect((await asha.reply({ listRowId: 'menu:track' })).summary.text).toBe(TRY_LATER);
    expect((await asha.reply({ text: '#1004' })).summary.text).toBe(TRY_LATER);
    const alerts = await stage.api.alerts(tenant.id);
    // Two failures alike within 15 minutes: one alert, counted twice.
    expect(alerts.map((a) => [a.kind, a.repeats])).toEqual([['brand_api_unavailable', 1]]);
    expect(alerts.every((a) => a.detail.startsWith('GET /get-orders/{phone}: '))).toBe(true);
    // The menu needs no brand: still there.
    expect(rowIds(await asha.reply({ text: 'hi' }))).toEqual(MENU);

    await stage.restartBrand();
    expect((await asha.reply({ text: '#1003' })).summary.text).toBe('Order #1003: confirmed and being prepared.\nItems: Block Print Bedsheet × 1, Cushion Cover × 2');
    // The brand kept its database across the restart.
    expect(await brandRecord(brandUrl(), '1004')).toEqual(recordBefore);
  });
});
