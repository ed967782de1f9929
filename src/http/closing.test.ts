/**
 * Over real HTTP: a request that reaches the server once it has begun to shut down (here one
 * pipelined behind a request still being handled) is answered 503 in the envelope with
 * `Connection: close`, and the request in hand still finishes.
 */
import Fastify from 'fastify';
import { Client } from 'undici';
import { describe, expect, it } from 'vitest';
import { refuseWhileClosing } from './closing.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('refuseWhileClosing', () => {
  it('answers what arrives during shutdown with a 503 envelope, and lets the request in hand finish', async () => {
    const app = Fastify({ return503OnClosing: false });
    refuseWhileClosing(app);
    const entered = deferred();
    const release = deferred();
    const closingBegun = deferred();
    app.addHook('preClose', (done) => {
      closingBegun.resolve();
      done();
    });
    app.get('/slow', async () => {
      entered.resolve();
      await release.promise;
      return { done: true };
    });
    app.get('/next', async () => ({ served: true }));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });

    const client = new Client(url, { pipelining: 2 });
    try {
      expect((await client.request({ path: '/next', method: 'GET' })).statusCode).toBe(200);
      const slow = client.request({ path: '/slow', method: 'GET' });
      await entered.promise;
      const next = client.request({ path: '/next', method: 'GET' });
      const closed = app.close();
      await closingBegun.promise;
      release.resolve();

      const first = await slow;
      expect(first.statusCode).toBe(200);
      expect(await first.body.json()).toEqual({ done: true });
      const second = await next;
      expect(second.statusCode).toBe(503);
      expect(second.headers.connection).toBe('close');
      expect(await second.body.json()).toEqual({
        status: 'failure',
        statusCode: 503,
        error: 'Service Unavailable!!',
        message: 'the service is shutting down; retry',
      });
      await closed;
    } finally {
      await client.close();
    }
  });
});
