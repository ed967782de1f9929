/**
 * The sandbox over HTTP (BRIEF.md, Sandbox), as a Fastify plugin:
 *   - the stand-in Graph API, `POST /sandbox/graph/{version}/{phoneNumberId}/messages`, called
 *     with the account's access token and answering with Meta's exact bodies (errors included);
 *   - operator routes behind `authorizeOperator` (the service passes its admin-token check;
 *     the standalone process leaves them open): failure rules and counters under
 *     `/sandbox/graph/_rules` and `/_stats`, playing the customer (`…/inbound`) and reading
 *     what the customer received (`…/chats`). Their errors use Orderline's envelope.
 * The sandbox serialises its answers itself: Graph answers must be byte-exact and chat entries
 * carry arbitrary request bodies, so the response schemas here document rather than shape.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FailureSchema, sendFailure } from '../../http/envelope.js';
import { errorHandler } from '../../http/error-handler.js';
import { refuseOtherMethods } from '../../http/method-not-allowed.js';
import { FailureRuleList, ListedRule } from './failure-rules.js';
import { graphErrorBody, graphErrors, type GraphError } from './graph-error.js';
import { newFbtraceId } from './graph-ids.js';
import { customerDigits, InboundResult, type CustomerAction } from './inbound.js';
import { AccountWebhookResult, Sandbox, type SandboxOptions } from './sandbox.js';
import { ChatEntry, ChatPage, SandboxCounters } from './sandbox-state.js';

export interface SandboxRouteOptions extends Omit<SandboxOptions, 'logger'> {
  /** An onRequest hook guarding the operator routes; it answers (401) to refuse. */
  authorizeOperator: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Called with the sandbox once built (the service and tests may keep a handle on it). */
  onReady?: (sandbox: Sandbox) => void;
}

const tags = ['sandbox'];
const security = [{ adminToken: [] }];
const envelopeErrors = { '4xx': FailureSchema, '5xx': FailureSchema };

const GraphErrorSchema = Type.Object({
  error: Type.Object({
    message: Type.String(),
    type: Type.String(),
    code: Type.Integer(),
    error_subcode: Type.Optional(Type.Integer()),
    error_data: Type.Optional(Type.Object({ messaging_product: Type.Literal('whatsapp'), details: Type.String() })),
    fbtrace_id: Type.String(),
  }),
});
const GraphSendSchema = Type.Object({
  messaging_product: Type.Literal('whatsapp'),
  contacts: Type.Array(Type.Object({ input: Type.String(), wa_id: Type.String() })),
  messages: Type.Array(Type.Object({ id: Type.String(), message_status: Type.String() })),
});
const GraphParams = Type.Object({ version: Type.String({ maxLength: 20 }), phoneNumberId: Type.String({ maxLength: 64 }) });

const InboundBody = Type.Object(
  {
    from: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 32,
        description: "The customer's number, with or without '+'. May be left out with buttonId/listRowId: the chat that offered it is used",
      }),
    ),
    text: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    buttonId: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'A reply button id, or a template quick-reply payload' })),
    listRowId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: "The customer's profile name" })),
  },
  { additionalProperties: false, description: 'Exactly one of text, buttonId, listRowId' },
);
type InboundBody = Static<typeof InboundBody>;
const AccountWebhookBody = Type.Object(
  {
    field: Type.String({ pattern: '^[a-z_]{1,64}$', description: 'The webhook field, e.g. "message_template_status_update", "phone_number_quality_update", "account_update"' }),
    value: Type.Object({}, { additionalProperties: true, description: "The change's value as Meta's webhook reference gives it for that field" }),
  },
  { additionalProperties: false },
);
type AccountWebhookBody = Static<typeof AccountWebhookBody>;
const TenantParams = Type.Object({ tenantId: Type.String({ maxLength: 100 }) });
const ChatsQuery = Type.Object({
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
  cursor: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,14}$', description: 'nextCursor of the previous page' })),
});
const ChatParams = Type.Object({ tenantId: Type.String({ maxLength: 100 }), phone: Type.String({ maxLength: 32 }) });
const RulesAnswer = Type.Object({ items: Type.Array(ListedRule) });
const ChatAnswer = Type.Object({ items: Type.Array(ChatEntry, { description: 'Oldest first' }) });

