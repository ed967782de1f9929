/**
 * Requests that reach the service while it shuts down get a 503 in the envelope, with
 * `Connection: close` so the client retries on a new connection (to another instance, or to
 * this one restarted). Fastify's own `return503OnClosing` answers in its own JSON shape.
 * Requests already being handled finish as usual: closing waits for them. Use it with
 * `return503OnClosing: false`, or Fastify answers first.
 */
import type { FastifyInstance } from 'fastify';
import { sendFailure } from './envelope.js';

export function refuseWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) {
      done();
      return;
    }
    reply.header('connection', 'close');
    sendFailure(reply, 'unavailable', { message: 'the service is shutting down; retry' });
  });
}
