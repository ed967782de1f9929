import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.js';
import { sendFailure } from './envelope.js';
import { refuseOtherMethods } from './method-not-allowed.js';

export interface OpsRouteDeps {
  metrics: Metrics;
  /** Throws when a dependency (database, queue) cannot be reached. */
  checkReady: () => Promise<void>;
}

export async function opsRoutes(app: FastifyInstance, deps: OpsRouteDeps): Promise<void> {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'The process is alive' } }, async () => ({
    status: 'ok',
  }));
  app.get(
    '/readyz',
    { schema: { tags: ['operations'], summary: 'Database and queue are reachable' } },
    async (request, reply) => {
      try {
        await deps.checkReady();
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
