/**
 * What the service's log lines say about requests, read from a real logger: each request's
 * line carries its request id (the caller's x-request-id when well formed) and, on the guest
 * API, the tenant; no line ever holds a guest key, the admin token or a customer's full
 * phone number, whether the request succeeded, was refused or led to a WhatsApp send.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessOnBotOrder } from '../../src/domain/events/fixtures.js';
import { databaseTargets } from '../support/databases.js';
import { ADMIN_TOKEN, createTenant, drain, startHarness, type Harness } from '../support/harness.js';

interface Line {
  msg?: string;
  reqId?: string;
  tenant?: string;
  route?: string;
  status?: number;
  level: number;
}

const PHONE = '9812345678';

describe('request log lines', () => {
  const lines: string[] = [];
  const parsed = () => lines.map((line) => JSON.parse(line) as Line);
  const completed = () => parsed().filter((l) => l.msg === 'request completed');
  let h: Harness;
  let tenant: { id: string; guestKey: string };

  beforeAll(async () => {
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    h = await startHarness(databaseTargets()[0]!, {}, { logger });
    tenant = await createTenant(h);
  });
  afterAll(async () => h?.close());

  const postOrder = (key: string, headers: Record<string, string> = {}) =>
    h.app.inject({
      method: 'POST',
      url: '/orders-create',
      headers: { 'content-type': 'application/json', 'x-guest-id': key, ...headers },
      payload: JSON.stringify(businessOnBotOrder({ id: `log-${lines.length}`, phone: `+91${PHONE}` })),
    });

  it('an accepted event: one line with the request id given, the tenant, the route and the status', async () => {
    lines.length = 0;
    const res = await postOrder(tenant.guestKey, { 'x-request-id': 'brand-req-42' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBe('brand-req-42');
    expect(completed()).toEqual([
      expect.objectContaining({ reqId: 'brand-req-42', tenant: tenant.id, route: '/orders-create', status: 200, level: 20 }),
    ]);
  });

  it('without a usable x-request-id, the line carries the id the service made and answered with', async () => {
    lines.length = 0;
    const res = await postOrder(tenant.guestKey, { 'x-request-id': 'not ok: spaces' });
    const id = res.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(completed().map((l) => l.reqId)).toEqual([id]);
  });

  it('a refused key: an info line with a request id, no tenant, and not the key', async () => {
    lines.length = 0;
    const wrongKey = 'olk_this-key-was-never-issued-0123456789';
    const res = await postOrder(wrongKey);
    expect(res.statusCode).toBe(401);
    expect(res.headers['x-request-id']).toBe(completed()[0]?.reqId);
    expect(completed()).toEqual([expect.objectContaining({ status: 401, level: 30, reqId: expect.any(String) as string })]);
    expect(completed()[0]!.tenant).toBeUndefined();
    expect(lines.join('\n')).not.toContain(wrongKey);
  });

  it('every answer carries its request id: not found, a refused body', async () => {
    lines.length = 0;
    const notFound = await h.app.inject({ method: 'GET', url: '/nowhere', headers: { 'x-request-id': 'lost-1' } });
    expect([notFound.statusCode, notFound.headers['x-request-id']]).toEqual([404, 'lost-1']);
    const refused = await h.app.inject({
      method: 'POST',
      url: '/orders-create',
      headers: { 'content-type': 'application/json', 'x-guest-id': tenant.guestKey, 'x-request-id': 'bad-1' },
      payload: '{"id":',
    });
    expect([refused.statusCode, refused.headers['x-request-id']]).toEqual([400, 'bad-1']);
    expect(completed().map((l) => [l.reqId, l.status])).toEqual([
      ['lost-1', 404],
      ['bad-1', 400],
    ]);
  });

  it('no line holds a secret or a full phone number, through the admin API, the guest API and a send', async () => {
    lines.length = 0;
    const key = (await h.app.inject({ method: 'POST', url: `/admin/tenants/${tenant.id}/guest-keys`, headers: h.admin })).json<{ guestKey: string }>()
      .guestKey;
    expect((await postOrder(key)).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: `/admin/tenants/${tenant.id}`, headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    expect(await drain(h)).toBeGreaterThan(0);
    const sent = await h.orderline.connection.db.selectFrom('messages').select(['state', 'recipient']).execute();
    expect(sent.some((m) => m.state !== 'planned' && (m.recipient ?? '').endsWith(PHONE))).toBe(true);
    const all = lines.join('\n');
    expect(completed().map((l) => l.status)).toEqual([200, 200, 401]);
    for (const secret of [key, tenant.guestKey, ADMIN_TOKEN, PHONE]) expect(all).not.toContain(secret);
  });
});
