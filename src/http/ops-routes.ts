import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.js';
import { FailureSchema, sendFailure } from './envelope.js';
import { refuseOtherMethods } from './method-not-allowed.js';
import { withDeadline } from '../shared/deadline.js';

export interface OpsRouteDeps {
  metrics: Metrics;
  /** Throws when a dependency (database, queue) cannot be reached. */
  checkReady: () => Promise<void>;
  /** How long /readyz waits for checkReady before answering 503 (default 2 s). */
  readyWithinMs?: number;
}

export async function opsRoutes(app: FastifyInstance, deps: OpsRouteDeps): Promise<void> {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'The process is alive' } }, async () => ({
    status: 'ok',
  }));
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Database and queue are reachable',
        response: {
          200: { description: 'Ready', type: 'object', properties: { status: { type: 'string', enum: ['ready'] } } },
          503: { ...FailureSchema, description: 'Not ready (the database did not answer in time, or refused)' },
        },
      },
    },
    async (request, reply) => {
      try {
        // A database that hangs (not refusing, not answering) must still get a 503 in time.
        await withDeadline(deps.checkReady(), deps.readyWithinMs ?? 2000, 'the readiness check');
        return { status: 'ready' };
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed');
        return sendFailure(reply, 'unavailable', { message: 'database or queue unreachable' });
      }
    },
  );
  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics' } }, async (_request, reply) => {
    const text = await deps.metrics.render();
    return reply.type(deps.metrics.contentType).send(text);
  });
  for (const url of ['/healthz', '/readyz', '/metrics']) refuseOtherMethods(app, url, ['GET']);
}
