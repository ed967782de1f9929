/**
 * The guest API: five POST endpoints, `x-guest-id` auth, the seed's exact envelopes.
 * Order of checks (BRIEF.md): 404, 405, 401 (onRequest, before the body is read), 415 and
 * 413 (body parsing), 400 (schema, then normalisation), 409, 429, then storage.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GUEST_ENDPOINTS, type GuestPath } from '../domain/events/guest-endpoints.js';
import type { GuestAuthenticator, GuestIdentity } from '../use-cases/authenticate-guest.js';
import type { GuestRateLimit } from '../use-cases/guest-rate-limit.js';
import type { EventIngestion } from '../use-cases/ingest-event.js';
import { FailureSchema, SUCCESS, SuccessSchema, sendFailure } from './envelope.js';
import { GUEST_BODY_SCHEMAS } from './guest-schemas.js';
import type { Metrics } from './metrics.js';
import { refuseOtherMethods } from './method-not-allowed.js';

declare module 'fastify' {
  interface FastifyRequest {
    guest?: GuestIdentity;
  }
}

export interface GuestRouteDeps {
  auth: GuestAuthenticator;
  ingestion: EventIngestion;
  rateLimit: GuestRateLimit;
  metrics: Metrics;
  bodyLimit: number;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export async function guestRoutes(app: FastifyInstance, deps: GuestRouteDeps): Promise<void> {
  for (const [path, kind] of Object.entries(GUEST_ENDPOINTS) as [GuestPath, (typeof GUEST_ENDPOINTS)[GuestPath]][]) {
    app.route({
      method: 'POST',
      url: path,
      bodyLimit: deps.bodyLimit,
      schema: {
        tags: ['guest'],
        security: [{ guestKey: [] }],
        summary: `Guest event: ${kind.replace('_', ' ')}`,
        headers: {
          type: 'object',
          properties: {
            'x-guest-id': { type: 'string', description: 'The guest key of the brand' },
            'idempotency-key': { type: 'string', description: 'Optional; scoped to the tenant, kept 72 hours' },
          },
        },
        body: GUEST_BODY_SCHEMAS[path],
        response: { 200: SuccessSchema, '4xx': FailureSchema, '5xx': FailureSchema },
      },
      // Callback style, answered at once for a key the cache knows (nearly every request).
      onRequest: (request, reply, done) => {
        const key = headerValue(request, 'x-guest-id');
        // The tenant is added to log lines when they are written (onResponse, errors), not by a
        // child logger per request: that costs more than the rest of authentication.
        const recent = deps.auth.recent(key);
        if (recent !== undefined) {
          request.guest = recent;
          done();
          return;
        }
        deps.auth.authenticate(key).then(
          (identity) => {
            if (identity === undefined) {
              sendFailure(reply, 'unauthorized');
              return;
            }
            request.guest = identity;
            done();
          },
          (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
        );
      },
      handler: async (request, reply) => {
        const guest = request.guest;
        if (guest === undefined) return sendFailure(reply, 'unauthorized');
        const idempotencyKey = headerValue(request, 'idempotency-key') ?? null;
        if (idempotencyKey !== null && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
          return sendFailure(reply, 'badPayload', {
            details: [{ path: 'header:idempotency-key', message: 'must be 1-255 printable ASCII characters' }],
          });
        }
        const result = await deps.ingestion.ingest(
          { tenantId: guest.tenantId, kind, body: request.body, rawBody: request.rawBody ?? '', idempotencyKey },
          (tenantId) => (guest.requestsPerSecond === null ? true : deps.rateLimit.allow(tenantId, guest.requestsPerSecond)),
        );
        switch (result.status) {
          case 'throttled':
            return sendFailure(reply, 'tooManyRequests');
          case 'invalid':
            return sendFailure(reply, 'badPayload', { details: result.issues });
          case 'conflict':
            return sendFailure(reply, 'conflict', {
              message: 'this Idempotency-Key was used with a different body',
            });
          case 'duplicate':
            deps.metrics.events.inc({ kind, tenant: guest.tenantId, outcome: 'duplicate' });
            return reply.send(SUCCESS);
          case 'stored':
            deps.metrics.events.inc({ kind, tenant: guest.tenantId, outcome: result.outcome });
            return reply.send(SUCCESS);
        }
      },
    });
    refuseOtherMethods(app, path, ['POST']);
  }
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