function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type('application/json; charset=UTF-8').send(JSON.stringify(body));
}

/** An operator route's 200, typed by the schema that documents it (sent as it is: see the top). */
function sendAnswer<T extends TSchema>(reply: FastifyReply, _documentedBy: T, body: Static<T>): FastifyReply {
  return sendJson(reply, 200, body);
}

function sendGraphError(reply: FastifyReply, error: GraphError): FastifyReply {
  return sendJson(reply, error.httpStatus, graphErrorBody(error, newFbtraceId()));
}

function badPayload(reply: FastifyReply, path: string, message: string): FastifyReply {
  return sendFailure(reply, 'badPayload', { details: [{ path, message }] });
}

const NOT_A_NUMBER = 'must be an international number of 8 to 15 digits';
const UNKNOWN_TENANT = 'no sandbox tenant with this id';

function actionOf(body: InboundBody): CustomerAction | undefined {
  const given = [body.text, body.buttonId, body.listRowId].filter((v) => v !== undefined);
  if (given.length !== 1) return undefined;
  if (body.text !== undefined) return { text: body.text };
  if (body.buttonId !== undefined) return { buttonId: body.buttonId };
  return body.listRowId === undefined ? undefined : { listRowId: body.listRowId };
}

async function graphRoutes(app: FastifyInstance, sandbox: Sandbox): Promise<void> {
  // Meta's parsing, not the service's: a broken body is Meta's error 100, never the envelope.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status < 500) {
      return sendGraphError(reply, { ...graphErrors.invalidParameter(error.message.slice(0, 300)), httpStatus: status });
    }
    request.log.error({ err: error }, 'sandbox graph route failed');
    return sendGraphError(reply, graphErrors.unknown());
  });

  app.post<{ Params: Static<typeof GraphParams> }>(
    '/sandbox/graph/:version/:phoneNumberId/messages',
    {
      schema: {
        tags,
        params: GraphParams,
        description:
          "The stand-in for Meta's POST /{version}/{phone-number-id}/messages: Authorization: Bearer <the account's access token>, " +
          "the Cloud API's JSON body. Answers exactly as Meta (success, or {error:{…}}); status webhooks follow.",
        response: {
          200: Type.Union([GraphSendSchema, Type.Object({ success: Type.Boolean() })]),
          '4xx': GraphErrorSchema,
          '5xx': GraphErrorSchema,
        },
      },
    },
    async (request, reply) => {
      const { version, phoneNumberId } = request.params;
      if (!/^v\d+\.\d+$/.test(version)) {
        return sendGraphError(reply, graphErrors.unknownPath(`${version}/${phoneNumberId}/messages`));
      }
      let body: unknown;
      try {
        body = typeof request.body === 'string' && request.body.trim() !== '' ? JSON.parse(request.body) : undefined;
      } catch {
        return sendGraphError(reply, graphErrors.invalidParameter('The request body is not valid JSON.'));
      }
      const answer = await sandbox.handleMessages(phoneNumberId, request.headers.authorization, body);
      return sendJson(reply, answer.httpStatus, answer.body);
    },
  );
  // Everything else under the Graph URL answers as Meta does, never in the service's envelope.
  app.route<{ Params: Static<typeof GraphParams> }>({
    method: ['GET', 'PUT', 'PATCH', 'DELETE'],
    url: '/sandbox/graph/:version/:phoneNumberId/messages',
    schema: { hide: true },
    handler: async (request, reply) =>
      sendGraphError(reply, graphErrors.unknownObject(`${request.params.phoneNumberId}/messages`, request.method.toLowerCase())),
  });
  app.all('/sandbox/graph/*', { schema: { hide: true } }, async (request, reply) =>
    sendGraphError(reply, graphErrors.unknownPath(request.url.replace(/^\/sandbox\/graph\//, '').replace(/\?.*$/, '').slice(0, 200))),
  );
}

async function operatorRoutes(app: FastifyInstance, sandbox: Sandbox, opts: SandboxRouteOptions): Promise<void> {
  app.addHook('onRequest', opts.authorizeOperator);
  app.setErrorHandler(errorHandler);

  app.get(
    '/sandbox/graph/_rules',
    { schema: { tags, security, description: 'The failure rules in force, with the uses left', response: { 200: RulesAnswer, ...envelopeErrors } } },
    async (_request, reply) => sendAnswer(reply, RulesAnswer, { items: sandbox.rules.list() }),
  );
  app.post<{ Body: Static<typeof FailureRuleList> }>(
    '/sandbox/graph/_rules',
    {
      schema: {
        tags,
        security,
        body: FailureRuleList,
        description:
          'Replaces the failure rules. {to?, phoneNumberId?, times?, respond:{httpStatus, code, message}} answers sends with that Meta error; ' +
          '{to?, phoneNumberId?, times?, failStatus: code} accepts them and then sends a failed status. Numbers ending in 0000 always get a failed 131026.',
        response: { 200: RulesAnswer, ...envelopeErrors },
      },
    },
    async (request, reply) => {
      sandbox.rules.replace(request.body);
      return sendAnswer(reply, RulesAnswer, { items: sandbox.rules.list() });
    },
  );
  refuseOtherMethods(app, '/sandbox/graph/_rules', ['GET', 'POST']);
  app.get(
    '/sandbox/graph/_stats',
    { schema: { tags, security, description: 'Counters since start (in memory)', response: { 200: SandboxCounters, ...envelopeErrors } } },
    async (_request, reply) => sendAnswer(reply, SandboxCounters, sandbox.state.counters),
  );
  refuseOtherMethods(app, '/sandbox/graph/_stats', ['GET']);

  app.post<{ Params: Static<typeof TenantParams>; Body: InboundBody }>(
    '/sandbox/tenants/:tenantId/inbound',
    {
      schema: {
        tags,
        security,
        params: TenantParams,
        body: InboundBody,
        description:
          "Plays the customer: sends the tenant's webhook a signed incoming message (text, a button tap or a list choice) and answers " +
          'once the webhook answered: {wamid, webhookStatus[, webhookError]}.',
        response: { 200: InboundResult, ...envelopeErrors },
      },
    },
    async (request, reply) => {
      const action = actionOf(request.body);
      if (action === undefined) return badPayload(reply, '', 'give exactly one of text, buttonId or listRowId');
      const from = request.body.from === undefined ? undefined : customerDigits(request.body.from);
      if (request.body.from !== undefined && from === undefined) return badPayload(reply, '/from', NOT_A_NUMBER);
      if (from === undefined && 'text' in action) return badPayload(reply, '/from', 'is required with text');
      const outcome = await sandbox.receive(request.params.tenantId, from, action, request.body.name);
      if (outcome.kind === 'unknownTenant') return sendFailure(reply, 'notFound', { message: UNKNOWN_TENANT });
      if (outcome.kind === 'noChat') return badPayload(reply, '/from', 'no chat offers this id; give from');
      return sendAnswer(reply, InboundResult, outcome.result);
    },
  );
  refuseOtherMethods(app, '/sandbox/tenants/:tenantId/inbound', ['POST']);

  app.post<{ Params: Static<typeof TenantParams>; Body: AccountWebhookBody }>(
    '/sandbox/tenants/:tenantId/account-webhook',
    {
      schema: {
        tags,
        security,
        params: TenantParams,
        body: AccountWebhookBody,
        description:
          "Plays Meta telling the tenant's webhook about its WhatsApp Business Account: {field, value} in Meta's envelope under the tenant's " +
          'whatsapp.businessAccountId (409 when it has none), signed, e.g. {"field":"message_template_status_update","value":{"event":"PAUSED",' +
          '"message_template_name":"orderline_order_shipped","message_template_language":"en","reason":"NONE"}}. Answers once the webhook ' +
          'answered: {businessAccountId, webhookStatus[, webhookError]}.',
        response: { 200: AccountWebhookResult, ...envelopeErrors },
      },
    },
    async (request, reply) => {
      const outcome = await sandbox.accountWebhook(request.params.tenantId, request.body.field, request.body.value);
      if (outcome.kind === 'unknownTenant') return sendFailure(reply, 'notFound', { message: UNKNOWN_TENANT });
      if (outcome.kind === 'noAccountId') {
        return sendFailure(reply, 'conflict', {
          message: 'the tenant has no whatsapp.businessAccountId: Meta names the account by it (any digits will do for a sandbox tenant)',
        });
      }
      return sendAnswer(reply, AccountWebhookResult, outcome.result);
    },
  );
  refuseOtherMethods(app, '/sandbox/tenants/:tenantId/account-webhook', ['POST']);

  app.get<{ Params: Static<typeof TenantParams>; Querystring: Static<typeof ChatsQuery> }>(
    '/sandbox/tenants/:tenantId/chats',
    {
      schema: {
        tags,
        security,
        params: TenantParams,
        querystring: ChatsQuery,
        description:
          "The tenant's sandbox chats, most recently active first, a page at a time as the admin API's lists: {items:[{phone, messages, lastAt, last}], nextCursor}",
        response: { 200: ChatPage, ...envelopeErrors },
      },
    },
    async (request, reply) => {
      const { limit, cursor } = request.query;
      const size = limit === undefined ? 50 : Number(limit);
      if (size < 1 || size > 200) return badPayload(reply, 'querystring:/limit', 'must be an integer from 1 to 200');
      const page = await sandbox.chats(request.params.tenantId, size, cursor === undefined ? null : Number(cursor));
      if (page === undefined) return sendFailure(reply, 'notFound', { message: UNKNOWN_TENANT });
      return sendAnswer(reply, ChatPage, page);
    },
  );
  refuseOtherMethods(app, '/sandbox/tenants/:tenantId/chats', ['GET']);
  app.get<{ Params: Static<typeof ChatParams> }>(
    '/sandbox/tenants/:tenantId/chats/:phone',
    {
      schema: {
        tags,
        security,
        params: ChatParams,
        description:
          'What the customer received and sent, oldest first: {items:[{direction, wamid, type, at, status, statuses, errorCode?, summary, body}]}. ' +
          "In memory: lost when the service restarts. The phone may be given with or without '+'.",
        response: { 200: ChatAnswer, ...envelopeErrors },
      },
    },
    async (request, reply) => {
      const digits = customerDigits(request.params.phone);
      if (digits === undefined) return badPayload(reply, '/phone', NOT_A_NUMBER);
      const entries = await sandbox.chat(request.params.tenantId, digits);
      if (entries === undefined) return sendFailure(reply, 'notFound', { message: UNKNOWN_TENANT });
      return sendAnswer(reply, ChatAnswer, { items: [...entries] });
    },
  );
  refuseOtherMethods(app, '/sandbox/tenants/:tenantId/chats/:phone', ['GET']);
}

/** Registers the sandbox's routes; the sandbox lives as long as `app` (closed in onClose). */
export async function sandboxRoutes(app: FastifyInstance, opts: SandboxRouteOptions): Promise<void> {
  const { authorizeOperator: _auth, onReady, ...options } = opts;
  const sandbox = new Sandbox({ ...options, logger: app.log });
  app.addHook('onClose', async () => sandbox.close());
  await app.register(async (scope) => graphRoutes(scope, sandbox));
  await app.register(async (scope) => operatorRoutes(scope, sandbox, opts));
  onReady?.(sandbox);
}
