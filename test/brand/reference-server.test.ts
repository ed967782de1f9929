/**
 * The reference brand backend over real HTTP: the five endpoints as the seed and BRIEF.md
 * describe them, the key check, the cancel rules and the test routes; its SQLite file
 * survives a restart.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeOrder } from '../../src/domain/events/order.js';
import { phoneKey } from '../../src/brand/reference-server/phone-key.js';
import { tempDir } from '../support/databases.js';
import { BRAND_KEY, startReferenceServer, type RunningReference } from './support/brand-servers.js';

const NOW = '2026-03-01T12:00:00.000Z';

let brand: RunningReference;
beforeAll(async () => {
  brand = await startReferenceServer({ now: () => new Date(NOW) });
});
afterAll(async () => brand.close());

async function call(
  method: 'GET' | 'POST',
  urlPath: string,
  options: { key?: string | null; body?: unknown; raw?: string; contentType?: string } = {},
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {};
  const key = options.key === undefined ? BRAND_KEY : options.key;
  if (key !== null) headers['x-guest-id'] = key;
  let body: string | undefined;
  if (options.raw !== undefined || options.body !== undefined) {
    headers['content-type'] = options.contentType ?? 'application/json';
    body = options.raw ?? JSON.stringify(options.body);
  }
  const res = await fetch(brand.url + urlPath, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
}

const failureOf = (statusCode: number, error: string) => ({ status: 'failure', statusCode, error });

describe('the key', () => {
  it.each([
    ['no key', null],
    ['a wrong key', 'not-the-key'],
    ['an empty key', ''],
  ])('%s is refused with 401 on every route', async (_name, key) => {
    for (const [method, p] of [
      ['GET', '/order/1001'],
      ['GET', '/personal-details/919812345678'],
      ['GET', '/personal-details?email=asha.rao@example.com'],
      ['GET', '/get-orders/919812345678'],
      ['POST', '/cancel-order'],
      ['GET', '/_orders/1001'],
      ['GET', '/no-such-path'],
    ] as const) {
      const res = await call(method, p, { key, ...(method === 'POST' ? { body: { id: '1003', cancellationReason: 'x', cancelledBy: 'bot' } } : {}) });
      expect(res.status, `${method} ${p}`).toBe(401);
      expect(res.body).toMatchObject(failureOf(401, 'Unauthorized!!'));
    }
    expect(brand.store.order('1003')?.status).toBe('open');
  });

  it('an unknown path with the key is the 404 envelope', async () => {
    expect(await call('GET', '/nope')).toEqual({ status: 404, body: failureOf(404, 'Not Found!!') });
  });
});

describe('GET /order/{orderId}', () => {
  it('answers the order, readable as either family by the normaliser', async () => {
    const res = await call('GET', '/order/1002');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: '1002', name: '#1002', currencyCode: 'INR', shipment_details: { status: 'shipped' } });
    const order = normalizeOrder(res.body);
    expect(order.ok && order.value).toMatchObject({ id: '1002', number: '#1002', payment: 'prepaid', customer: { phone: '+919812345678' } });
  });

  it('404 with the failure envelope for an unknown order', async () => {
    const res = await call('GET', '/order/9999');
    expect(res).toEqual({ status: 404, body: { ...failureOf(404, 'Not Found!!'), message: 'no order with id 9999' } });
  });
});

describe('GET /personal-details', () => {
  const ASHA = { first_name: 'Asha', last_name: 'Rao', phone: '+919812345678', email: 'asha.rao@example.com' };

  it.each(['%2B919812345678', '919812345678', '9812345678', '09812345678', '+91%2098123%2045678'])('finds a customer by phone spelled %s', async (spelled) => {
    const res = await call('GET', `/personal-details/${spelled}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ...ASHA, addresses: [expect.objectContaining({ city: 'Bengaluru' })] });
  });

  it('finds a customer by email, ignoring case', async () => {
    expect(await call('GET', '/personal-details?email=ASHA.RAO%40example.com')).toMatchObject({ status: 200, body: ASHA });
  });

  it('404 for an unknown customer; 400 "Bad request!!" for a phone or email that cannot be one', async () => {
    expect(await call('GET', '/personal-details/919000000000')).toMatchObject({ status: 404, body: failureOf(404, 'Not Found!!') });
    expect(await call('GET', '/personal-details?email=nobody%40example.com')).toMatchObject({ status: 404 });
    expect(await call('GET', '/personal-details/not-a-phone')).toMatchObject({ status: 400, body: failureOf(400, 'Bad request!!') });
    expect(await call('GET', '/personal-details')).toMatchObject({ status: 400, body: failureOf(400, 'Bad request!!') });
    expect(await call('GET', '/personal-details?email=no-at-sign')).toMatchObject({ status: 400 });
  });
});

describe('GET /get-orders/{phone}', () => {
  it("lists the customer's latest three orders, newest first, under orders", async () => {
    const res = await call('GET', '/get-orders/%2B919812345678');
    expect(res.status).toBe(200);
    const orders = (res.body as { orders: { id: string }[] }).orders;
    expect(orders.map((o) => o.id)).toEqual(['1004', '1003', '1002']);
  });

  it('an empty list for a customer without orders; 400 for a phone that cannot be one', async () => {
    expect(await call('GET', '/get-orders/917012345678')).toEqual({ status: 200, body: { orders: [] } });
    expect(await call('GET', '/get-orders/abc')).toMatchObject({ status: 400, body: failureOf(400, 'Bad Request!!') });
  });
});

describe('POST /cancel-order', () => {
  const cancel = (body: unknown) => call('POST', '/cancel-order', { body });

  it('cancels an open order with the seed success body and records who and why', async () => {
    expect(await cancel({ id: '1003', cancellationReason: 'Ordered twice', cancelledBy: 'bot' })).toEqual({
      status: 200,
      body: { status: 'success', statusCode: 200 },
    });
    expect(await call('GET', '/_orders/1003')).toMatchObject({
      status: 200,
      body: { status: 'cancelled', cancelledAt: NOW, cancellationReason: 'Ordered twice', cancelledBy: 'bot' },
    });
    expect(await call('GET', '/order/1003')).toMatchObject({
      body: { cancelledAt: NOW, cancelReason: 'Ordered twice', shipment_details: { status: 'cancelled' } },
    });
  });

  it('cancelling again succeeds and keeps the first reason', async () => {
    expect((await cancel({ id: '1003', cancellationReason: 'again', cancelledBy: 'bot' })).status).toBe(200);
    expect(brand.store.order('1003')?.cancellationReason).toBe('Ordered twice');
  });

  it.each([
    ['1002', /has already shipped/, 'shipped'],
    ['1001', /has been delivered/, 'delivered'],
  ])('refuses order %s with the failure envelope', async (id, message, status) => {
    const res = await cancel({ id, cancellationReason: 'x', cancelledBy: 'bot' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ ...failureOf(400, 'Bad payload!!'), message: expect.stringMatching(message) as unknown });
    expect(brand.store.order(id)).toMatchObject({ status, cancellationReason: null, cancelledBy: null });
  });

  it('404 for an unknown order', async () => {
    expect(await cancel({ id: 'nope', cancellationReason: 'x', cancelledBy: 'bot' })).toMatchObject({ status: 404, body: failureOf(404, 'Not Found!!') });
  });

  it.each<[string, { body?: unknown; raw?: string; contentType?: string }, number]>([
    ['no cancellationReason', { body: { id: '1004', cancelledBy: 'bot' } }, 400],
    ['no cancelledBy', { body: { id: '1004', cancellationReason: 'x' } }, 400],
    ['no id', { body: { cancellationReason: 'x', cancelledBy: 'bot' } }, 400],
    ['an id that is an object', { body: { id: { x: 1 }, cancellationReason: 'x', cancelledBy: 'bot' } }, 400],
    ['broken JSON', { raw: '{"id": "1004",' }, 400],
    ['an empty JSON body', { raw: '' }, 400],
    ['a body that is not JSON', { raw: 'id=1004', contentType: 'application/x-www-form-urlencoded' }, 415],
  ])('answers %s with the failure envelope', async (_name, request, status) => {
    const res = await call('POST', '/cancel-order', request);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ status: 'failure', statusCode: status });
    expect(brand.store.order('1004')?.status).toBe('open');
  });
});

describe('test routes', () => {
  it('POST /_orders adds an order of either family that the brand endpoints then serve', async () => {
    const shopify = { id: 5001, name: '#5001', created_at: '2026-02-20T10:00:00Z', total_price: '99.00', shipping_address: { phone: '+91 70123 45678' } };
    const added = await call('POST', '/_orders', { body: { order: shopify, status: 'shipped' } });
    expect(added).toMatchObject({ status: 201, body: { order: { id: '5001', shipment_details: { status: 'shipped' } } } });
    expect(await call('GET', '/order/5001')).toMatchObject({ status: 200, body: { id: '5001', total_price: '99.00' } });
    expect(await call('GET', '/get-orders/7012345678')).toMatchObject({ body: { orders: [{ id: '5001' }] } });
    expect(await call('POST', '/cancel-order', { body: { id: 5001, cancellationReason: 'x', cancelledBy: 'bot' } })).toMatchObject({ status: 400 });
  });

  it('POST /_orders refuses a taken id (409) and an order without a phone (400)', async () => {
    expect(await call('POST', '/_orders', { body: { order: { id: '1001', phone: '9812345678' } } })).toMatchObject({ status: 409, body: failureOf(409, 'Conflict!!') });
    expect(await call('POST', '/_orders', { body: { order: { id: '6001' } } })).toMatchObject({ status: 400, body: failureOf(400, 'Bad payload!!') });
    expect(await call('POST', '/_orders', { body: { order: { id: '6002', phone: '9812345678' }, status: 'lost' } })).toMatchObject({ status: 400 });
  });

  it('GET /_orders/{id}: 404 for an unknown order', async () => {
    expect(await call('GET', '/_orders/none')).toMatchObject({ status: 404 });
  });
});

describe('storage', () => {
  it('keeps customers and orders in its SQLite file across restarts; seeding twice adds nothing', async () => {
    const dir = tempDir('brand-ref-');
    const file = path.join(dir, 'brand.db');
    try {
      const first = await startReferenceServer({ file });
      await fetch(`${first.url}/cancel-order`, {
        method: 'POST',
        headers: { 'x-guest-id': BRAND_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ id: '2001', cancellationReason: 'persist me', cancelledBy: 'bot' }),
      }).then((r) => r.arrayBuffer());
      await first.close();
      const second = await startReferenceServer({ file });
      try {
        expect(second.store.order('2001')).toMatchObject({ status: 'cancelled', cancellationReason: 'persist me' });
        expect(second.store.recentOrders('919812345678', 10)).toHaveLength(4);
      } finally {
        await second.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('phoneKey', () => {
  it.each([
    ['+919812345678', '919812345678'],
    ['919812345678', '919812345678'],
    ['9812345678', '919812345678'],
    ['09812345678', '919812345678'],
    ['+91 98123-45678', '919812345678'],
    ['0014155552671', '14155552671'],
    ['+14155552671', '14155552671'],
    ['12345', null],
    ['98x12345678', null],
    ['', null],
  ])('%s → %s', (raw, key) => {
    expect(phoneKey(raw)).toBe(key);
  });
});
