/**
 * Meta's webhook route on its own: the verification GET and bodies that are not JSON. A
 * repeated hub.challenge used to be a 500 (the query parser gives a list); a body that is not
 * JSON was a 400 before its signature was looked at, although BRIEF answers a missing or
 * wrong signature with 401.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

const APP_SECRET = 'service-app-secret-0123456789';
const sign = (raw: string) => 'sha256=' + createHmac('sha256', APP_SECRET).update(raw).digest('hex');

describe('webhook route answers', () => {
  const factory = databaseTargets()[0]!;
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(factory, { WHATSAPP_VERIFY_TOKEN: 'verify-me', WHATSAPP_APP_SECRET: APP_SECRET });
  });
  afterAll(async () => h?.close());

  const verify = (query: string) => h.app.inject({ method: 'GET', url: `/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me${query}` });

  it('answers the challenge once given, a repeated or missing one with 400, a wrong token with 403', async () => {
    const ok = await verify('&hub.challenge=1158201444');
    expect([ok.statusCode, ok.body]).toEqual([200, '1158201444']);
    for (const query of ['&hub.challenge=a&hub.challenge=b', '']) {
      const res = await verify(query);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ status: 'failure', statusCode: 400, error: 'Bad payload!!' });
    }
    const wrong = await h.app.inject({ method: 'GET', url: '/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1' });
    expect(wrong.statusCode).toBe(403);
  });

  it('answers a body that is not JSON with 401 unless it carries the service signature, then 400', async () => {
    const raw = '{not json';
    const unsigned = await h.app.inject({ method: 'POST', url: '/webhooks/whatsapp', headers: { 'content-type': 'application/json' }, payload: raw });
    expect(unsigned.json()).toEqual({ status: 'failure', statusCode: 401, error: 'Unauthorized!!' });
    const signed = await h.app.inject({
      method: 'POST',
      url: '/webhooks/whatsapp',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(raw) },
      payload: raw,
    });
    expect(signed.statusCode).toBe(400);
    expect(signed.json()).toMatchObject({ statusCode: 400, error: 'Bad payload!!' });
  });

  it("does not take the service's secret for a tenant that has its own", async () => {
    const created = await h.app.inject({
      method: 'POST',
      url: '/admin/tenants',
      headers: h.admin,
      payload: { name: 'Own Secret', whatsapp: { phoneNumberId: '555000111222', accessToken: 'tok', appSecret: 'tenant-own-secret' } },
    });
    expect(created.statusCode).toBe(201);
    const raw = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: 'W', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '1', phone_number_id: '555000111222' }, statuses: [] } }] }],
    });
    const post = (signature: string) =>
      h.app.inject({ method: 'POST', url: '/webhooks/whatsapp', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, payload: raw });
    expect((await post(sign(raw))).statusCode).toBe(401);
    expect((await post('sha256=' + createHmac('sha256', 'tenant-own-secret').update(raw).digest('hex'))).statusCode).toBe(200);
  });
});
