/**
 * CloudApiSender against a local Fastify server over real HTTP on 127.0.0.1: the exact
 * request it makes, how each answer becomes an outcome, timeouts, and connection reuse.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OutgoingMessage, SenderAccount } from '../domain/ports/message-sender.js';
import { CloudApiSender } from './cloud-api-sender.js';

interface Seen {
  method: string;
  url: string;
  headers: FastifyRequest['headers'];
  raw: string;
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

const TOKEN = 'EAAG-secret-access-token-123';
let server: FastifyInstance;
let baseUrl: string;
let handler: Handler;
const seen: Seen[] = [];
let connections = 0;
/** Released after each test so a handler that never answers does not outlive it. */
let release: () => void = () => undefined;
const senders: CloudApiSender[] = [];

beforeAll(async () => {
  server = Fastify();
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  server.server.on('connection', () => connections++);
  server.post('/*', async (request, reply) => {
    seen.push({ method: request.method, url: request.url, headers: request.headers, raw: String(request.body) });
    return handler(request, reply);
  });
  baseUrl = await server.listen({ port: 0, host: '127.0.0.1' });
});

afterEach(async () => {
  release();
  await Promise.all(senders.splice(0).map((s) => s.close()));
  seen.length = 0;
});

afterAll(async () => {
  await server.close();
});

function sender(options: { timeoutMs?: number } = {}): CloudApiSender {
  const s = new CloudApiSender({ apiVersion: 'v21.0', ...options });
  senders.push(s);
  return s;
}

function account(graphUrl = baseUrl): SenderAccount {
  return { tenantId: 't1', graphUrl, phoneNumberId: '106540352242922', accessToken: TOKEN };
}

