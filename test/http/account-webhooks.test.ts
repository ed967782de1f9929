/**
 * Meta's account-level webhooks (about a WhatsApp Business Account: template status, quality,
 * account updates) through the service on real SQLite and PostgreSQL. They name no phone
 * number, only the WABA id in `entry[].id`: a tenant with its own Meta app got 401 for every
 * one of them (the service's secret was required), and Meta disables the webhook of an app
 * whose deliveries keep failing. Now the WABA id in the tenant's settings routes them, each is
 * checked with that tenant's own app secret, and what needs an operator becomes an alert.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../support/databases.js';
import { createTenant, drain, startHarness, type Harness } from '../support/harness.js';
import { accountWebhook, postSigned, sign, statusesWebhook, templatePausedWebhook } from '../support/meta-webhooks.js';

const SERVICE_SECRET = 'service-app-secret-0123456789';

let seq = 0;
/** Digits unique within the run: phone number ids and WABA ids are both. */
const digits = (prefix: string) => `${prefix}${Date.now() % 1_000_000_000}${String(++seq).padStart(3, '0')}`;

interface AlertJson {
  kind: string;
  detail: string;
  repeats: number;
  resolvedAt: string | null;
}

describe.each(databaseTargets())('account-level webhooks on $name', (factory) => {
  describe.skipIf(factory.skip)('', () => {
    let h: Harness;

    beforeAll(async () => {
      h = await startHarness(factory, { WHATSAPP_APP_SECRET: SERVICE_SECRET });
    });
    afterAll(async () => h?.close());

    /** A Cloud API tenant; `appSecret` null: it uses the service's. */
    async function cloudTenant(appSecret: string | null, businessAccountId: string | null = digits('1')) {
      const whatsapp: Record<string, unknown> = { phoneNumberId: digits('2'), accessToken: 'tok', businessAccountId };
      if (appSecret !== null) whatsapp.appSecret = appSecret;
      const { id } = await createTenant(h, { name: 'Account Store', whatsapp });
      return { id, phoneNumberId: whatsapp.phoneNumberId as string, businessAccountId };
    }

    async function alerts(tenantId: string): Promise<AlertJson[]> {
      const res = await h.app.inject({ method: 'GET', url: `/admin/tenants/${tenantId}/alerts`, headers: h.admin });
      expect(res.statusCode).toBe(200);
      return res.json<{ items: AlertJson[] }>().items;
    }

    async function metric(name: string): Promise<number> {
      const text = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
      const line = text.split('\n').find((l) => l.startsWith(`${name} `));
      return line === undefined ? 0 : Number(line.slice(name.length + 1));
    }

    const patch = (id: string, body: Record<string, unknown>) => h.app.inject({ method: 'PATCH', url: `/admin/tenants/${id}`, headers: h.admin, payload: body });

    it('takes whatsapp.businessAccountId on create and PATCH, shows it, and refuses one that is not an id', async () => {
      const plain = await createTenant(h, { name: 'No WABA' });
      expect((await h.orderline.tenants.get(plain.id)).whatsapp.businessAccountId).toBeNull();

      const t = await cloudTenant('own-secret-view', '102290129340398');
      const shown = await h.app.inject({ method: 'GET', url: `/admin/tenants/${t.id}`, headers: h.admin });
      expect(shown.json<{ tenant: { whatsapp: Record<string, unknown> } }>().tenant.whatsapp).toMatchObject({
        businessAccountId: '102290129340398',
        hasAppSecret: true,
        mode: 'cloud',
      });
      const moved = await patch(t.id, { whatsapp: { businessAccountId: '524126980791429' } });
      expect(moved.statusCode, moved.body).toBe(200);
      expect(moved.json<{ tenant: { whatsapp: { businessAccountId: string } } }>().tenant.whatsapp.businessAccountId).toBe('524126980791429');

      for (const wrong of ['WABA-1', '', 102290129340398]) {
        const refused = await patch(t.id, { whatsapp: { businessAccountId: wrong } });
        expect(refused.statusCode).toBe(400);
        expect(refused.json<{ details: { path: string }[] }>().details.map((d) => d.path)).toContain('/whatsapp/businessAccountId');
      }
      const cleared = await patch(t.id, { whatsapp: { businessAccountId: null } });
      expect(cleared.json<{ tenant: { whatsapp: { businessAccountId: null } } }>().tenant.whatsapp.businessAccountId).toBeNull();
      // The column the webhook looks up follows the settings.
      expect(await h.orderline.accounts.accountSecrets('524126980791429')).toEqual([]);
    });

    it("checks a body about a tenant's WABA with that tenant's own app secret, and makes a paused template it sends with an alert", async () => {
      const a = await cloudTenant('tenant-a-own-secret');
      const b = await cloudTenant('tenant-b-own-secret');
      const body = templatePausedWebhook(a.businessAccountId!, 'orderline_order_shipped');

      for (const secret of [null, SERVICE_SECRET, 'tenant-b-own-secret', 'no-ones-secret']) {
        const refused = await postSigned(h, body, secret);
        expect(refused.json(), `signed with ${secret}`).toEqual({ status: 'failure', statusCode: 401, error: 'Unauthorized!!' });
      }
      const malformed = await h.app.inject({
        method: 'POST',
        url: '/webhooks/whatsapp',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=zz' },
        payload: JSON.stringify(body),
      });
      expect(malformed.statusCode).toBe(401);
      await drain(h);
      expect(await alerts(a.id)).toEqual([]);

      const taken = await postSigned(h, body, 'tenant-a-own-secret');
      expect(taken.json()).toEqual({ status: 'success', statusCode: 200 });
      await drain(h);
      const [alert, ...others] = await alerts(a.id);
      expect(others).toEqual([]);
      expect(alert).toMatchObject({ kind: 'template_paused', repeats: 0 });
      expect(alert!.detail).toContain('Meta paused template "orderline_order_shipped" (en).');
      expect(alert!.detail).toContain('paused for 3 hours');
      expect(alert!.detail).toContain('Used for order_shipped.');
      expect(await alerts(b.id)).toEqual([]);

      // Meta redelivers: the same alert counts again instead of a second one.
      await postSigned(h, body, 'tenant-a-own-secret');
      await drain(h);
      expect((await alerts(a.id)).map((x) => [x.kind, x.repeats])).toEqual([['template_paused', 1]]);
    });

    it('settles a paused template\'s alert when Meta reinstates it, and raises the next pause anew', async () => {
      const a = await cloudTenant('tenant-reinstated-secret');
      const otherLanguage = templatePausedWebhook(a.businessAccountId!, 'orderline_order_shipped', 'hi');
      await postSigned(h, templatePausedWebhook(a.businessAccountId!, 'orderline_order_shipped'), 'tenant-reinstated-secret');
      await postSigned(h, otherLanguage, 'tenant-reinstated-secret');
      await drain(h);
      expect((await alerts(a.id)).map((x) => x.resolvedAt)).toEqual([null, null]);

      const reinstated = templatePausedWebhook(a.businessAccountId!, 'orderline_order_shipped');
      reinstated.entry[0]!.changes[0]!.value.event = 'REINSTATED';
      h.clock.advance(60_000);
      await postSigned(h, reinstated, 'tenant-reinstated-secret');
      await drain(h);
      const [hindi, english] = await alerts(a.id);
      // Only the English template came back; nothing new was raised for the good news.
      expect(english).toMatchObject({ kind: 'template_paused', resolvedAt: h.clock.now().toISOString() });
      expect(hindi).toMatchObject({ kind: 'template_paused', resolvedAt: null });

      // Paused again within the repeat window: a new, open alert, not a repeat of the settled one.
      h.clock.advance(60_000);
      await postSigned(h, templatePausedWebhook(a.businessAccountId!, 'orderline_order_shipped'), 'tenant-reinstated-secret');
      await drain(h);
      const listed = await alerts(a.id);
      expect(listed.map((x) => [x.kind, x.resolvedAt === null, x.repeats])).toEqual([
        ['template_paused', true, 0],
        ['template_paused', true, 0],
        ['template_paused', false, 0],
      ]);
    });

    it('checks a tenant without its own app secret with WHATSAPP_APP_SECRET, and raises quality and limit downgrades', async () => {
      const c = await cloudTenant(null);
      const body = {
        object: 'whatsapp_business_account',
        entry: [
          {
            id: c.businessAccountId,
            time: 1_772_360_000,
            changes: [
              { field: 'phone_number_quality_update', value: { display_phone_number: '15550783881', event: 'DOWNGRADE', old_limit: 'TIER_10K', current_limit: 'TIER_2K' } },
              { field: 'account_update', value: { event: 'ACCOUNT_RESTRICTION', restriction_info: [{ restriction_type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiration: 1_772_960_000 }] } },
              { field: 'message_template_status_update', value: { event: 'APPROVED', message_template_name: 'orderline_order_shipped', message_template_language: 'en', reason: 'NONE' } },
            ],
          },
        ],
      };
      expect((await postSigned(h, body, 'tenant-a-own-secret')).statusCode).toBe(401);
      expect((await postSigned(h, body, SERVICE_SECRET)).statusCode).toBe(200);
      await drain(h);
      const raised = await alerts(c.id);
      expect(raised.map((x) => x.kind).sort()).toEqual(['account_restricted', 'messaging_limit_lowered']);
      expect(raised.find((x) => x.kind === 'messaging_limit_lowered')?.detail).toBe(
        `Meta lowered the messaging limit of +15550783881 (WABA ${c.businessAccountId}) from TIER_10K to TIER_2K.`,
      );
      expect(raised.find((x) => x.kind === 'account_restricted')?.detail).toContain('RESTRICTED_BIZ_INITIATED_MESSAGING');
    });

    it("takes a body naming no known WABA when a tenant's own app signed it, drops and counts it, and routes it once the WABA is set", async () => {
      const a = await cloudTenant('tenant-unset-own-secret', null);
      const waba = digits('3');
      const body = templatePausedWebhook(waba, 'orderline_order_delivered');
      const dropped = await metric('orderline_webhook_unknown_business_accounts_total');

      for (const secret of [null, 'no-ones-secret']) expect((await postSigned(h, body, secret)).statusCode).toBe(401);
      expect((await postSigned(h, body, 'tenant-unset-own-secret')).json()).toEqual({ status: 'success', statusCode: 200 });
      expect((await postSigned(h, body, SERVICE_SECRET)).statusCode).toBe(200);
      expect(await metric('orderline_webhook_unknown_business_accounts_total')).toBe(dropped + 2);
      // Dropped: no job was queued for it, so nothing reached the tenant.
      expect(await drain(h)).toBe(0);
      expect(await alerts(a.id)).toEqual([]);

      expect((await patch(a.id, { whatsapp: { businessAccountId: waba } })).statusCode).toBe(200);
      // Known now: its tenant's own secret, and only that, signs for it.
      expect((await postSigned(h, body, SERVICE_SECRET)).statusCode).toBe(401);
      expect((await postSigned(h, body, 'tenant-unset-own-secret')).statusCode).toBe(200);
      await drain(h);
      expect((await alerts(a.id)).map((x) => x.kind)).toEqual(['template_paused']);
    });

    it('sees a new app secret at once for bodies naming no tenant (the kept list is forgotten on change)', async () => {
      const t = await cloudTenant('first-secret', null);
      const body = templatePausedWebhook(digits('4'), 'anything');
      expect((await postSigned(h, body, 'first-secret')).statusCode).toBe(200);
      expect((await patch(t.id, { whatsapp: { appSecret: 'second-secret' } })).statusCode).toBe(200);
      expect((await postSigned(h, body, 'second-secret')).statusCode).toBe(200);
      expect((await postSigned(h, body, 'first-secret')).statusCode).toBe(401);
    });

    it('gives a shared WABA\'s changes to the tenants whose app signed them, never to the others', async () => {
      const waba = digits('5');
      const own = await cloudTenant('shared-own-secret', waba);
      const service = await cloudTenant(null, waba);
      const body = templatePausedWebhook(waba, 'orderline_order_confirmed');
      expect((await postSigned(h, body, 'tenant-b-own-secret')).statusCode).toBe(401);
      expect((await postSigned(h, body, 'shared-own-secret')).statusCode).toBe(200);
      await drain(h);
      expect((await alerts(own.id)).map((x) => x.kind)).toEqual(['template_paused']);
      expect(await alerts(service.id)).toEqual([]);
      expect((await postSigned(h, body, SERVICE_SECRET)).statusCode).toBe(200);
      await drain(h);
      expect((await alerts(service.id)).map((x) => x.kind)).toEqual(['template_paused']);
      expect((await alerts(own.id)).map((x) => x.repeats)).toEqual([0]);
    });

    it("refuses a body naming one tenant's number and another tenant's WABA signed for the first only", async () => {
      const a = await cloudTenant('mixed-a-secret');
      const b = await cloudTenant('mixed-b-secret');
      const numberPart = statusesWebhook(a.phoneNumberId, []);
      const body = { ...numberPart, entry: [...numberPart.entry, ...templatePausedWebhook(b.businessAccountId!, 'x').entry] };
      expect((await postSigned(h, body, 'mixed-a-secret')).statusCode).toBe(401);
      expect((await postSigned(h, body, 'mixed-b-secret')).statusCode).toBe(401);
    });

    it('takes changes of fields Orderline does not act on, ignores and counts them', async () => {
      const a = await cloudTenant('ignored-own-secret');
      const name = 'orderline_webhook_ignored_changes_total{field="business_capability_update"}';
      const before = await metric(name);
      const body = accountWebhook(a.businessAccountId!, 'business_capability_update', { max_daily_conversations_per_business: 2000, max_phone_numbers_per_waba: 25 });
      expect((await postSigned(h, body, 'ignored-own-secret')).statusCode).toBe(200);
      await drain(h);
      expect(await metric(name)).toBe(before + 1);
      expect(await alerts(a.id)).toEqual([]);
    });

    it('lets the sandbox play Meta for a sandbox tenant: a signed account-level webhook that becomes an alert', async () => {
      const { id } = await createTenant(h, { name: 'Sandbox Store', whatsapp: { businessAccountId: '102290129340300' } });
      const none = await createTenant(h, { name: 'Sandbox Without WABA' });
      h.orderline.setInternalUrl(await h.app.listen({ port: 0, host: '127.0.0.1' }));
      const send = (tenantId: string) =>
        h.app.inject({
          method: 'POST',
          url: `/sandbox/tenants/${tenantId}/account-webhook`,
          headers: h.admin,
          payload: { field: 'message_template_status_update', value: { event: 'REJECTED', message_template_name: 'orderline_cart_reminder', message_template_language: 'en', reason: 'INVALID_FORMAT' } },
        });
      const sent = await send(id);
      expect(sent.json()).toEqual({ businessAccountId: '102290129340300', webhookStatus: 200 });
      await drain(h);
      const [alert] = await alerts(id);
      expect(alert?.kind).toBe('template_rejected');
      expect(alert?.detail).toContain('Reason: INVALID_FORMAT.');
      expect(alert?.detail).toContain('Used for cart_reminder step 1, cart_reminder step 2, cart_reminder step 3.');
      expect((await send(none.id)).statusCode).toBe(409);
    });

    it('still signs per-number bodies as before: a sandbox number with its derived secret', async () => {
      const { id } = await createTenant(h, { name: 'Per Number' });
      const view = await h.orderline.tenants.get(id);
      const number = view.whatsapp.phoneNumberId!;
      const raw = JSON.stringify(statusesWebhook(number, []));
      const secret = (await h.orderline.accounts.webhookSecret(number))!.secret!;
      const post = (signature: string) =>
        h.app.inject({ method: 'POST', url: '/webhooks/whatsapp', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, payload: raw });
      expect((await post(sign(raw, SERVICE_SECRET))).statusCode).toBe(401);
      expect((await post(sign(raw, secret))).statusCode).toBe(200);
    });
  });
});
