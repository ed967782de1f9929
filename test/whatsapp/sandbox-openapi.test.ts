/** The sandbox's routes appear in the OpenAPI document under the `sandbox` tag, and wrong methods get 405. */
import swagger from '@fastify/swagger';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { adminAuth } from '../../src/http/admin-auth.js';
import { staticDirectory } from '../../src/whatsapp/sandbox/sandbox-directory.js';
import { sandboxRoutes } from '../../src/whatsapp/sandbox/sandbox-routes.js';
import { ManualScheduler } from '../../src/whatsapp/sandbox/scheduler.js';

async function app() {
  const server = Fastify();
  // As the service declares it (src/http/server.ts): the operator routes reference adminToken.
  await server.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 't', version: '1' },
      components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await server.register(async (scope) =>
    sandboxRoutes(scope, { directory: staticDirectory([]), authorizeOperator: adminAuth('tok'), scheduler: new ManualScheduler() }),
  );
  await server.ready();
  return server;
}

describe('sandbox OpenAPI', () => {
  it('documents every sandbox route under the sandbox tag', async () => {
    const server = await app();
    const doc = server.swagger() as { paths: Record<string, Record<string, { tags?: string[] }>> };
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op.tags] as const),
    );
    expect(Object.fromEntries(routes)).toEqual({
      'POST /sandbox/graph/{version}/{phoneNumberId}/messages': ['sandbox'],
      'GET /sandbox/graph/_rules': ['sandbox'],
      'POST /sandbox/graph/_rules': ['sandbox'],
      'GET /sandbox/graph/_stats': ['sandbox'],
      'POST /sandbox/tenants/{tenantId}/inbound': ['sandbox'],
      'POST /sandbox/tenants/{tenantId}/account-webhook': ['sandbox'],
      'GET /sandbox/tenants/{tenantId}/chats': ['sandbox'],
      'GET /sandbox/tenants/{tenantId}/chats/{phone}': ['sandbox'],
    });
    await server.close();
  });

  it('answers a wrong method on an operator route with 405 and Allow (after the token check)', async () => {
    const server = await app();
    const answer = await server.inject({ method: 'DELETE', url: '/sandbox/graph/_rules', headers: { authorization: 'Bearer tok' } });
    expect(answer.statusCode).toBe(405);
    expect(answer.headers.allow).toBe('GET, POST, HEAD');
    const refused = await server.inject({ method: 'DELETE', url: '/sandbox/graph/_rules' });
    expect(refused.statusCode).toBe(401);
    await server.close();
  });
});
