/** Admin API for messages: lists with status history, one message, retry, and stats. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MESSAGE_KINDS } from '../domain/messages/message-kind.js';
import type { MessageState } from '../domain/messages/message-state.js';
import type { AlertStore } from '../domain/ports/alert-store.js';
import type { CartRecord, CartStore } from '../domain/ports/cart-store.js';
import type { TenantService } from '../use-cases/manage-tenants.js';
import type { MessageOperations } from '../use-cases/operate-messages.js';
import { adminAuth } from './admin-auth.js';
import { listQuery, pageRequest } from './list-query.js';
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

function cartView(c: CartRecord) {
  return {
    id: c.id,
    cartKey: c.cartKey,
    state: c.state,
    remindersSent: c.remindersSent,
    nextStep: c.nextStep,
    reason: c.reason,
    customer: c.customer,
    cartTime: c.cartTime.toISOString(),
    lastRemindedAt: c.lastRemindedAt?.toISOString() ?? null,
    total: c.cart.total,
    currency: c.cart.currency,
    items: c.cart.lineItems.length,
    recoveryUrl: c.cart.recoveryUrl,
    recovered:
      c.state === 'recovered'
        ? { orderId: c.recoveredOrderId, value: c.recoveredValue, currency: c.recoveredCurrency, afterReminder: c.recoveredAfterStep }
        : null,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

const errors = { '4xx': FailureSchema, '5xx': FailureSchema };
const security = [{ adminToken: [] }];
const STATES = ['skipped', 'queued', 'sending', 'accepted', 'sent', 'delivered', 'read', 'failed'];

type ListQuery = { limit?: string; cursor?: string; state?: string; kind?: string; orderId?: string };

export async function adminMessageRoutes(app: FastifyInstance, deps: AdminMessageRouteDeps): Promise<void> {
  app.addHook('onRequest', adminAuth(deps.adminToken));

  app.get<{ Params: { id: string }; Querystring: ListQuery }>(
    '/admin/tenants/:id/messages',
    {
      schema: {
        tags: ['admin'],
        security,
        querystring: listQuery('msg', {
          state: Type.Optional(Type.String({ enum: STATES })),
          // A misspelt kind would list nothing and look like no messages.
          kind: Type.Optional(Type.String({ enum: [...MESSAGE_KINDS] })),
          orderId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        }),
        response: errors,
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

  app.get<{ Params: { id: string; messageId: string } }>(
    '/admin/tenants/:id/messages/:messageId',
    { schema: { tags: ['admin'], security, response: errors } },
    async (request) => ({ message: await deps.messages.get(request.params.id, request.params.messageId) }),
  );
  refuseOtherMethods(app, '/admin/tenants/:id/messages/:messageId', ['GET']);

  app.post<{ Params: { id: string } }>(
    '/admin/messages/:id/retry',
    { config: BODY_OPTIONAL, schema: { tags: ['admin'], security, summary: 'Send a failed (dead-lettered) message again', response: errors } },
    async (request) => ({ message: await deps.messages.retry(request.params.id) }),
  );
  refuseOtherMethods(app, '/admin/messages/:id/retry', ['POST']);

  app.get<{ Params: { id: string }; Querystring: { limit?: string; cursor?: string } }>(
    '/admin/tenants/:id/carts',
    {
      schema: {
        tags: ['admin'],
        security,
        summary: "A tenant's abandoned carts: pending, reminded n times, recovered (with the order's value), expired, opted out, skipped and why",
        querystring: listQuery('cart'),
        response: errors,
      },
    },
    async (request) => {
      await deps.tenants.get(request.params.id);
      const page = await deps.carts.list(request.params.id, pageRequest(request.query));
      return { items: page.items.map(cartView), nextCursor: page.nextCursor };
    },
  );
  refuseOtherMethods(app, '/admin/tenants/:id/carts', ['GET']);

  app.get<{ Params: { id: string }; Querystring: { limit?: string; cursor?: string } }>(
    '/admin/tenants/:id/alerts',
    {
      schema: {
        tags: ['admin'],
        security,
        summary: "A tenant's alerts, newest first, paged as every list, and whether its sending is paused; one that recurs within 15 minutes counts on the same alert (repeats, lastAt)",
        querystring: listQuery('alr'),
        response: errors,
      },
    },
    async (request) => {
      const pageAsked = pageRequest(request.query);
      await deps.tenants.get(request.params.id);
      const page = await deps.alerts.list(request.params.id, pageAsked);
      return {
        sendingPaused: await deps.alerts.sendingPaused(request.params.id),
        items: page.items.map((a) => ({ id: a.id, kind: a.kind, detail: a.detail, createdAt: a.createdAt.toISOString(), repeats: a.repeats, lastAt: a.lastAt.toISOString() })),
        nextCursor: page.nextCursor,
      };
    },
  );
  refuseOtherMethods(app, '/admin/tenants/:id/alerts', ['GET']);

  app.get<{ Params: { id: string } }>(
    '/admin/tenants/:id/stats',
    { schema: { tags: ['admin'], security, summary: 'Messages per kind: sent, delivered, read, failed by code, link clicks', response: errors } },
    async (request) => {
      await deps.tenants.get(request.params.id);
      const carts = await deps.carts.stats(request.params.id);
      return {
        stats: {
          messages: await deps.messages.stats(request.params.id),
          carts: { ...carts, recoveryRate: carts.remindedCarts === 0 ? 0 : Math.round((carts.recoveredCarts / carts.remindedCarts) * 10_000) / 10_000 },
        },
      };
    },
  );
  refuseOtherMethods(app, '/admin/tenants/:id/stats', ['GET']);
}
