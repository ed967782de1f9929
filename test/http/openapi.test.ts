/**
 * /openapi.json says what the routes answer, not only what they take: clients generated from
 * it (the SDK) would otherwise expect a 200 body from a redirect, or no 503 from /readyz, or
 * know nothing of what an admin route returns. (That the documented bodies are the ones the
 * routes write is admin-answers.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../support/databases.js';
import { createTenant, startHarness, type Harness } from '../support/harness.js';

type Operation = {
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Record<string, unknown> }> }>;
  requestBody?: { content?: Record<string, unknown> };
};
type Spec = { paths: Record<string, Record<string, Operation>> };

const sqlite = databaseTargets().find((t) => t.name === 'sqlite')!;

describe('the OpenAPI document', () => {
  let h: Harness;
  let spec: Spec;
  beforeAll(async () => {
    h = await startHarness(sqlite);
    spec = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json<Spec>();
  });
  afterAll(async () => h?.close());

  it('documents the redirect as a 302, the page without a target as a 200, an unknown link as a 404', () => {
    expect(Object.keys(spec.paths['/r/{token}']?.get?.responses ?? {}).sort()).toEqual(['200', '302', '404']);
  });

  it('documents /readyz answering 503 when not ready', () => {
    expect(Object.keys(spec.paths['/readyz']?.get?.responses ?? {}).sort()).toEqual(['200', '503']);
  });

  it('describes the success body of every admin and sandbox route: a 2xx with a JSON schema that says something', () => {
    const operations = Object.entries(spec.paths)
      .filter(([path]) => path.startsWith('/admin/') || path.startsWith('/sandbox/'))
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as const));
    expect(operations.length).toBeGreaterThanOrEqual(24);
    const undescribed = operations.filter(([, op]) => {
      const successes = Object.entries(op.responses ?? {}).filter(([code]) => /^2\d\d$/.test(code));
      // An empty schema, or one with only a description, would give an SDK `unknown`.
      const says = (schema: Record<string, unknown> | undefined) => Object.keys(schema ?? {}).some((k) => !['description', 'title'].includes(k));
      return successes.length === 0 || successes.some(([, r]) => !says(r.content?.['application/json']?.schema));
    });
    expect(undescribed.map(([name]) => name)).toEqual([]);
  });

  it('documents a created tenant as a 201 and hides no secret field in what it documents', () => {
    const created = spec.paths['/admin/tenants']?.post?.responses ?? {};
    expect(Object.keys(created).filter((code) => code.startsWith('2'))).toEqual(['201']);
    const documented = JSON.stringify(created['201']);
    expect(documented).toContain('"hasAccessToken"');
    for (const secret of ['"accessToken"', '"appSecret"', '"apiKey"']) expect(documented).not.toContain(secret);
  });

  it('documents a tenant PATCH taking a JSON merge patch', () => {
    expect(Object.keys(spec.paths['/admin/tenants/{id}']?.patch?.requestBody?.content ?? {}).sort()).toEqual(['application/json', 'application/merge-patch+json']);
  });

  it("documents whatsapp.businessAccountId on tenant create: an id of digits or null, and what it is for", () => {
    type Schema = { properties?: Record<string, Schema>; description?: string };
    const op = spec.paths['/admin/tenants']?.post as { requestBody?: { content?: Record<string, { schema?: Schema }> } } | undefined;
    const field = op?.requestBody?.content?.['application/json']?.schema?.properties?.whatsapp?.properties?.businessAccountId;
    expect(field?.description).toMatch(/WhatsApp Business Account \(WABA\) id/);
    expect(field).toMatchObject({ type: 'string', pattern: '^[0-9]{1,32}$', nullable: true, default: null });
  });

  it('still answers as documented: /readyz 200 with its status, an unknown link 404 in the envelope', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
    const missing = await h.app.inject({ method: 'GET', url: '/r/nosuchlink' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ status: 'failure', statusCode: 404 });
    // A link whose order has no tracking page yet: the page as HTML, not a JSON string of it.
    const tenant = await createTenant(h, { name: 'Docs' });
    await h.orderline.links.create({ token: 'nopage1', tenantId: tenant.id, messageId: null, target: null, createdAt: h.clock.now() });
    const page = await h.app.inject({ method: 'GET', url: '/r/nopage1' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toMatch(/^<!doctype html>.*has not shared a tracking page/s);
  });
});
