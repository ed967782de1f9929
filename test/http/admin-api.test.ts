/**
 * The admin API for tenants over inject(), on real SQLite and PostgreSQL: auth, create with
 * defaults, secrets never returned (and sealed at rest), merge patches, paging, conflicts,
 * and every error in the envelope.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../support/databases.js';
import { ADMIN_TOKEN, createTenant, startHarness, type Harness } from '../support/harness.js';

interface TenantJson {
  id: string;
  name: string;
  timezone: string;
  defaultCountry: string;
  whatsapp: Record<string, unknown>;
  brandApi: Record<string, unknown>;
  notifications: Record<string, { enabled: boolean; template: unknown }>;
  cartRecovery: { reminders: { after: string }[]; quietHours: unknown; expireAfter: string | null };
  bot: { idleTimeout: string; texts: Record<string, string> };
  createdAt: string;
  updatedAt: string;
}

describe.each(databaseTargets())('admin API on $name', (factory) => {
  describe.skipIf(factory.skip)('', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(factory);
    });
    afterAll(async () => h?.close());

    const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers = h.admin) =>
      h.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

    it('refuses every admin route without the bearer token, in the envelope', async () => {
      const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong-token-wrong-token' }, { authorization: ADMIN_TOKEN }];
      for (const headers of attempts) {
        const res = await call('GET', '/admin/tenants', undefined, headers);
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ status: 'failure', statusCode: 401, error: 'Unauthorized!!' });
      }
      const create = await call('POST', '/admin/tenants', { name: 'x' }, {});
      expect(create.statusCode).toBe(401);
    });

    it('answers U+0000 in a path id, a cursor or a body with a 400 naming where it was, on either database', async () => {
      const created = await call('POST', '/admin/tenants', { name: 'Nul' });
      const { tenant, guestKey } = created.json<{ tenant: TenantJson; guestKey: string }>();
      const cases: [method: 'GET' | 'POST', url: string, payload: unknown, path: string][] = [
        ['GET', '/admin/tenants/%00', undefined, 'params:/id'],
        ['GET', `/admin/tenants/${tenant.id}/events?cursor=evt%00`, undefined, 'querystring:/cursor'],
        ['GET', `/admin/tenants/${tenant.id}/orders/a%00b`, undefined, 'params:/orderId'],
        ['POST', '/admin/messages/%00/retry', {}, 'params:/id'],
        ['POST', '/admin/tenants', { name: 'x\u0000y' }, '/name'],
      ];
      for (const [method, url, payload, path] of cases) {
        const res = await call(method, url, payload);
        expect(res.statusCode, url).toBe(400);
        expect(res.json(), url).toMatchObject({ status: 'failure', statusCode: 400, details: [{ path, message: 'must not contain the character U+0000' }] });
      }
      const guest = await h.app.inject({
        method: 'POST',
        url: '/orders-create',
        headers: { 'content-type': 'application/json', 'x-guest-id': guestKey },
        payload: '{"id":"a\\u0000b","customer":{"phone":"+919876543210"}}',
      });
      expect(guest.statusCode).toBe(400);
      expect(guest.json()).toMatchObject({ statusCode: 400, details: [{ path: '/id', message: 'must not contain the character U+0000' }] });
      // An escaped backslash before "u0000" is text, not U+0000.
      const literal = await call('PATCH', `/admin/tenants/${tenant.id}`, { name: 'back\\u0000slash' });
      expect(literal.statusCode).toBe(200);
    });

    it('creates a tenant with documented defaults and a guest key shown once', async () => {
      const res = await call('POST', '/admin/tenants', { name: 'Defaults' });
      expect(res.statusCode).toBe(201);
      const { tenant, guestKey } = res.json<{ tenant: TenantJson; guestKey: string }>();
      expect(guestKey).toMatch(/^olk_[A-Za-z0-9_-]{32}$/);
      expect(tenant).toMatchObject({
        name: 'Defaults',
        timezone: 'Asia/Kolkata',
        defaultCountry: 'IN',
        locale: 'en-IN',
        whatsapp: { phoneNumberId: expect.stringMatching(/^1555[0-9]{11}$/) as unknown, messagesPerSecond: 80, hasAccessToken: false, hasAppSecret: false, mode: 'sandbox' },
        brandApi: { baseUrl: null, timeoutMs: 5000, phoneFormat: 'digits', hasApiKey: false },
        cartRecovery: { reminders: [{ after: '30m' }, { after: '4h' }, { after: '24h' }], quietHours: { start: '21:00', end: '09:00' }, expireAfter: '7d' },
        bot: { idleTimeout: '30m', texts: {} },
      });
      expect(Object.keys(tenant.notifications).sort()).toEqual(
        ['cart_reminder', 'order_cancelled', 'order_confirmed', 'order_confirmed_cod', 'order_delivered', 'order_dispatched', 'order_in_transit', 'order_returned', 'order_shipped'],
      );
      const fetched = await call('GET', `/admin/tenants/${tenant.id}`);
      expect(fetched.json()).toEqual({ tenant });
      expect(fetched.body).not.toContain(guestKey);
      const row = await h.orderline.connection.db.selectFrom('guest_keys').selectAll().where('tenant_id', '=', tenant.id).execute();
      expect(row).toHaveLength(1);
      expect(row[0]?.key_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(row)).not.toContain(guestKey);
    });

    it('never returns secrets, and keeps them sealed at rest', async () => {
      const secrets = { accessToken: 'EAAG-meta-token-123', appSecret: 'app-secret-456' };
      const res = await call('POST', '/admin/tenants', {
        name: 'Secretive',
        whatsapp: { phoneNumberId: '1000001', ...secrets },
        brandApi: { baseUrl: 'https://brand.example', apiKey: 'brand-key-789' },
      });
      expect(res.statusCode).toBe(201);
      const { tenant } = res.json<{ tenant: TenantJson }>();
      expect(tenant.whatsapp).toMatchObject({ hasAccessToken: true, hasAppSecret: true, mode: 'cloud', phoneNumberId: '1000001' });
      expect(tenant.brandApi).toMatchObject({ hasApiKey: true, baseUrl: 'https://brand.example' });
      for (const text of [res.body, (await call('GET', `/admin/tenants/${tenant.id}`)).body, (await call('GET', '/admin/tenants')).body]) {
        for (const secret of [...Object.values(secrets), 'brand-key-789']) expect(text).not.toContain(secret);
      }
      const stored = await h.orderline.connection.db.selectFrom('tenants').selectAll().where('id', '=', tenant.id).executeTakeFirstOrThrow();
      expect(JSON.stringify(stored)).not.toContain('EAAG-meta-token-123');
      expect(await h.orderline.tenants.secretsOf(tenant.id)).toEqual({
        whatsappAccessToken: 'EAAG-meta-token-123',
        whatsappAppSecret: 'app-secret-456',
        brandApiKey: 'brand-key-789',
      });
    });

    it('refuses a phone number id already used by another tenant with 409', async () => {
      await createTenant(h, { name: 'A', whatsapp: { phoneNumberId: '2000002' } });
      const res = await call('POST', '/admin/tenants', { name: 'B', whatsapp: { phoneNumberId: '2000002' } });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ status: 'failure', statusCode: 409, error: 'Conflict!!' });
      const other = await createTenant(h, { name: 'C' });
      const patch = await call('PATCH', `/admin/tenants/${other.id}`, { whatsapp: { phoneNumberId: '2000002' } });
      expect(patch.statusCode).toBe(409);
    });

    it('validates bodies with details: unknown fields, bad values, bad time zone', async () => {
      const cases: [unknown, string][] = [
        [{}, '/name'],
        [{ name: 'x', colour: 'blue' }, '/colour'],
        [{ name: 'x', timezone: 'Mars/Olympus' }, '/timezone'],
        [{ name: 'x', defaultCountry: 'india' }, '/defaultCountry'],
        [{ name: 'x', cartRecovery: { reminders: [{ after: 'soon' }] } }, '/cartRecovery/reminders/0/after'],
        [{ name: 'x', whatsapp: { messagesPerSecond: 5000 } }, '/whatsapp/messagesPerSecond'],
        [{ name: 'x', brandApi: { phoneFormat: 'weird' } }, '/brandApi/phoneFormat'],
        // Not countries: ZZ is unassigned, UK is not ISO (GB is).
        [{ name: 'x', defaultCountry: 'ZZ' }, '/defaultCountry'],
        [{ name: 'x', defaultCountry: 'UK' }, '/defaultCountry'],
        // Not a language tag, and one Intl has no data for.
        [{ name: 'x', locale: 'en_US' }, '/locale'],
        [{ name: 'x', locale: 'xx-YY' }, '/locale'],
        // A Cloud API tenant's messages would wait forever for a number to send from.
        [{ name: 'x', whatsapp: { accessToken: 'T' } }, '/whatsapp/phoneNumberId'],
        [{ name: 'line\nbreak' }, '/name'],
        [{ name: 'x'.repeat(201) }, '/name'],
        // The assistant's texts: each known by name, with something to say, fitting where it is shown.
        [{ name: 'x', bot: { texts: { greeting: '' } } }, '/bot/texts/greeting'],
        // Two buttons or rows of one message with one title: one would vanish or Meta refuse both.
        [{ name: 'x', bot: { texts: { 'cancel.yes': 'Ja', 'cancel.no': 'ja ' } } }, '/bot/texts/cancel.no'],
        [{ name: 'x', bot: { texts: { 'menu.human': 'Track an order' } } }, '/bot/texts/menu.human'],
        [{ name: 'x', bot: { texts: { greeting: '   ' } } }, '/bot/texts/greeting'],
        [{ name: 'x', bot: { texts: { greting: 'Hello' } } }, '/bot/texts/greting'],
        [{ name: 'x', bot: { texts: { 'cancel.yes': 'Yes, please cancel this one' } } }, '/bot/texts/cancel.yes'],
        // Equal ends: no quiet hours, or all day? Neither is guessed; null turns them off.
        [{ name: 'x', cartRecovery: { quietHours: { start: '21:00', end: '21:00' } } }, '/cartRecovery/quietHours'],
      ];
      for (const [body, path] of cases) {
        const res = await call('POST', '/admin/tenants', body);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        const json = res.json<{ error: string; details: { path: string }[] }>();
        expect(json.error).toBe('Bad payload!!');
        expect(json.details.map((d) => d.path).join(' '), JSON.stringify(body)).toContain(path);
      }
    });

    it('counts a name in characters, takes texts that fit, and keeps a token from losing its number in a patch', async () => {
      const emoji = '🛍️'.repeat(50);
      const named = await call('POST', '/admin/tenants', { name: emoji, bot: { texts: { 'cancel.yes': 'Haan, cancel karo', greeting: 'Namaste{name}!' } } });
      expect(named.statusCode, named.body).toBe(201);
      const id = named.json<{ tenant: TenantJson }>().tenant.id;
      // Out of the sandbox: its made-up number is not one Meta knows, so a real one must come with the token.
      const fake = await call('PATCH', `/admin/tenants/${id}`, { whatsapp: { accessToken: 'tok-2' } });
      expect(fake.json()).toMatchObject({ statusCode: 400, details: [{ path: '/whatsapp/phoneNumberId', message: expect.stringContaining('sandbox number') as unknown }] });
      const cloud = await call('PATCH', `/admin/tenants/${id}`, { whatsapp: { accessToken: 'tok-2', phoneNumberId: '3000099' } });
      expect(cloud.statusCode, cloud.body).toBe(200);
      const utc = await call('PATCH', `/admin/tenants/${id}`, { timezone: 'utc' });
      expect(utc.json<{ tenant: TenantJson }>().tenant.timezone).toBe('UTC');
      const us = await call('PATCH', `/admin/tenants/${id}`, { locale: 'en-us' });
      expect(us.json<{ tenant: { locale: string } }>().tenant.locale).toBe('en-US');
      const rotated = await call('POST', `/admin/tenants/${id}/guest-keys`, { gracePeriod: '0s' });
      expect(rotated.statusCode).toBe(200);
      const badLimit = await call('GET', `/admin/tenants/${id}/events?limit=500`);
      expect(badLimit.json()).toMatchObject({ statusCode: 400, details: [{ path: 'querystring:/limit' }] });
      // A misspelt kind is an error, not an empty list; a known one filters.
      expect((await call('GET', `/admin/tenants/${id}/events?kind=order_create`)).json()).toMatchObject({ statusCode: 400, details: [{ path: 'querystring:/kind' }] });
      expect((await call('GET', `/admin/tenants/${id}/events?kind=cart_abandoned`)).json()).toEqual({ items: [], nextCursor: null });
      expect((await call('GET', `/admin/tenants/${id}/messages?kind=order_confirm`)).json()).toMatchObject({ statusCode: 400, details: [{ path: 'querystring:/kind' }] });
      expect((await call('GET', `/admin/tenants/${id}/messages?kind=bot_reply`)).json()).toEqual({ items: [], nextCursor: null });
      // A parameter a list does not take is refused, naming it: ?status= for ?state= listed everything.
      for (const list of ['messages', 'events', 'carts', 'conversations', 'alerts']) {
        expect((await call('GET', `/admin/tenants/${id}/${list}?status=failed`)).json(), list).toMatchObject({ statusCode: 400, details: [{ path: 'querystring:/status' }] });
      }
      expect((await call('GET', '/admin/tenants?orderby=name')).json()).toMatchObject({ statusCode: 400, details: [{ path: 'querystring:/orderby' }] });
      expect((await call('GET', `/admin/tenants/${id}/messages?orderId=`)).json()).toMatchObject({ statusCode: 400, details: [{ path: 'querystring:/orderId' }] });
      const numberless = await call('PATCH', `/admin/tenants/${id}`, { whatsapp: { phoneNumberId: null } });
      expect(numberless.statusCode).toBe(400);
      expect(numberless.json()).toMatchObject({ details: [{ path: '/whatsapp/phoneNumberId' }] });
    });

    it('applies a JSON merge patch: objects merge, null removes, secrets set and cleared', async () => {
      const t = await createTenant(h, { name: 'Patchable', whatsapp: { phoneNumberId: '3000003', accessToken: 'tok-1' } });
      const res = await call('PATCH', `/admin/tenants/${t.id}`, {
        name: 'Patched',
        timezone: 'Europe/Berlin',
        cartRecovery: { quietHours: null, discountCode: 'COMEBACK10' },
        notifications: { order_shipped: { enabled: false } },
        whatsapp: { accessToken: null, appSecret: 'new-secret' },
        brandApi: { apiKey: 'k' },
      });
      expect(res.statusCode).toBe(200);
      const { tenant } = res.json<{ tenant: TenantJson & { cartRecovery: { discountCode: string | null } } }>();
      expect(tenant.name).toBe('Patched');
      expect(tenant.timezone).toBe('Europe/Berlin');
      expect(tenant.cartRecovery.quietHours).toBeNull();
      expect(tenant.cartRecovery.discountCode).toBe('COMEBACK10');
      expect(tenant.cartRecovery.reminders).toHaveLength(3);
      expect(tenant.notifications.order_shipped).toEqual({ enabled: false, template: null });
      expect(tenant.notifications.order_delivered?.enabled).toBe(true);
      expect(tenant.whatsapp).toMatchObject({ hasAccessToken: false, hasAppSecret: true, mode: 'sandbox' });
      expect(tenant.brandApi.hasApiKey).toBe(true);
      expect(Date.parse(tenant.updatedAt)).toBeGreaterThanOrEqual(Date.parse(tenant.createdAt));

      const bad = await call('PATCH', `/admin/tenants/${t.id}`, { bot: { idleTimeout: 'forever' } });
      expect(bad.statusCode).toBe(400);
      const unchanged = await call('GET', `/admin/tenants/${t.id}`);
      expect(unchanged.json<{ tenant: TenantJson }>().tenant.bot.idleTimeout).toBe('30m');
    });

    it('never leaves a sandbox tenant without its number: null and a whatsapp reset keep it, a tenant leaving the cloud gets one', async () => {
      const t = await createTenant(h, { name: 'Sandboxed' });
      const numberOf = async () => (await call('GET', `/admin/tenants/${t.id}`)).json<{ tenant: TenantJson }>().tenant.whatsapp.phoneNumberId as string;
      const sandbox = await numberOf();
      expect(sandbox).toMatch(/^1555[0-9]{11}$/);
      for (const patch of [{ whatsapp: { phoneNumberId: null } }, { whatsapp: null }]) {
        const res = await call('PATCH', `/admin/tenants/${t.id}`, patch);
        expect(res.statusCode, res.body).toBe(200);
        expect(await numberOf()).toBe(sandbox);
      }
      // Its sandbox still answers by that number.
      expect((await call('GET', `/sandbox/tenants/${t.id}/chats/919800000001`)).statusCode).toBe(200);
      const cloud = await createTenant(h, { name: 'Leaving the cloud', whatsapp: { phoneNumberId: '4000004', accessToken: 'tok' } });
      const back = await call('PATCH', `/admin/tenants/${cloud.id}`, { whatsapp: { accessToken: null, phoneNumberId: null } });
      expect(back.json<{ tenant: TenantJson }>().tenant.whatsapp).toMatchObject({ mode: 'sandbox', phoneNumberId: expect.stringMatching(/^1555[0-9]{11}$/) as unknown });
    });

    it('removes a section set to null with its secrets: the defaults come back, no key or token is left in use', async () => {
      const t = await createTenant(h, {
        name: 'Resetting',
        whatsapp: { phoneNumberId: '6000006', accessToken: 'tok', appSecret: 'app-secret' },
        brandApi: { baseUrl: 'https://brand.example', apiKey: 'k' },
      });
      const brand = await call('PATCH', `/admin/tenants/${t.id}`, { brandApi: null });
      expect(brand.statusCode, brand.body).toBe(200);
      expect(brand.json<{ tenant: TenantJson }>().tenant.brandApi).toEqual({ baseUrl: null, timeoutMs: 5000, phoneFormat: 'digits', hasApiKey: false });
      const whatsapp = await call('PATCH', `/admin/tenants/${t.id}`, { whatsapp: null });
      expect(whatsapp.statusCode, whatsapp.body).toBe(200);
      expect(whatsapp.json<{ tenant: TenantJson }>().tenant.whatsapp).toMatchObject({
        hasAccessToken: false,
        hasAppSecret: false,
        mode: 'sandbox',
        phoneNumberId: expect.stringMatching(/^1555[0-9]{11}$/) as unknown,
      });
      // Meta's number is free again for the tenant that owns it.
      const other = await call('POST', '/admin/tenants', { name: 'Owner of 6000006', whatsapp: { phoneNumberId: '6000006', accessToken: 'tok' } });
      expect(other.statusCode, other.body).toBe(201);
    });

    it("gives a tenant that left the cloud in two steps a sandbox number when its Meta number is set to null", async () => {
      const t = await createTenant(h, { name: 'Leaving slowly', whatsapp: { phoneNumberId: '7000007', accessToken: 'tok' } });
      const tokenless = await call('PATCH', `/admin/tenants/${t.id}`, { whatsapp: { accessToken: null } });
      expect(tokenless.json<{ tenant: TenantJson }>().tenant.whatsapp).toMatchObject({ mode: 'sandbox', phoneNumberId: '7000007' });
      const numberless = await call('PATCH', `/admin/tenants/${t.id}`, { whatsapp: { phoneNumberId: null } });
      expect(numberless.statusCode, numberless.body).toBe(200);
      expect(numberless.json<{ tenant: TenantJson }>().tenant.whatsapp.phoneNumberId).toMatch(/^1555[0-9]{11}$/);
    });

    it('takes back the document GET gave, edited: what GET shows but no one sets may stand if unchanged', async () => {
      const t = await createTenant(h, { name: 'Round Trip', whatsapp: { phoneNumberId: '5000005', accessToken: 'tok' }, brandApi: { baseUrl: 'https://brand.example', apiKey: 'k' } });
      const shown = (await call('GET', `/admin/tenants/${t.id}`)).json<{ tenant: TenantJson & Record<string, unknown> }>().tenant;
      const same = await call('PATCH', `/admin/tenants/${t.id}`, shown);
      expect(same.statusCode, same.body).toBe(200);
      expect({ ...same.json<{ tenant: TenantJson }>().tenant, updatedAt: shown.updatedAt }).toEqual(shown);
      const edited = await call('PATCH', `/admin/tenants/${t.id}`, { ...shown, timezone: 'Europe/London' });
      expect(edited.json<{ tenant: TenantJson }>().tenant).toMatchObject({ timezone: 'Europe/London', whatsapp: { hasAccessToken: true, mode: 'cloud' } });
      // Saying something else of them is refused, naming each.
      const refused = await call('PATCH', `/admin/tenants/${t.id}`, { id: 'ten_other', whatsapp: { mode: 'sandbox' }, brandApi: { hasApiKey: false } });
      expect(refused.statusCode).toBe(400);
      expect(refused.json<{ details: { path: string }[] }>().details.map((d) => d.path)).toEqual(['/id', '/whatsapp/mode', '/brandApi/hasApiKey']);
    });

    it('names the field and the rule when a template mapping is malformed', async () => {
      const t = await createTenant(h, { name: 'Mapped Wrong' });
      const res = await call('PATCH', `/admin/tenants/${t.id}`, { notifications: { order_shipped: { template: { name: 'My-Shipped', body: [''], foo: 1 } } } });
      expect(res.statusCode).toBe(400);
      const paths = res.json<{ details: { path: string; message: string }[] }>().details.map((d) => d.path);
      expect(paths).toEqual(expect.arrayContaining(['/notifications/order_shipped/template/name', '/notifications/order_shipped/template/foo']));
      expect(paths).not.toContain('/notifications/order_shipped/template');
    });

    it("takes a patch sent as application/merge-patch+json, RFC 7386's own media type", async () => {
      const t = await createTenant(h, { name: 'Media type' });
      const res = await h.app.inject({
        method: 'PATCH',
        url: `/admin/tenants/${t.id}`,
        headers: { ...h.admin, 'content-type': 'application/merge-patch+json' },
        payload: JSON.stringify({ name: 'Renamed', cartRecovery: { discountCode: 'HELLO5' } }),
      });
      expect(res.statusCode).toBe(200);
      expect(res.json<{ tenant: TenantJson & { cartRecovery: { discountCode: string } } }>().tenant).toMatchObject({
        name: 'Renamed',
        cartRecovery: { discountCode: 'HELLO5' },
      });
    });

    it('answers what the router refuses in the envelope too, and takes path ids as long as the guest API does', async () => {
      const t = await createTenant(h, { name: 'Long ids' });
      const longId = `o-${'9'.repeat(253)}`;
      const post = await h.app.inject({
        method: 'POST',
        url: '/orders-create',
        headers: { 'content-type': 'application/json', 'x-guest-id': t.guestKey },
        payload: JSON.stringify({ id: longId, phone: '+919812345678' }),
      });
      expect(post.statusCode).toBe(200);
      const story = await call('GET', `/admin/tenants/${t.id}/orders/${longId}`);
      expect(story.statusCode).toBe(200);
      expect(story.json()).toMatchObject({ order: { id: longId } });

      const tooLong = await call('GET', `/admin/tenants/${t.id}/orders/${'9'.repeat(1025)}`);
      expect(tooLong.statusCode).toBe(414);
      expect(tooLong.json()).toMatchObject({ status: 'failure', statusCode: 414, error: 'URI Too Long!!' });
      for (const url of [`/admin/tenants/%zz`, '/orders-create/%zz']) {
        const broken = await call('GET', url);
        expect(broken.statusCode, url).toBe(400);
        expect(broken.json(), url).toEqual({
          status: 'failure',
          statusCode: 400,
          error: 'Bad payload!!',
          details: [{ path: 'url', message: 'the path holds a broken percent-escape' }],
        });
      }
    });

    it('refuses a body nested deeper than 128 levels with 400, never a 500', async () => {
      const t = await createTenant(h, { name: 'Deep' });
      const deep = `{"name":"x","bot":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`;
      for (const [method, url] of [['PATCH', `/admin/tenants/${t.id}`], ['POST', '/admin/tenants']] as const) {
        const res = await h.app.inject({ method, url, headers: { ...h.admin, 'content-type': 'application/json' }, payload: deep });
        expect(res.statusCode, method).toBe(400);
        expect(res.json(), method).toMatchObject({ error: 'Bad payload!!', details: [{ message: 'JSON nested deeper than 128 levels' }] });
      }
    });

    it('reads "__proto__" in a patch as the unknown key it is: refused, nothing changed', async () => {
      const t = await createTenant(h, { name: 'Proto' });
      for (const patch of ['{"__proto__":{"name":"Evil"}}', '{"bot":{"__proto__":{"idleTimeout":"forever"}}}']) {
        const res = await h.app.inject({
          method: 'PATCH',
          url: `/admin/tenants/${t.id}`,
          headers: { ...h.admin, 'content-type': 'application/json' },
          payload: patch,
        });
        expect(res.statusCode, patch).toBe(400);
        expect(JSON.stringify(res.json()), patch).toContain('__proto__');
      }
      const { tenant } = (await call('GET', `/admin/tenants/${t.id}`)).json<{ tenant: TenantJson }>();
      expect(tenant.name).toBe('Proto');
      expect(tenant.bot.idleTimeout).toBe('30m');
    });

    it('refuses a template mapping that does not fit its layout, so Meta never answers 132000', async () => {
      const t = await createTenant(h, { name: 'Templated' });
      const patch = (template: unknown) => call('PATCH', `/admin/tenants/${t.id}`, { notifications: { order_shipped: { template } } });
      const tooFew = await patch({ name: 'my_shipped', language: 'en', body: ['customer.firstName'], layout: { bodyParams: 2 } });
      expect(tooFew.statusCode).toBe(400);
      expect(JSON.stringify(tooFew.json())).toContain('/notifications/order_shipped/template/body');
      const noLayout = await patch({ name: 'my_shipped', language: 'en', body: ['customer.firstName'] });
      expect(noLayout.statusCode).toBe(400);
      expect(JSON.stringify(noLayout.json())).toContain('/notifications/order_shipped/template/layout');
      const unknownPath = await patch({ name: 'my_shipped', language: 'en', body: ['customer.shoeSize'], layout: { bodyParams: 1 } });
      expect(unknownPath.statusCode).toBe(400);
      const fits = await patch({
        name: 'my_shipped',
        language: 'en_US',
        body: ['customer.firstName', { value: 'Order {{order.number}}', fallback: 'your order' }],
        buttons: [{ index: 0, type: 'url', param: 'link.token' }],
        layout: { bodyParams: 2, buttons: [{ index: 0, type: 'url', dynamic: true }] },
      });
      expect(fits.statusCode, fits.body).toBe(200);
      expect(fits.json<{ tenant: TenantJson }>().tenant.notifications.order_shipped?.template).toMatchObject({ name: 'my_shipped' });
    });

    it('refuses a discount code whose last reminder template never says it', async () => {
      const step = (template: unknown) => ({ name: 'x', cartRecovery: { discountCode: 'COMEBACK10', reminders: [{ after: '30m' }, { after: '4h', template }] } });
      const silent = await call('POST', '/admin/tenants', step({ name: 'my_cart', body: ['customer.firstName'], layout: { bodyParams: 1 } }));
      expect(silent.statusCode).toBe(400);
      expect(silent.json()).toMatchObject({ details: [{ path: '/cartRecovery/reminders/1/template' }] });
      const says = await call('POST', '/admin/tenants', step({ name: 'my_cart', body: ['customer.firstName', { value: 'Use {{ discount.code }} today' }], layout: { bodyParams: 2 } }));
      expect(says.statusCode, says.body).toBe(201);
      // Without a code, the same silent template is fine; so is the default catalog with a code.
      const noCode = await call('POST', '/admin/tenants', { name: 'y', cartRecovery: { reminders: [{ after: '4h', template: { name: 'my_cart', body: ['customer.firstName'], layout: { bodyParams: 1 } } }] } });
      expect(noCode.statusCode).toBe(201);
      expect((await call('POST', '/admin/tenants', { name: 'z', cartRecovery: { discountCode: 'SAVE5' } })).statusCode).toBe(201);
    });

    it('pages lists newest first with limit and cursor', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        h.clock.advance(1);
        ids.push((await createTenant(h, { name: `Paged ${i}` })).id);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await call('GET', `/admin/tenants?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.statusCode).toBe(200);
        const page = res.json<{ items: { id: string }[]; nextCursor: string | null }>();
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((t) => t.id));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seen.slice(0, 5)).toEqual([...ids].reverse());
      expect(new Set(seen).size).toBe(seen.length);
      for (const limit of ['0', '201', 'ten']) {
        expect((await call('GET', `/admin/tenants?limit=${limit}`)).statusCode).toBe(400);
      }
    });

    it('answers unknown tenants with 404 and wrong methods with 405', async () => {
      const missing = await call('GET', '/admin/tenants/ten_missing');
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({ status: 'failure', statusCode: 404, error: 'Not Found!!' });
      expect((await call('PATCH', '/admin/tenants/ten_missing', { name: 'x' })).statusCode).toBe(404);
      expect((await call('POST', '/admin/tenants/ten_missing/guest-keys')).statusCode).toBe(404);
      expect((await call('GET', '/admin/tenants/ten_missing/events')).statusCode).toBe(404);
      const wrong = await call('DELETE', '/admin/tenants');
      expect(wrong.statusCode).toBe(405);
      expect(wrong.headers.allow).toContain('POST');
      expect((await call('GET', '/admin/nothing-here')).statusCode).toBe(404);
    });

    it('takes an empty body labelled JSON as no body where the body is optional (rotate, retry, take, release); elsewhere it stays a 400', async () => {
      const t = await createTenant(h, { name: 'Empty Bodies' });
      const labelled = { ...h.admin, 'content-type': 'application/json' };
      const empty = (url: string) => h.app.inject({ method: 'POST', url, headers: labelled, payload: '' });
      const rotated = await empty(`/admin/tenants/${t.id}/guest-keys`);
      expect(rotated.statusCode, rotated.body).toBe(200);
      expect(Object.keys(rotated.json<object>()).sort()).toEqual(['guestKey', 'previousKeyValidUntil']);
      // Past the body: what these answer for ids that do not exist.
      for (const url of [`/admin/messages/msg_01m973zjpxdxnnxtvfvv5hay/retry`, `/admin/tenants/${t.id}/conversations/cnv_01m973zjpxdxnnxtvfvv5hay/take`, `/admin/tenants/${t.id}/conversations/cnv_01m973zjpxdxnnxtvfvv5hay/release`]) {
        const res = await empty(url);
        expect(res.statusCode, `${url}: ${res.body}`).toBe(404);
      }
      const create = await empty('/admin/tenants');
      expect(create.statusCode).toBe(400);
      expect(create.json()).toMatchObject({ details: [{ path: '', message: 'body is empty; send a JSON object' }] });
    });

    it('refuses a grace period that is not a duration or too long', async () => {
      const t = await createTenant(h, { name: 'Grace' });
      for (const gracePeriod of ['later', '8d', 5]) {
        const res = await call('POST', `/admin/tenants/${t.id}/guest-keys`, { gracePeriod });
        expect(res.statusCode).toBe(400);
      }      // A misspelt field is refused, not read as "no grace period" (the old key would stop at once).
      const typo = await call('POST', `/admin/tenants/${t.id}/guest-keys`, { graceperiod: '1h' });
      expect(typo.statusCode).toBe(400);
      expect(typo.json()).toMatchObject({ details: [{ path: '/graceperiod' }] });
      const nothing = await h.app.inject({ method: 'POST', url: `/admin/tenants/${t.id}/guest-keys`, headers: { ...h.admin, 'content-type': 'application/json' }, payload: 'null' });
      expect(nothing.statusCode).toBe(400);
      const noBody = await h.app.inject({ method: 'POST', url: `/admin/tenants/${t.id}/guest-keys`, headers: { authorization: h.admin.authorization } });
      expect(noBody.statusCode).toBe(200);
    });

    it('takes as a cursor only the nextCursor of the same list; anything else is a 400', async () => {
      const t = await createTenant(h, { name: 'Cursors' });
      const lists: [url: string, foreign: string][] = [
        ['/admin/tenants', 'evt_01m973zjpxdxnnxtvfvv5hay'],
        [`/admin/tenants/${t.id}/events`, 'msg_01m973zjpxdxnnxtvfvv5hay'],
        [`/admin/tenants/${t.id}/messages`, 'evt_01m973zjpxdxnnxtvfvv5hay'],
        [`/admin/tenants/${t.id}/carts`, 'ten_01m973zjpxdxnnxtvfvv5hay'],
        [`/admin/tenants/${t.id}/conversations`, 'cart_01m973zjpxdxnnxtvfvv5hay'],
      ];
      for (const [url, foreign] of lists) {
        for (const cursor of ['garbage', '', foreign]) {
          const res = await call('GET', `${url}?cursor=${cursor}`);
          expect(res.statusCode, `${url} ${cursor}`).toBe(400);
          expect(res.json()).toMatchObject({ status: 'failure', statusCode: 400, details: [{ path: 'querystring:/cursor' }] });
        }
      }
      const first = await call('GET', '/admin/tenants?limit=1');
      const next = first.json<{ nextCursor: string | null }>().nextCursor;
      expect(next).not.toBeNull();
      expect((await call('GET', `/admin/tenants?limit=1&cursor=${next}`)).statusCode).toBe(200);
    });
  });
});
