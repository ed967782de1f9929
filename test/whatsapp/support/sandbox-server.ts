/**
 * The sandbox on a real HTTP server on 127.0.0.1 (ephemeral port), wired as the service
 * wires it: the service's JSON body parser and error envelope, the operator routes behind
 * an admin-token check. Webhooks go to a local receiver; a ManualScheduler holds every
 * status until the test runs it.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { ManualClock } from '../../../src/domain/ports/clock.js';
import { adminAuth } from '../../../src/http/admin-auth.js';
import { sendFailure } from '../../../src/http/envelope.js';
import { errorHandler } from '../../../src/http/error-handler.js';
import { registerJsonBody } from '../../../src/http/json-body.js';
import type { Sandbox } from '../../../src/whatsapp/sandbox/sandbox.js';
import { staticDirectory, type SandboxAccount } from '../../../src/whatsapp/sandbox/sandbox-directory.js';
import { sandboxRoutes, type SandboxRouteOptions } from '../../../src/whatsapp/sandbox/sandbox-routes.js';
import { ManualScheduler } from '../../../src/whatsapp/sandbox/scheduler.js';
import { WebhookReceiver } from './webhook-receiver.js';

export const OPERATOR_TOKEN = 'operator-token-for-tests';
export const API_VERSION = 'v21.0';

export function testAccount(webhookUrl: string, overrides: Partial<SandboxAccount> = {}): SandboxAccount {
  return {
    tenantId: 'tenant-1',
    phoneNumberId: '100000000000001',
    accessToken: 'sandbox-access-token-1',
    appSecret: 'sandbox-app-secret-1',
    webhookUrl,
    displayPhoneNumber: '15550001111',
    ...overrides,
  };
}

export interface JsonAnswer {
  status: number;
  body: unknown;
  text: string;
  contentType: string;
}

export interface RunningSandbox {
  app: FastifyInstance;
  baseUrl: string;
  graphUrl: string;
  scheduler: ManualScheduler;
  clock: ManualClock;
  receiver: WebhookReceiver;
  account: SandboxAccount;
  sandbox: Sandbox;
  /** POST a /messages body (any JSON value, or raw text) with the account's token unless told otherwise. */
  send(body: unknown, options?: { token?: string | null; phoneNumberId?: string; version?: string; raw?: string }): Promise<JsonAnswer>;
  /** An operator route with the operator token unless told otherwise. */
  operator(method: 'GET' | 'POST', path: string, body?: unknown, token?: string | null): Promise<JsonAnswer>;
  close(): Promise<void>;
}

async function answer(response: Awaited<ReturnType<typeof request>>): Promise<JsonAnswer> {
  const text = await response.body.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.statusCode, body, text, contentType: String(response.headers['content-type'] ?? '') };
}

export async function startSandbox(
  options: Partial<Omit<SandboxRouteOptions, 'directory' | 'authorizeOperator' | 'scheduler' | 'clock'>> & {
    accounts?: (webhookUrl: string) => SandboxAccount[];
  } = {},
): Promise<RunningSandbox> {
  const receiver = await WebhookReceiver.start();
  const scheduler = new ManualScheduler();
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');
  const accounts = options.accounts?.(receiver.url) ?? [testAccount(receiver.url)];
  const account = accounts[0];
  if (account === undefined) throw new Error('startSandbox needs at least one account');
  const app = Fastify({ ajv: { customOptions: { coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: true } } });
  registerJsonBody(app);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((_request, reply) => sendFailure(reply, 'notFound'));
  let sandbox: Sandbox | undefined;
  const { accounts: _accounts, ...routeOptions } = options;
  await app.register(async (scope) =>
    sandboxRoutes(scope, {
      ...routeOptions,
      directory: staticDirectory(accounts),
      authorizeOperator: adminAuth(OPERATOR_TOKEN),
      scheduler,
      clock,
      onReady: (s) => (sandbox = s),
    }),
  );
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  if (sandbox === undefined) throw new Error('the sandbox plugin did not report ready');
  const graphUrl = `${baseUrl}/sandbox/graph`;
  return {
    app,
    baseUrl,
    graphUrl,
    scheduler,
    clock,
    receiver,
    account,
    sandbox,
    async send(body, o = {}) {
      const token = o.token === undefined ? account.accessToken : o.token;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token !== null) headers.authorization = `Bearer ${token}`;
      const url = `${graphUrl}/${o.version ?? API_VERSION}/${o.phoneNumberId ?? account.phoneNumberId}/messages`;
      return answer(await request(url, { method: 'POST', headers, body: o.raw ?? JSON.stringify(body) }));
    },
    async operator(method, path, body, token = OPERATOR_TOKEN) {
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      return answer(await request(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }));
    },
    async close() {
      scheduler.close();
      await app.close();
      await receiver.close();
    },
  };
}

/** A well-formed text message to `to`. */
export function textMessage(to: string, body = 'hello', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { messaging_product: 'whatsapp', recipient_type: 'individual', to, type: 'text', text: { body }, ...extra };
}

/** The default catalog's order_confirmed (5 body parameters, no buttons). */
export function orderConfirmed(to: string, params = ['Asha', '#1581', 'Acme', '2 x Tee', 'Rs 1,499.00']): Record<string, unknown> {
  return {
    messaging_product: 'whatsapp',
    to,
    type: 'template',
    template: {
      name: 'orderline_order_confirmed',
      language: { code: 'en' },
      components: [{ type: 'body', parameters: params.map((text) => ({ type: 'text', text })) }],
    },
  };
}

/**
 * The customer wrote to the account just now (as far as the sandbox's clock goes): their
 * customer-service window is open, so messages other than templates reach them. Straight
 * into the sandbox's state, without the webhook an inbound message would also post.
 */
export function customerWrote(s: RunningSandbox, to: string): void {
  const at = s.clock.now().toISOString();
  s.sandbox.state.append(s.account.tenantId, to, {
    direction: 'in',
    wamid: `wamid.in-${to}-${at}`,
    type: 'text',
    at,
    status: 'received',
    statuses: [{ status: 'received', at }],
    summary: { text: 'hi' },
    body: {},
  });
}
