/**
 * The admin API of BRIEF.md for tenants and their events. Bearer ADMIN_TOKEN on every
 * route; one resource as `{"tenant": …}`, lists as `{"items", "nextCursor"}` newest first.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GUEST_ENDPOINTS } from '../domain/events/guest-endpoints.js';
import type { EventStore, StoredEvent } from '../domain/ports/event-store.js';
import { TenantCreateBody, TenantPatchBody } from '../domain/tenants/tenant-input.js';
import { parseJsonLossless } from '../shared/lossless-json.js';
import { isPlainObject } from '../shared/merge-patch.js';
import type { TenantService } from '../use-cases/manage-tenants.js';
import { adminAuth } from './admin-auth.js';
import { listQuery, pageRequest } from './list-query.js';
import { FailureSchema, HttpFailure } from './envelope.js';
import { BODY_OPTIONAL } from './json-body.js';
import { refuseOtherMethods } from './method-not-allowed.js';

export interface AdminRouteDeps {
  adminToken: string;
  tenants: TenantService;
  events: EventStore;
}

const TenantParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
const errors = { '4xx': FailureSchema, '5xx': FailureSchema };
const security = [{ adminToken: [] }];

function eventView(event: StoredEvent) {
  let body: unknown;
  try {
    body = parseJsonLossless(event.rawBody);
  } catch {
    body = event.rawBody;
  }
  return {
    id: event.id,
    tenantId: event.tenantId,
    kind: event.kind,
    resourceKey: event.resourceKey,
    revision: event.revision,
    outcome: event.outcome,
    idempotencyKey: event.idempotencyKey,
    receivedAt: event.receivedAt.toISOString(),
    event: event.normalized,
    body,
  };
}

export async function adminRoutes(app: FastifyInstance, deps: AdminRouteDeps): Promise<void> {
  app.addHook('onRequest', adminAuth(deps.adminToken));

  app.post(
    '/admin/tenants',
    { schema: { tags: ['admin'], security, body: TenantCreateBody, response: errors } },
    async (request, reply) => {
      const created = await deps.tenants.create(request.body);
      return reply.code(201).send(created);
    },
  );
  app.get<{ Querystring: { limit?: string; cursor?: string } }>(
    '/admin/tenants',
    { schema: { tags: ['admin'], security, querystring: listQuery('ten'), response: errors } },
    async (request) => deps.tenants.list(pageRequest(request.query)),
  );
  refuseOtherMethods(app, '/admin/tenants', ['GET', 'POST']);

  app.get<{ Params: { id: string } }>(
    '/admin/tenants/:id',
    { schema: { tags: ['admin'], security, params: TenantParams, response: errors } },
    async (request) => ({ tenant: await deps.tenants.get(request.params.id) }),
  );
  app.patch<{ Params: { id: string } }>(
    '/admin/tenants/:id',
    {
      schema: {
        tags: ['admin'],
        security,
        params: TenantParams,
        body: TenantPatchBody,
        // Both are read as JSON (json-body.ts); the document says so to clients generated from it.
        consumes: ['application/json', 'application/merge-patch+json'],
        description: 'JSON merge patch (RFC 7386); secrets set with a string, removed with null',
        response: errors,
      },
    },
    async (request) => ({ tenant: await deps.tenants.patch(request.params.id, request.body) }),
  );
  refuseOtherMethods(app, '/admin/tenants/:id', ['GET', 'PATCH']);

  app.post<{ Params: { id: string }; Body: unknown }>(
    '/admin/tenants/:id/guest-keys',
    {
      config: BODY_OPTIONAL,
      schema: {
        tags: ['admin'],
        security,
        params: TenantParams,
        description:
          'Issues a new guest key. The previous key stops at once unless the optional JSON body {"gracePeriod": "10m"} (at most 7d) keeps it valid that long.',
        response: errors,
      },
    },
    async (request) => {
      // The body is optional, so it is checked here rather than by a route schema.
      const body = request.body === undefined ? {} : request.body;
      if (!isPlainObject(body)) throw new HttpFailure('badPayload', { details: [{ path: '', message: 'must be a JSON object, or no body' }] });
      // A misspelt gracePeriod would otherwise cut the old key off at once, the one thing it was meant to prevent.
      const unknown = Object.keys(body).filter((key) => key !== 'gracePeriod');
      if (unknown.length > 0) {
        throw new HttpFailure('badPayload', { details: unknown.slice(0, 20).map((key) => ({ path: `/${key}`, message: 'is not a known field (only gracePeriod)' })) });
      }
      const grace = body.gracePeriod;
      if (grace !== undefined && typeof grace !== 'string') {
        throw new HttpFailure('badPayload', { details: [{ path: '/gracePeriod', message: 'must be a duration string such as "10m"' }] });
      }
      return deps.tenants.rotateKey(request.params.id, grace ?? null);
    },
  );
  refuseOtherMethods(app, '/admin/tenants/:id/guest-keys', ['POST']);

  app.get<{ Params: { id: string }; Querystring: { limit?: string; cursor?: string; kind?: string } }>(
    '/admin/tenants/:id/events',
    {
      schema: {
        tags: ['admin'],
        security,
        params: TenantParams,
        // A misspelt kind would list nothing and look like no events.
        querystring: listQuery('evt', { kind: Type.Optional(Type.String({ enum: Object.values(GUEST_ENDPOINTS) })) }),
        response: errors,
      },
    },
    async (request) => {
      await deps.tenants.get(request.params.id);
      const page = await deps.events.list(request.params.id, pageRequest(request.query), {
        ...(request.query.kind !== undefined ? { kind: request.query.kind } : {}),
      });
      return { items: page.items.map(eventView), nextCursor: page.nextCursor };
    },
  );
  refuseOtherMethods(app, '/admin/tenants/:id/events', ['GET']);

  app.get<{ Params: { id: string; eventId: string } }>(
    '/admin/tenants/:id/events/:eventId',
    { schema: { tags: ['admin'], security, response: errors } },
    async (request: FastifyRequest<{ Params: { id: string; eventId: string } }>) => {
      const event = await deps.events.get(request.params.id, request.params.eventId);
      if (event === undefined) throw new HttpFailure('notFound', { message: 'no such event for this tenant' });
      return { event: eventView(event) };
    },
  );
  refuseOtherMethods(app, '/admin/tenants/:id/events/:eventId', ['GET']);
}
