/**
 * Builds the HTTP application: envelope-shaped errors everywhere, request ids, metrics,
 * OpenAPI from the route schemas, then the guest, admin and operations routes.
 */
import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { adminConversationRoutes, type AdminConversationRouteDeps } from './admin-conversation-routes.js';
import { adminMessageRoutes, type AdminMessageRouteDeps } from './admin-message-routes.js';
import { adminRoutes, type AdminRouteDeps } from './admin-routes.js';
import { redirectRoutes, type RedirectRouteDeps } from './redirect-routes.js';
import { webhookRoutes, type WebhookRouteDeps } from './webhook-routes.js';
import { sendFailure } from './envelope.js';
import { answerClientError } from './client-errors.js';
import { refuseWhileClosing } from './closing.js';
import { errorHandler } from './error-handler.js';
import { guestRoutes, type GuestRouteDeps } from './guest-routes.js';
import { registerJsonBody } from './json-body.js';
import { refuseNulInNames } from './nul-characters.js';
import { lazyRequestLoggers } from './lazy-request-logger.js';
import { opsRoutes, type OpsRouteDeps } from './ops-routes.js';

export interface HttpDeps {
  logger: FastifyBaseLogger;
  /** Whether 2xx access lines (debug) are written at all. */
  debugEnabled: boolean;
  version: string;
  publicUrl: string;
  guest: Omit<GuestRouteDeps, 'metrics'>;
  admin: AdminRouteDeps;
  adminMessages: Omit<AdminMessageRouteDeps, 'adminToken'>;
  adminConversations: Omit<AdminConversationRouteDeps, 'adminToken'>;
  webhook: Omit<WebhookRouteDeps, 'metrics'>;
  links: RedirectRouteDeps;
  ops: OpsRouteDeps;
  /** Extra route plugins (the built-in sandbox), registered last. */
  plugins?: ((app: FastifyInstance) => Promise<void>)[];
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** What the router refuses before any route runs, in the envelope like every other failure. */
function routerFailure(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  switch (error.code) {
    case 'FST_ERR_MAX_PARAM_LENGTH':
      sendFailure(reply, 'uriTooLong', { message: 'a path segment is longer than 1024 characters' });
      return;
    case 'FST_ERR_BAD_URL':
      sendFailure(reply, 'badPayload', { details: [{ path: 'url', message: 'the path holds a broken percent-escape' }] });
      return;
    default:
      reply.log.error({ err: error }, 'the router failed');
      sendFailure(reply, 'internal');
  }
}

export async function buildHttpServer(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    // Fastify's two lines per request are replaced by one in onResponse (debug for 2xx).
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLoggers,
    bodyLimit: 1_048_576,
    // No requestIdHeader: Fastify would take the header as it comes, unchecked, into every
    // log line; genReqId reads it and keeps it only when it looks like an id.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Answered in the envelope instead (refuseWhileClosing).
    return503OnClosing: false,
    // Ids in paths may be 255 characters (the guest API's limit), percent-encoded three times that.
    routerOptions: { maxParamLength: 1024 },
    frameworkErrors: routerFailure,
    clientErrorHandler: answerClientError,
    ajv: { customOptions: { coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: true } },
  });
  const metrics = deps.ops.metrics;

  registerJsonBody(app);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((_request, reply) => sendFailure(reply, 'notFound'));
  // Callback-style hooks: an async hook costs a promise and a microtask hop on every request.
  // The request id is set before anything can answer, so every answer carries it.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  refuseWhileClosing(app);
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { route, method: request.method, status: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    const level = reply.statusCode >= 500 ? 'error' : reply.statusCode >= 400 ? 'info' : 'debug';
    // Skip building the line when the level is off (2xx lines are debug, off by default).
    if (level !== 'debug' || deps.debugEnabled) {
      request.log[level](
        { tenant: request.guest?.tenantId, method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
        'request completed',
      );
    }
    done();
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Orderline',
        version: deps.version,
        description:
          'Guest API (brands send order events), admin API (operators) and operations endpoints. Errors always use the envelope {status:"failure", statusCode, error[, details]}.',
      },
      servers: [{ url: deps.publicUrl }],
      components: {
        securitySchemes: {
          guestKey: { type: 'apiKey', in: 'header', name: 'x-guest-id' },
          adminToken: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // The guest API names nothing in its paths and reads no query: its hot path goes without the check.
  await app.register(async (scope) => guestRoutes(scope, { ...deps.guest, metrics }));
  await app.register(async (named) => {
    refuseNulInNames(named);
    await named.register(async (scope) => adminRoutes(scope, deps.admin));
    await named.register(async (scope) => adminMessageRoutes(scope, { ...deps.adminMessages, adminToken: deps.admin.adminToken }));
    await named.register(async (scope) => adminConversationRoutes(scope, { ...deps.adminConversations, adminToken: deps.admin.adminToken }));
    await named.register(async (scope) => webhookRoutes(scope, { ...deps.webhook, metrics }));
    await named.register(async (scope) => redirectRoutes(scope, deps.links));
    await named.register(async (scope) => opsRoutes(scope, deps.ops));
    for (const plugin of deps.plugins ?? []) await named.register(plugin);
  });
  return app;
}
