/** Admin API for the assistant: conversations (list, take, release) and one order's story. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TenantService } from '../use-cases/manage-tenants.js';
import type { ConversationOperations } from '../use-cases/operate-conversations.js';
import { adminAuth } from './admin-auth.js';
import { cursorOf } from './page-cursor.js';
import { FailureSchema, HttpFailure } from './envelope.js';
import { BODY_OPTIONAL } from './json-body.js';
import { refuseOtherMethods } from './method-not-allowed.js';

export interface AdminConversationRouteDeps {
  adminToken: string;
  tenants: TenantService;
  conversations: ConversationOperations;
}

const errors = { '4xx': FailureSchema, '5xx': FailureSchema };
const security = [{ adminToken: [] }];

export async function adminConversationRoutes(app: FastifyInstance, deps: AdminConversationRouteDeps): Promise<void> {
  app.addHook('onRequest', adminAuth(deps.adminToken));

  app.get<{ Params: { id: string }; Querystring: { limit?: string; cursor?: string } }>(
    '/admin/tenants/:id/conversations',
    {
      schema: {
        tags: ['admin'],
        security,
        querystring: Type.Object({ limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })), cursor: cursorOf('cnv') }),
        response: errors,
      },
    },
    async (request) => {
      await deps.tenants.get(request.params.id);
      const limit = request.query.limit === undefined ? 50 : Number(request.query.limit);
      if (limit < 1 || limit > 200) throw new HttpFailure('badPayload', { details: [{ path: 'querystring:/limit', message: 'must be an integer from 1 to 200' }] });
      return deps.conversations.list(request.params.id, { limit, cursor: request.query.cursor ?? null });
    },
  );
  refuseOtherMethods(app, '/admin/tenants/:id/conversations', ['GET']);

  for (const action of ['take', 'release'] as const) {
    const url = `/admin/tenants/:id/conversations/:cid/${action}`;
    app.post<{ Params: { id: string; cid: string } }>(
      url,
      {
        config: BODY_OPTIONAL,
        schema: {
          tags: ['admin'],
          security,
          summary: action === 'take' ? 'An operator takes the conversation; the bot stays quiet' : 'Hand the conversation back to the bot',
          response: errors,
        },
      },
      async (request) => ({
        conversation: await deps.conversations[action](request.params.id, request.params.cid),
      }),
    );
    refuseOtherMethods(app, url, ['POST']);
  }

  app.get<{ Params: { id: string; orderId: string } }>(
    '/admin/tenants/:id/orders/:orderId',
    { schema: { tags: ['admin'], security, summary: 'One order: its latest body, the COD confirmation, its messages', response: errors } },
    async (request) => {
      await deps.tenants.get(request.params.id);
      return { order: await deps.conversations.order(request.params.id, request.params.orderId) };
    },
  );
  refuseOtherMethods(app, '/admin/tenants/:id/orders/:orderId', ['GET']);
}