const message: OutgoingMessage = {
  messaging_product: 'whatsapp',
  recipient_type: 'individual',
  to: '919812345678',
  type: 'template',
  biz_opaque_callback_data: 'msg_01:1',
  template: { name: 'orderline_order_cancelled', language: { code: 'en' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Asha — ₹' }] }] },
};

const accepted = (waId = '919812345678') => ({
  messaging_product: 'whatsapp',
  contacts: [{ input: '919812345678', wa_id: waId }],
  messages: [{ id: 'wamid.HBgMOTE5ODEyMzQ1Njc4FQIAERgSQUJD', message_status: 'accepted' }],
});

function metaError(code: number, message: string, extra: Record<string, unknown> = {}) {
  return { error: { message, type: 'OAuthException', code, error_data: { messaging_product: 'whatsapp', details: `details of ${code}` }, fbtrace_id: 'AbCdEfGh123', ...extra } };
}

describe('the request', () => {
  it('posts the exact body to {graph}/{version}/{phoneNumberId}/messages with the bearer token', async () => {
    handler = async () => accepted();
    await sender().send(account(), message);
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/v21.0/106540352242922/messages');
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.raw).toBe(JSON.stringify(message));
    expect(Buffer.byteLength(request?.raw ?? '')).toBe(Number(request?.headers['content-length']));
  });

  it('keeps a path in the Graph URL (the sandbox’s) and drops a trailing slash', async () => {
    handler = async () => accepted();
    await sender().send(account(`${baseUrl}/sandbox/graph/`), message);
    expect(seen[0]?.url).toBe('/sandbox/graph/v21.0/106540352242922/messages');
  });

  it('refuses an API version that does not look like one', () => {
    expect(() => new CloudApiSender({ apiVersion: '21' })).toThrow(/v21\.0/);
  });
});

describe('outcomes', () => {
  it('is accepted with the message id and the wa_id Meta answered', async () => {
    handler = async () => accepted('5511987654321');
    const outcome = await sender().send(account(), message);
    expect(outcome).toEqual({ kind: 'accepted', messageId: 'wamid.HBgMOTE5ODEyMzQ1Njc4FQIAERgSQUJD', recipientId: '5511987654321' });
  });

  it('falls back to the number sent when Meta gives no contacts', async () => {
    handler = async () => ({ messaging_product: 'whatsapp', messages: [{ id: 'wamid.X' }] });
    expect(await sender().send(account(), message)).toEqual({ kind: 'accepted', messageId: 'wamid.X', recipientId: '919812345678' });
  });

  it.each([
    [130429, 400, { kind: 'retry', scope: 'sender', code: 130429 }],
    [131056, 400, { kind: 'retry', scope: 'recipient', code: 131056 }],
    [131000, 500, { kind: 'retry', scope: 'message', code: 131000 }],
    [131026, 400, { kind: 'rejected', effect: 'undeliverable', code: 131026 }],
    [131050, 400, { kind: 'rejected', effect: 'marketing_opt_out', code: 131050 }],
    [190, 401, { kind: 'rejected', effect: 'pause_sender', code: 190 }],
    [132000, 400, { kind: 'rejected', effect: 'alert', code: 132000 }],
    [131047, 400, { kind: 'rejected', effect: 'outside_window', code: 131047 }],
  ])('maps Meta error %i (HTTP %i)', async (code, status, expected) => {
    handler = async (_request, reply) => reply.code(status).send(metaError(code, `(#${code}) something`));
    const outcome = await sender().send(account(), message);
    expect(outcome).toMatchObject(expected);
    if (outcome.kind === 'accepted') throw new Error('unreachable');
    // The reason carries Meta's message, its details and the trace id; never the token.
    expect(outcome.reason).toContain(`(#${code}) something: details of ${code}`);
    expect(outcome.reason).toContain('AbCdEfGh123');
    expect(JSON.stringify(outcome)).not.toContain(TOKEN);
  });

  it('classifies a non-numeric error code by the HTTP status', async () => {
    handler = async (_request, reply) => reply.code(400).send({ error: { message: 'odd', code: 'x' } });
    expect(await sender().send(account(), message)).toMatchObject({ kind: 'rejected', code: null, effect: 'none' });
  });

  it('retries a 500 whose body is not JSON', async () => {
    handler = async (_request, reply) => reply.code(500).type('text/html').send('<html>Internal Server Error</html>');
    const outcome = await sender().send(account(), message);
    expect(outcome).toMatchObject({ kind: 'retry', scope: 'message', code: null, retryAfterMs: null });
    if (outcome.kind !== 'retry') throw new Error('unreachable');
    expect(outcome.reason).toContain('HTTP 500');
  });

  it('retries a 200 that is not Meta’s answer (in doubt)', async () => {
    handler = async (_request, reply) => reply.code(200).type('text/plain').send('OK');
    expect(await sender().send(account(), message)).toMatchObject({ kind: 'retry', scope: 'message', code: null });
  });

  it('retries when the server does not answer in time', async () => {
    handler = (_request, reply) =>
      new Promise<unknown>((resolve) => {
        release = () => resolve(reply.send(accepted()));
      });
    const started = Date.now();
    const outcome = await sender({ timeoutMs: 200 }).send(account(), message);
    expect(outcome).toMatchObject({ kind: 'retry', scope: 'message', code: null });
    if (outcome.kind !== 'retry') throw new Error('unreachable');
    expect(outcome.reason).toContain('200 ms');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('retries when nothing listens', async () => {
    const closed = Fastify();
    const url = await closed.listen({ port: 0, host: '127.0.0.1' });
    await closed.close();
    const outcome = await sender().send(account(url), message);
    expect(outcome).toMatchObject({ kind: 'retry', scope: 'message', code: null });
    if (outcome.kind !== 'retry') throw new Error('unreachable');
    expect(outcome.reason).toMatch(/network error/);
  });

  it('stops when the caller aborts, and does not send at all when already aborted', async () => {
    handler = (_request, reply) =>
      new Promise<unknown>((resolve) => {
        release = () => resolve(reply.send(accepted()));
      });
    const controller = new AbortController();
    const pending = sender().send(account(), message, controller.signal);
    controller.abort();
    expect(await pending).toMatchObject({ kind: 'retry', reason: expect.stringContaining('cancelled') as unknown });

    seen.length = 0;
    const outcome = await sender().send(account(), message, AbortSignal.abort());
    expect(outcome).toMatchObject({ kind: 'retry', reason: 'cancelled before sending' });
    expect(seen).toHaveLength(0);
  });
});

/** One turn of the event loop: undici marks a connection free just after its answer was read. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('connections', () => {
  it('sends several messages over one keep-alive connection', async () => {
    handler = async () => accepted();
    const s = sender();
    const before = connections;
    for (let i = 0; i < 10; i++) {
      expect((await s.send(account(), message)).kind).toBe('accepted');
      await tick();
    }
    expect(connections - before).toBe(1);
  });

  it('opens at most a second socket when sends follow each other at once', async () => {
    handler = async () => accepted();
    const s = sender();
    const before = connections;
    for (let i = 0; i < 10; i++) expect((await s.send(account(), message)).kind).toBe('accepted');
    expect(connections - before).toBeLessThanOrEqual(2);
  });

  it('reuses the pool for a second burst of concurrent sends', async () => {
    handler = async () => accepted();
    const s = sender();
    const before = connections;
    await Promise.all(Array.from({ length: 20 }, () => s.send(account(), message)));
    const afterFirst = connections - before;
    expect(afterFirst).toBeGreaterThan(1);
    expect(afterFirst).toBeLessThanOrEqual(20);
    await tick();
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => s.send(account(), message)));
    expect(outcomes.every((o) => o.kind === 'accepted')).toBe(true);
    expect(connections - before).toBe(afterFirst);
  });

  it('reuses connections after error answers too (their bodies are read)', async () => {
    handler = async (_request, reply) => reply.code(400).send(metaError(131026, '(#131026) Message undeliverable'));
    const s = sender();
    const before = connections;
    for (let i = 0; i < 8; i++) {
      expect((await s.send(account(), message)).kind).toBe('rejected');
      await tick();
    }
    expect(connections - before).toBe(1);
  });

  it('answers retry, not a throw, after close()', async () => {
    handler = async () => accepted();
    const s = new CloudApiSender({ apiVersion: 'v21.0' });
    await s.close();
    expect((await s.send(account(), message)).kind).toBe('retry');
  });
});
