/** Admin API for the assistant: conversations (list, take, release) and one order's story. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ConversationView, OrderView } from '../use-cases/conversation-view.js';
import type { TenantService } from '../use-cases/manage-tenants.js';
import type { ConversationOperations } from '../use-cases/operate-conversations.js';
import { adminAuth } from './admin-auth.js';
import { answerSerializerCompiler } from './answer-serializer.js';
import { listQuery, pageRequest } from './list-query.js';
import { PageOf } from './list-page.js';
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

// The answers' schemas: documented in /openapi.json, and nothing else is written (answer-serializer.ts).
const ConversationPage = PageOf(ConversationView);
const ConversationAnswer = Type.Object({ conversation: ConversationView });
const OrderAnswer = Type.Object({ order: OrderView });

export async function adminConversationRoutes(app: FastifyInstance, deps: AdminConversationRouteDeps): Promise<void> {
  app.addHook('onRequest', adminAuth(deps.adminToken));
  app.setSerializerCompiler(answerSerializerCompiler);

  app.get<{ Params: { id: string }; Querystring: { limit?: string; cursor?: string }; Reply: Static<typeof ConversationPage> }>(
    '/admin/tenants/:id/conversations',
    {
      schema: {
        tags: ['admin'],
        security,
        querystring: listQuery('cnv'),
        response: { 200: ConversationPage, ...errors },
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
    app.post<{ Params: { id: string; cid: string }; Reply: Static<typeof ConversationAnswer> }>(
      url,
      {
        config: BODY_OPTIONAL,
        schema: {
          tags: ['admin'],
          security,
          summary: action === 'take' ? 'An operator takes the conversation; the bot stays quiet' : 'Hand the conversation back to the bot',
          response: { 200: ConversationAnswer, ...errors },
        },
      },
      async (request) => ({
        conversation: await deps.conversations[action](request.params.id, request.params.cid),
      }),
    );
    refuseOtherMethods(app, url, ['POST']);
  }

  app.get<{ Params: { id: string; orderId: string }; Reply: Static<typeof OrderAnswer> }>(
    '/admin/tenants/:id/orders/:orderId',
    {
      schema: {
        tags: ['admin'],
        security,
        summary: 'One order: its latest body, the COD confirmation, its messages',
        response: { 200: OrderAnswer, ...errors },
      },
    },
    async (request) => {
      await deps.tenants.get(request.params.id);
      return { order: await deps.conversations.order(request.params.id, request.params.orderId) };
    },
  );
  refuseOtherMethods(app, '/admin/tenants/:id/orders/:orderId', ['GET']);
}
