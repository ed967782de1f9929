/**
 * The admin API of BRIEF.md for tenants and their events. Bearer ADMIN_TOKEN on every
 * route; one resource as `{"tenant": …}`, lists as `{"items", "nextCursor"}` newest first.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { GUEST_ENDPOINTS } from '../domain/events/guest-endpoints.js';
import type { EventStore } from '../domain/ports/event-store.js';
import { TenantCreateBody, TenantPatchBody } from '../domain/tenants/tenant-input.js';
import { CreatedTenant, RotatedKey, TenantView } from '../domain/tenants/tenant-view.js';
import { isPlainObject } from '../shared/merge-patch.js';
import type { TenantService } from '../use-cases/manage-tenants.js';
import { adminAuth } from './admin-auth.js';
import { answerSerializerCompiler } from './answer-serializer.js';
import { EventView, eventView } from './event-view.js';
import { listQuery, pageRequest } from './list-query.js';
import { PageOf } from './list-page.js';
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

// The answers' schemas: documented in /openapi.json, and nothing else is written (answer-serializer.ts).
const TenantAnswer = Type.Object({ tenant: TenantView });
type TenantAnswer = Static<typeof TenantAnswer>;
const TenantPage = PageOf(TenantView);
const EventAnswer = Type.Object({ event: EventView });
const EventPage = PageOf(EventView);

export async function adminRoutes(app: FastifyInstance, deps: AdminRouteDeps): Promise<void> {
  app.addHook('onRequest', adminAuth(deps.adminToken));
  app.setSerializerCompiler(answerSerializerCompiler);

  app.post<{ Reply: { 201: CreatedTenant } }>(
    '/admin/tenants',
    { schema: { tags: ['admin'], security, body: TenantCreateBody, response: { 201: CreatedTenant, ...errors } } },
    async (request, reply) => {
      const created = await deps.tenants.create(request.body);
      return reply.code(201).send(created);
    },
  );
  app.get<{ Querystring: { limit?: string; cursor?: string }; Reply: Static<typeof TenantPage> }>(
    '/admin/tenants',
    { schema: { tags: ['admin'], security, querystring: listQuery('ten'), response: { 200: TenantPage, ...errors } } },
    async (request) => deps.tenants.list(pageRequest(request.query)),
  );
  refuseOtherMethods(app, '/admin/tenants', ['GET', 'POST']);

  app.get<{ Params: { id: string }; Reply: TenantAnswer }>(
    '/admin/tenants/:id',
    { schema: { tags: ['admin'], security, params: TenantParams, response: { 200: TenantAnswer, ...errors } } },
    async (request) => ({ tenant: await deps.tenants.get(request.params.id) }),
  );
  app.patch<{ Params: { id: string }; Reply: TenantAnswer }>(
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
        response: { 200: TenantAnswer, ...errors },
      },
    },
    async (request) => ({ tenant: await deps.tenants.patch(request.params.id, request.body) }),
  );
  refuseOtherMethods(app, '/admin/tenants/:id', ['GET', 'PATCH']);

  app.post<{ Params: { id: string }; Body: unknown; Reply: RotatedKey }>(
    '/admin/tenants/:id/guest-keys',
    {
      config: BODY_OPTIONAL,
      schema: {
        tags: ['admin'],
        security,
        params: TenantParams,
        description:
          'Issues a new guest key. The previous key stops at once unless the optional JSON body {"gracePeriod": "10m"} (at most 7d) keeps it valid that long.',
        response: { 200: RotatedKey, ...errors },
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

  app.get<{ Params: { id: string }; Querystring: { limit?: string; cursor?: string; kind?: string }; Reply: Static<typeof EventPage> }>(
    '/admin/tenants/:id/events',
    {
      schema: {
        tags: ['admin'],
        security,
        params: TenantParams,
        // A misspelt kind would list nothing and look like no events.
        querystring: listQuery('evt', { kind: Type.Optional(Type.String({ enum: Object.values(GUEST_ENDPOINTS) })) }),
        response: { 200: EventPage, ...errors },
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

  app.get<{ Params: { id: string; eventId: string }; Reply: Static<typeof EventAnswer> }>(
    '/admin/tenants/:id/events/:eventId',
    { schema: { tags: ['admin'], security, response: { 200: EventAnswer, ...errors } } },
    async (request) => {
      const event = await deps.events.get(request.params.id, request.params.eventId);
      if (event === undefined) throw new HttpFailure('notFound', { message: 'no such event for this tenant' });
      return { event: eventView(event) };
    },
  );
  refuseOtherMethods(app, '/admin/tenants/:id/events/:eventId', ['GET']);
}
