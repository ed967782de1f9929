/** Admin API for the assistant: conversations (list, take, release) and one order's story. */
import type { FastifyInstance } from 'fastify';
import type { TenantService } from '../use-cases/manage-tenants.js';
import type { ConversationOperations } from '../use-cases/operate-conversations.js';
import { adminAuth } from './admin-auth.js';
import { listQuery, pageRequest } from './list-query.js';
import { FailureSchema } from './envelope.js';
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
        querystring: listQuery('cnv'),
        response: errors,
      },
    },
    async (request) => {
      await deps.tenants.get(request.params.id);
      return deps.conversations.list(request.params.id, pageRequest(request.query));
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
