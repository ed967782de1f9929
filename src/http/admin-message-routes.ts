/** Admin API for messages: lists with status history, one message, retry, and stats. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MESSAGE_KINDS } from '../domain/messages/message-kind.js';
import { MESSAGE_STATES, type MessageState } from '../domain/messages/message-state.js';
import type { AlertStore } from '../domain/ports/alert-store.js';
import type { CartStore } from '../domain/ports/cart-store.js';
import type { TenantService } from '../use-cases/manage-tenants.js';
import { MessageDetail, MessageView } from '../use-cases/message-view.js';
import type { MessageOperations } from '../use-cases/operate-messages.js';
import { adminAuth } from './admin-auth.js';
import { answerSerializerCompiler } from './answer-serializer.js';
import { AlertsAnswer, alertsAnswer } from './alert-view.js';
import { CartView, cartView } from './cart-view.js';
import { listQuery, pageRequest } from './list-query.js';
import { PageOf } from './list-page.js';
import { StatsAnswer, statsAnswer } from './stats-view.js';
import { FailureSchema } from './envelope.js';
import { BODY_OPTIONAL } from './json-body.js';
import { refuseOtherMethods } from './method-not-allowed.js';

export interface AdminMessageRouteDeps {
  adminToken: string;
  tenants: TenantService;
  messages: MessageOperations;
  alerts: AlertStore;
  carts: CartStore;
}

const errors = { '4xx': FailureSchema, '5xx': FailureSchema };
const security = [{ adminToken: [] }];

// The answers' schemas: documented in /openapi.json, and nothing else is written (answer-serializer.ts).
const MessagePage = PageOf(MessageView);
const MessageAnswer = Type.Object({ message: MessageDetail });
type MessageAnswer = Static<typeof MessageAnswer>;
const CartPage = PageOf(CartView);

type ListQuery = { limit?: string; cursor?: string; state?: string; kind?: string; orderId?: string };

export async function adminMessageRoutes(app: FastifyInstance, deps: AdminMessageRouteDeps): Promise<void> {
  app.addHook('onRequest', adminAuth(deps.adminToken));
  app.setSerializerCompiler(answerSerializerCompiler);

  app.get<{ Params: { id: string }; Querystring: ListQuery; Reply: Static<typeof MessagePage> }>(
    '/admin/tenants/:id/messages',
    {
      schema: {
        tags: ['admin'],
        security,
        querystring: listQuery('msg', {
          state: Type.Optional(Type.String({ enum: [...MESSAGE_STATES] })),
          // A misspelt kind would list nothing and look like no messages.
          kind: Type.Optional(Type.String({ enum: [...MESSAGE_KINDS] })),
          orderId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        }),
        response: { 200: MessagePage, ...errors },
      },
    },
    async (request) => {
      await deps.tenants.get(request.params.id);
      const q = request.query;
      return deps.messages.list(
        request.params.id,
        pageRequest(q),
        {
          ...(q.state !== undefined ? { state: q.state as MessageState } : {}),
          ...(q.kind !== undefined ? { kind: q.kind } : {}),
          ...(q.orderId !== undefined ? { orderId: q.orderId } : {}),
        },
      );
    },
  );
  refuseOtherMethods(app, '/admin/tenants/:id/messages', ['GET']);

  app.get<{ Params: { id: string; messageId: string }; Reply: MessageAnswer }>(
    '/admin/tenants/:id/messages/:messageId',
    { schema: { tags: ['admin'], security, response: { 200: MessageAnswer, ...errors } } },
    async (request) => ({ message: await deps.messages.get(request.params.id, request.params.messageId) }),
  );
  refuseOtherMethods(app, '/admin/tenants/:id/messages/:messageId', ['GET']);

  app.post<{ Params: { id: string }; Reply: MessageAnswer }>(
    '/admin/messages/:id/retry',
    {
      config: BODY_OPTIONAL,
      schema: { tags: ['admin'], security, summary: 'Send a failed (dead-lettered) message again', response: { 200: MessageAnswer, ...errors } },
    },
    async (request) => ({ message: await deps.messages.retry(request.params.id) }),
  );
  refuseOtherMethods(app, '/admin/messages/:id/retry', ['POST']);

  app.get<{ Params: { id: string }; Querystring: { limit?: string; cursor?: string }; Reply: Static<typeof CartPage> }>(
    '/admin/tenants/:id/carts',
    {
      schema: {
        tags: ['admin'],
        security,
        summary: "A tenant's abandoned carts: pending, reminded n times, recovered (with the order's value), expired, opted out, skipped and why",
        querystring: listQuery('cart'),
        response: { 200: CartPage, ...errors },
      },
    },
    async (request) => {
      await deps.tenants.get(request.params.id);
      const page = await deps.carts.list(request.params.id, pageRequest(request.query));
      return { items: page.items.map(cartView), nextCursor: page.nextCursor };
    },
  );
  refuseOtherMethods(app, '/admin/tenants/:id/carts', ['GET']);

  app.get<{ Params: { id: string }; Querystring: { limit?: string; cursor?: string }; Reply: AlertsAnswer }>(
    '/admin/tenants/:id/alerts',
    {
      schema: {
        tags: ['admin'],
        security,
        summary: "A tenant's alerts, newest first, paged as every list, and whether its sending is paused; one that recurs within 15 minutes counts on the same alert (repeats, lastAt)",
        querystring: listQuery('alr'),
        response: { 200: AlertsAnswer, ...errors },
      },
    },
    async (request) => {
      const pageAsked = pageRequest(request.query);
      await deps.tenants.get(request.params.id);
      const page = await deps.alerts.list(request.params.id, pageAsked);
      return alertsAnswer(await deps.alerts.sendingPaused(request.params.id), page);
    },
  );
  refuseOtherMethods(app, '/admin/tenants/:id/alerts', ['GET']);

  app.get<{ Params: { id: string }; Reply: StatsAnswer }>(
    '/admin/tenants/:id/stats',
    {
      schema: {
        tags: ['admin'],
        security,
        summary: 'Messages per kind: sent, delivered, read, failed by code, link clicks',
        response: { 200: StatsAnswer, ...errors },
      },
    },
    async (request) => {
      await deps.tenants.get(request.params.id);
      const carts = await deps.carts.stats(request.params.id);
      return statsAnswer(await deps.messages.stats(request.params.id), carts);
    },
  );
  refuseOtherMethods(app, '/admin/tenants/:id/stats', ['GET']);
}
