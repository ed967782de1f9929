/**
 * Over a raw socket: what Node's HTTP parser refuses is answered in the envelope, then the
 * connection is closed.
 */
import net from 'node:net';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerClientError } from './client-errors.js';

function exchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
  });
}

function parts(answer: string): { statusLine: string; headers: string; body: unknown } {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  const [statusLine = '', ...headers] = head.split('\r\n');
  return { statusLine, headers: headers.join('\n').toLowerCase(), body: JSON.parse(body) as unknown };
}

describe('answerClientError', () => {
  const app = Fastify({ clientErrorHandler: answerClientError });
  let port = 0;
  beforeAll(async () => {
    app.get('/', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as net.AddressInfo).port;
  });
  afterAll(async () => app.close());

  it('answers headers over the limit with 431 in the envelope', async () => {
    const answer = parts(await exchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Junk: ${'a'.repeat(20_000)}\r\n\r\n`));
    expect(answer.statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(answer.headers).toContain('connection: close');
    expect(answer.body).toEqual({
      status: 'failure',
      statusCode: 431,
      error: 'Request Header Fields Too Large!!',
      message: 'the request headers are over 16 KB',
    });
  });

  it('answers a request that is not HTTP with 400 in the envelope', async () => {
    const answer = parts(await exchange(port, 'HELLO THERE\r\n\r\n'));
    expect(answer.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(answer.body).toEqual({ status: 'failure', statusCode: 400, error: 'Bad payload!!', message: 'not a well-formed HTTP/1.1 request' });
  });
});
