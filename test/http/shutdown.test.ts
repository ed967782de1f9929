/**
 * The service's HTTP app shutting down, over a real socket: a guest request already being
 * received finishes and is stored (its 200 means committed), and the request pipelined behind
 * it, which arrives once shutdown has begun, gets a 503 in the envelope with Connection: close.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../support/databases.js';
import { createTenant, startHarness, type Harness } from '../support/harness.js';

describe('shutting down with requests on the wire', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(databaseTargets()[0]!);
  });
  afterAll(async () => h?.close());

  it('finishes the request in hand and answers the next one 503 in the envelope', async () => {
    const { guestKey } = await createTenant(h);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as net.AddressInfo;
    const request = (id: string) => {
      const body = JSON.stringify({ id, phone: '+919812345678' });
      const head = `POST /orders-create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nx-guest-id: ${guestKey}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
      return { head, body };
    };
    const first = request('in-hand-1');
    const second = request('too-late-2');

    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // Node emits 'request' once the headers are parsed; Fastify's listener came first and has
    // run the request's synchronous hooks (the closing check among them) by the time this one
    // runs. The first request is then in hand; its body is still to come.
    const routed = new Promise<void>((resolve) => h.app.server.once('request', () => resolve()));
    socket.write(first.head);
    await routed;
    const closing = h.app.close();
    socket.write(first.body + second.head + second.body);
    await ended;
    await closing;

    const responses = answer.split(/(?=HTTP\/1\.1 )/);
    expect(responses.map((r) => r.split('\r\n')[0])).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 503 Service Unavailable']);
    expect(JSON.parse(responses[0]!.split('\r\n\r\n')[1]!)).toEqual({ status: 'success', statusCode: 200 });
    expect(responses[1]!.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(responses[1]!.split('\r\n\r\n')[1]!)).toEqual({
      status: 'failure',
      statusCode: 503,
      error: 'Service Unavailable!!',
      message: 'the service is shutting down; retry',
    });
    const stored = await h.orderline.connection.db.selectFrom('events').select('resource_key').execute();
    expect(stored.map((e) => e.resource_key)).toEqual(['in-hand-1']);
  });
});
