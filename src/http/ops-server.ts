/**
 * The HTTP server of a `--role worker` process: only /healthz, /readyz and /metrics, so an
 * orchestrator can probe the worker and Prometheus can scrape its sends, which no API
 * process sees.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { sendFailure } from './envelope.js';
import { errorHandler } from './error-handler.js';
import { opsRoutes, type OpsRouteDeps } from './ops-routes.js';

export async function buildOpsServer(deps: OpsRouteDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((_request, reply) => sendFailure(reply, 'notFound'));
  await app.register(opsRoutes, deps);
  return app;
}
