/**
 * The brand API client over real HTTP against scripted brands that are slow, failing or
 * answering in every shape the brief allows, asserting the exact requests that go out, how
 * answers are read, and when the client retries or its circuit opens.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BrandAttempt } from '../../src/brand/brand-api-client.js';
import { MAX_BRAND_RESPONSE_BYTES } from '../../src/brand/brand-http.js';
import { CircuitBreaker } from '../../src/brand/circuit-breaker.js';
import { InvalidPhoneError } from '../../src/brand/phone-path.js';
import { ASHA, client, closeClients, expectFailure, found } from '../support/brand-clients.js';
import { scriptedServer, type Script, type ScriptedAnswer, type ScriptedServer } from './support/brand-servers.js';

afterEach(closeClients);

describe('against scripted brands', () => {
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const serve = async (script: Script): Promise<ScriptedServer> => (server = await scriptedServer(script));
  const ORDER = { id: '77', name: '#77', phone: '9812345678' };

  describe('requests', () => {
    it('sends the key as x-guest-id, and no such header when no key is set', async () => {
      const s = await serve(() => ({ body: ORDER }));
      await client({ baseUrl: s.url, apiKey: 'k-123' }).getOrder('77');
      await client({ baseUrl: s.url, apiKey: null }).getOrder('77');
      expect(s.requests[0]?.headers['x-guest-id']).toBe('k-123');
      expect(s.requests[1]?.headers).not.toHaveProperty('x-guest-id');
    });

    it('encodes order ids and emails, and keeps a base path', async () => {
      const s = await serve(() => ({ status: 404 }));
      const api = client({ baseUrl: `${s.url}/api/v1/`, apiKey: 'k' });
      await api.getOrder('A/1 #2');
      await api.customerByEmail('a+b@example.com');
      expect(s.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
        'GET /api/v1/order/A%2F1%20%232',
        'GET /api/v1/personal-details?email=a%2Bb%40example.com',
      ]);
    });

    it('keeps every order request under /order/: "." and ".." (a forged list reply) are not found, asked of no one', async () => {
      const s = await serve(() => ({ status: 404 }));
      const api = client({ baseUrl: `${s.url}/api`, apiKey: 'k' });
      for (const id of ['..', '.', '']) expect(await api.getOrder(id)).toEqual({ kind: 'not_found' });
      await api.getOrder('..1');
      await api.getOrder('a/..');
      expect(s.requests.map((r) => r.url)).toEqual(['/api/order/..1', '/api/order/a%2F..']);
    });

    it.each([
      ['e164', '%2B919812345678'],
      ['digits', '919812345678'],
      ['national', '9812345678'],
    ] as const)('spells the phone in paths as %s', async (phoneFormat, segment) => {
      const s = await serve(() => ({ status: 404 }));
      const api = client({ baseUrl: s.url, apiKey: 'k', phoneFormat });
      await api.customerByPhone(ASHA);
      await api.recentOrders('919812345678');
      expect(s.requests.map((r) => r.url)).toEqual([`/personal-details/${segment}`, `/get-orders/${segment}`]);
    });

    it('refuses a phone that is not E.164 as the caller’s mistake', async () => {
      const s = await serve(() => ({ status: 404 }));
      expect(() => client({ baseUrl: s.url, apiKey: 'k' }).customerByPhone('call me')).toThrow(InvalidPhoneError);
      expect(s.requests).toHaveLength(0);
    });

    it('posts exactly {id, cancellationReason, cancelledBy: "bot"} as JSON', async () => {
      const s = await serve(() => ({ body: { status: 'success', statusCode: 200 } }));
      expect(await client({ baseUrl: s.url, apiKey: 'k' }).cancelOrder('4331283087516', 'Customer asked on WhatsApp')).toEqual({ kind: 'cancelled' });
      const [request] = s.requests;
      expect(request?.method).toBe('POST');
      expect(request?.url).toBe('/cancel-order');
      expect(request?.headers['content-type']).toBe('application/json');
      expect(request?.headers['x-guest-id']).toBe('k');
      expect(request?.body).toBe('{"id":"4331283087516","cancellationReason":"Customer asked on WhatsApp","cancelledBy":"bot"}');
    });
  });

  describe('tolerant reading', () => {
    it('reads a Shopify REST order under "order", keeping a 64-bit id exactly', async () => {
      const s = await serve(() => ({
        body: '{"order":{"id":5678901234567890123,"name":"#1001","total_price":"450.00","currency":"INR","financial_status":"paid","shipping_address":{"first_name":"Ravi","phone":"+919000000001"}}}',
      }));
      const order = found(await client({ baseUrl: s.url, apiKey: 'k' }).getOrder('5678901234567890123'));
      expect(order).toMatchObject({ id: '5678901234567890123', number: '#1001', total: '450.00', payment: 'prepaid', customer: { firstName: 'Ravi', phone: '+919000000001' } });
    });

    it('reads camelCase customers under "customer" and snake_case ones bare', async () => {
      const s = await serve((r) =>
        r.url.includes('email')
          ? { body: { customer: { firstName: 'Meera', lastName: 'Iyer', phoneNumber: '7012345678', email: 'm@example.com', defaultAddress: { city: 'Chennai' } } } }
          : { body: { first_name: 'Asha', last_name: 'Rao', phone: '+919812345678', email: null, addresses: [{ city: 'Pune' }, { city: 'Goa' }] } },
      );
      const api = client({ baseUrl: s.url, apiKey: 'k' });
      expect(found(await api.customerByEmail('m@example.com'))).toEqual({
        firstName: 'Meera',
        lastName: 'Iyer',
        phone: '7012345678',
        email: 'm@example.com',
        addresses: [expect.objectContaining({ city: 'Chennai' })],
      });
      const asha = found(await api.customerByPhone(ASHA));
      expect(asha).toMatchObject({ firstName: 'Asha', email: null });
      expect(asha.addresses.map((a) => a.city)).toEqual(['Pune', 'Goa']);
    });

    it.each([
      ['a bare array', (orders: unknown[]) => orders],
      ['{orders: […]}', (orders: unknown[]) => ({ orders })],
    ])('reads recent orders from %s and keeps the first three', async (_name, wrap) => {
      const five = ['5', '4', '3', '2', '1'].map((id) => ({ id, name: `#${id}` }));
      const s = await serve(() => ({ body: wrap(five) }));
      expect(found(await client({ baseUrl: s.url, apiKey: 'k' }).recentOrders(ASHA)).map((o) => o.id)).toEqual(['5', '4', '3']);
    });
  });

  describe('not found, in every form the brief allows', () => {
    it.each<[string, ScriptedAnswer]>([
      ['404', { status: 404, body: { status: 'failure', statusCode: 404, error: 'Not Found!!' } }],
      ['404 with no body', { status: 404 }],
      ["the seed's failure envelope with 400", { status: 400, body: { status: 'failure', statusCode: 400, error: 'Bad Request!!' } }],
      ['a failure envelope inside a 200', { body: { status: 'failure', statusCode: 400, error: 'Bad request!!' } }],
      ['an empty 200 body', { body: '' }],
      ['200 {}', { body: {} }],
      ['200 []', { body: [] }],
      ['200 null', { body: 'null' }],
      ['200 {"order": null}', { body: { order: null } }],
      ['200 {"orders": []}', { body: { orders: [] } }],
    ])('%s', async (_name, answer) => {
      const s = await serve(() => answer);
      const api = client({ baseUrl: s.url, apiKey: 'k' });
      expect(await api.getOrder('1')).toEqual({ kind: 'not_found' });
      expect(await api.customerByPhone(ASHA)).toEqual({ kind: 'not_found' });
      expect(await api.recentOrders(ASHA)).toEqual({ kind: 'not_found' });
    });
  });

  describe('malformed answers', () => {
    it.each<[string, ScriptedAnswer, RegExp]>([
      ['garbage instead of JSON', { body: '<html>oops</html>' }, /not JSON: <html>oops<\/html>/],
      ['truncated JSON', { body: '{"id": "1", "name": ' }, /not JSON/],
      ['an order without an id', { body: { name: '#1', total_price: '1.00' } }, /wrong shape: the answer is not an order \(\/id is required\)/],
      ['a string', { body: '"hello"' }, /wrong shape: expected an order object, got a string/],
      ['a 400 without the failure envelope', { status: 400, body: 'bad' }, /HTTP 400 without the failure envelope/],
    ])('%s', async (_name, answer, cause) => {
      const s = await serve(() => answer);
      const failure = expectFailure(await client({ baseUrl: s.url, apiKey: 'k' }).getOrder('1'), 'malformed');
      expect(failure.cause).toMatch(cause);
      expect(s.requests).toHaveLength(1);
    });

    it('a customer with none of the contract’s fields, and orders that are not a list', async () => {
      const s = await serve((r) => (r.url.startsWith('/get-orders') ? { body: { orders: 'none' } } : { body: { nickname: 'A' } }));
      const api = client({ baseUrl: s.url, apiKey: 'k' });
      expect(expectFailure(await api.customerByPhone(ASHA), 'malformed').cause).toMatch(/none of first_name, last_name, phone, email/);
      expect(expectFailure(await api.recentOrders(ASHA), 'malformed').cause).toMatch(/expected a list of orders/);
    });

    it('an answer over 1 MiB: malformed (the brand is up), not retried: the next answer would be as big', async () => {
      const huge = { ...ORDER, note: 'x'.repeat(MAX_BRAND_RESPONSE_BYTES) };
      const s = await serve(() => ({ body: huge }));
      const api = client({ baseUrl: s.url, apiKey: 'k', retryDelaysMs: [1, 1] });
      const failure = expectFailure(await api.getOrder('77'), 'malformed');
      expect(failure.cause).toMatch(/larger than 1048576 bytes/);
      expect(s.requests).toHaveLength(1);
      // The brand answered: a cancel it answered this way is in doubt, not a brand outage.
      expectFailure(await api.cancelOrder('77', 'x'), 'malformed');
      s.setScript(() => ({ body: ORDER }));
      expect(found(await api.getOrder('77')).id).toBe('77');
    });

    it('a list with an entry that is not an order', async () => {
      const s = await serve(() => ({ body: [{ id: '1' }, { name: 'no id' }] }));
      expect(expectFailure(await client({ baseUrl: s.url, apiKey: 'k' }).recentOrders(ASHA), 'malformed').cause).toMatch(/entry 1 is not an order/);
    });
  });

  describe('timeouts and retries', () => {
    it('times out a slow brand after timeoutMs', async () => {
      const s = await serve(() => ({ delayMs: 2000, body: ORDER }));
      const started = Date.now();
      const failure = expectFailure(await client({ baseUrl: s.url, apiKey: 'k', timeoutMs: 150 }).getOrder('77'), 'timeout');
      expect(Date.now() - started).toBeLessThan(1500);
      expect(failure.cause).toMatch(/no answer within 150 ms/);
      expect(failure.httpStatus).toBeNull();
    });

    it('retries a GET after 5xx and timeouts, with the configured backoff, then succeeds', async () => {
      const s = await serve((_r, i) => (i === 0 ? { status: 503, body: 'busy' } : i === 1 ? { delayMs: 1000 } : { body: ORDER }));
      const waits: number[] = [];
      const attempts: BrandAttempt[] = [];
      const api = client({
        baseUrl: s.url,
        apiKey: 'k',
        timeoutMs: 150,
        retryDelaysMs: [200, 600],
        sleep: async (ms) => void waits.push(ms),
        observer: (a) => attempts.push(a),
      });
      expect(found(await api.getOrder('77')).number).toBe('#77');
      expect(s.requests).toHaveLength(3);
      expect(waits).toEqual([200, 600]);
      expect(attempts.map((a) => [a.attempt, a.httpStatus, a.outcome, a.willRetry])).toEqual([
        [1, 503, 'unavailable', true],
        [2, null, 'timeout', true],
        [3, 200, 'found', false],
      ]);
    });

    it('gives up after the retries with the last failure', async () => {
      const s = await serve(() => ({ status: 502, body: { status: 'failure', statusCode: 500, error: 'Internal Server Error!!' } }));
      const failure = expectFailure(await client({ baseUrl: s.url, apiKey: 'k', retryDelaysMs: [1, 1] }).customerByPhone(ASHA), 'unavailable');
      expect(s.requests).toHaveLength(3);
      expect(failure.httpStatus).toBe(502);
      expect(failure.cause).toMatch(/^GET \/personal-details\/\{phone\}: HTTP 502/);
      expect(failure.cause).not.toMatch(/9812345678/);
    });

    it('does not retry answers that will not change: 404, malformed, 401', async () => {
      const s = await serve((_r, i) => [{ status: 404 }, { body: 'x' }, { status: 401 }][i] ?? { status: 500 });
      const api = client({ baseUrl: s.url, apiKey: 'k', retryDelaysMs: [1, 1] });
      await api.getOrder('1');
      await api.getOrder('1');
      await api.getOrder('1');
      expect(s.requests).toHaveLength(3);
    });

    it('never retries the cancel, whether the brand failed or timed out', async () => {
      const s = await serve((_r, i) => (i === 0 ? { status: 503 } : { delayMs: 1000 }));
      const api = client({ baseUrl: s.url, apiKey: 'k', timeoutMs: 150, retryDelaysMs: [1, 1] });
      expectFailure(await api.cancelOrder('1', 'x'), 'unavailable');
      expectFailure(await api.cancelOrder('1', 'x'), 'timeout');
      expect(s.requests).toHaveLength(2);
    });

    it('a cancel answered 2xx with "status":"failure" is refused; other 2xx bodies are success', async () => {
      const s = await serve((_r, i) =>
        i === 0 ? { body: { status: 'failure', statusCode: 400, error: 'Order already packed' } } : i === 1 ? { status: 204 } : { body: 'OK' },
      );
      const api = client({ baseUrl: s.url, apiKey: 'k' });
      expect(expectFailure(await api.cancelOrder('1', 'x'), 'refused').cause).toMatch(/Order already packed/);
      expect(await api.cancelOrder('1', 'x')).toEqual({ kind: 'cancelled' });
      expect(await api.cancelOrder('1', 'x')).toEqual({ kind: 'cancelled' });
    });

    it('stops when the caller aborts, without counting it against the brand', async () => {
      const s = await serve(() => ({ delayMs: 2000 }));
      const breaker = new CircuitBreaker({ failureThreshold: 1 });
      const api = client({ baseUrl: s.url, apiKey: 'k', breaker, retryDelaysMs: [1] });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const failure = expectFailure(await api.getOrder('1', { signal: controller.signal }), 'timeout');
      expect(failure.cause).toMatch(/cancelled by the caller/);
      expect(s.requests).toHaveLength(1);
      expect(breaker.state).toBe('closed');
    });

    it('never puts the key in a cause, even when the brand echoes it', async () => {
      const key = 'sekret-key-0042';
      const s = await serve((r) => ({ status: 500, body: `upstream rejected header x-guest-id=${String(r.headers['x-guest-id'])}` }));
      const failure = expectFailure(await client({ baseUrl: s.url, apiKey: key }).getOrder('1'), 'unavailable');
      expect(failure.cause).toContain('x-guest-id=[x-guest-id]');
      expect(failure.cause).not.toContain(key);
    });
  });

  describe('customers in causes', () => {
    const PHONE = /919900000061|99000 00061|asha@x\.com/;

    it.each<[string, ScriptedAnswer]>([
      ['a 5xx body', { status: 503, body: { error: 'lookup failed for phone 919900000061 (Asha, asha@x.com)' } }],
      ['a failure envelope', { body: { status: 'failure', statusCode: 500, error: 'no customer +91 99000 00061', message: 'asha@x.com' } }],
      ['a body that is not JSON', { body: 'phone=919900000061&email=asha@x.com' }],
    ])('masks the phones and emails a brand echoes in %s', async (_what, answer) => {
      const s = await serve(() => answer);
      const attempts: BrandAttempt[] = [];
      const result = await client({ baseUrl: s.url, apiKey: 'k', observer: (a) => attempts.push(a) }).recentOrders('+919900000061');
      expect(result).toMatchObject({ kind: 'failure' });
      const cause = result.kind === 'failure' ? result.cause : '';
      expect(cause).toMatch(/91\*{6}0061/);
      expect(cause).not.toMatch(PHONE);
      expect(attempts.map((a) => a.cause)).toEqual([cause]);
    });

    it('masks them in a refused cancel, and blots out a key with digits before masking', async () => {
      const key = 'key-4455667788';
      const s = await serve((r) => ({ status: 422, body: `x-guest-id ${String(r.headers['x-guest-id'])}: asha@x.com (919900000061) may not cancel` }));
      const failure = expectFailure(await client({ baseUrl: s.url, apiKey: key }).cancelOrder('1', 'x'), 'refused');
      expect(failure.cause).toContain('x-guest-id [x-guest-id]: a***@x.com (91******0061) may not cancel');
      expect(failure.cause).not.toMatch(/4455|7788|919900000061|asha@/);
    });
  });

  describe('circuit breaker', () => {
    it('opens after N consecutive failures, then lets one trial through after the cooldown', async () => {
      let now = 1_000_000;
      const s = await serve(() => ({ status: 500 }));
      const api = client({ baseUrl: s.url, apiKey: 'k', retryDelaysMs: [1], breaker: { failureThreshold: 3, cooldownMs: 30_000, now: () => now } });
      for (let i = 0; i < 3; i++) expectFailure(await api.getOrder('1'), 'unavailable');
      expect(s.requests).toHaveLength(6); // each call: one try and one retry
      expect(api.breaker.state).toBe('open');

      const refused = expectFailure(await api.customerByPhone(ASHA), 'unavailable');
      expect(refused.cause).toMatch(/circuit open after 3 consecutive failures; a trial call in 30 s/);
      expect(s.requests).toHaveLength(6);

      now += 29_999;
      expectFailure(await api.getOrder('1'), 'unavailable');
      expect(s.requests).toHaveLength(6);

      // Half-open: a single request (no retries); it fails, so the circuit opens again.
      now += 1;
      expect(api.breaker.state).toBe('half_open');
      expectFailure(await api.getOrder('1'), 'unavailable');
      expect(s.requests).toHaveLength(7);
      expect(api.breaker.state).toBe('open');

      // The brand recovers: the next trial closes the circuit and calls flow again.
      s.setScript(() => ({ body: ORDER }));
      now += 30_000;
      expect(found(await api.getOrder('77')).id).toBe('77');
      expect(api.breaker.state).toBe('closed');
      expect(found(await api.getOrder('77')).id).toBe('77');
      expect(s.requests).toHaveLength(9);
    });

    it('counts not_found, malformed and refusals as the brand being up', async () => {
      const s = await serve((_r, i) => (i % 2 === 0 ? { status: 500 } : { status: 404 }));
      const api = client({ baseUrl: s.url, apiKey: 'k', breaker: { failureThreshold: 2 } });
      for (let i = 0; i < 6; i++) await api.getOrder('1');
      expect(api.breaker.state).toBe('closed');
      expect(s.requests).toHaveLength(6);
    });

    it('refuses other calls while the half-open trial is in flight', async () => {
      let now = 0;
      const s = await serve(() => ({ status: 500 }));
      const api = client({ baseUrl: s.url, apiKey: 'k', breaker: { failureThreshold: 1, cooldownMs: 10, now: () => now } });
      await api.getOrder('1');
      now = 10;
      s.setScript(() => ({ delayMs: 100, body: ORDER }));
      const trial = api.getOrder('77');
      const during = expectFailure(await api.getOrder('77'), 'unavailable');
      expect(during.cause).toMatch(/a trial call is in flight/);
      expect((await trial).kind).toBe('found');
      expect(s.requests).toHaveLength(2);
    });
  });
});
