/**
 * What the admin and sandbox routes write is what /openapi.json says they write, on real
 * SQLite and PostgreSQL: through one realistic run (support/admin-flow.ts) every 2xx answer
 * is checked against its documented schema with Ajv, and every admin answer is byte for byte
 * what its handler returned, as JSON.stringify wrote it before the routes had response schemas
 * (nothing dropped, reordered or coerced). And a secret a view put into a tenant by mistake is
 * still never written: the response schema does not name it.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { httpAppFor } from '../../src/app/http-app.js';
import type { TenantView } from '../../src/domain/tenants/tenant-view.js';
import { FLOW_SECRETS, recordAnswers, runAdminFlow, type RecordedAnswer } from '../support/admin-flow.js';
import { databaseTargets } from '../support/databases.js';
import { ADMIN_TOKEN, startHarness, type Harness } from '../support/harness.js';
import { MemoryBrand } from '../support/memory-brand.js';

type Schema = Record<string, unknown>;
type Spec = { paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }>> };

/** `/admin/tenants/:id` as the document spells it. */
const documentedPath = (route: string) => route.replace(/:(\w+)/g, '{$1}');
const isOperatorRoute = (route: string) => route.startsWith('/admin/') || route.startsWith('/sandbox/');

function validatorsOf(spec: Spec): (method: string, route: string, status: number) => ValidateFunction | undefined {
  // OpenAPI 3.0 keywords (nullable, readOnly, example) are not all JSON Schema: not strict.
  const ajv = new Ajv({ strict: false, allErrors: true });
  // The APIs' times: ISO-8601 UTC with milliseconds, as toISOString writes them.
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  const compiled = new Map<string, ValidateFunction | undefined>();
  return (method, route, status) => {
    const key = `${method} ${route} ${status}`;
    if (!compiled.has(key)) {
      const schema = spec.paths[documentedPath(route)]?.[method.toLowerCase()]?.responses?.[String(status)]?.content?.['application/json']?.schema;
      compiled.set(key, schema === undefined ? undefined : ajv.compile(schema));
    }
    return compiled.get(key);
  };
}

describe.each(databaseTargets())('admin and sandbox answers on $name', (factory) => {
  describe.skipIf(factory.skip)('', () => {
    let h: Harness;
    let app: FastifyInstance;
    let spec: Spec;
    let answers: RecordedAnswer[];
    let ids: { cloudId: string; shopId: string };

    beforeAll(async () => {
      const brand = new MemoryBrand();
      h = await startHarness(factory, {}, { brandApi: () => brand });
      // The sandbox stamps what it sends with the real time; the service's clock starts there too.
      h.clock.set(new Date());
      app = await httpAppFor(h.orderline, ADMIN_TOKEN);
      answers = recordAnswers(app);
      h.orderline.setInternalUrl(await app.listen({ port: 0, host: '127.0.0.1' }));
      spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<Spec>();
      ids = await runAdminFlow(h, app);
    }, 120_000);
    afterAll(async () => {
      await app?.close();
      await h?.close();
    });

    const successes = () => answers.filter((a) => isOperatorRoute(a.route) && a.status >= 200 && a.status < 300);

    it('answers every documented admin and sandbox route at least once in the run', () => {
      const documented = Object.entries(spec.paths)
        .filter(([path]) => isOperatorRoute(path))
        .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
      const answered = new Set(successes().map((a) => `${a.method} ${documentedPath(a.route)}`));
      expect(documented.filter((route) => !answered.has(route))).toEqual([]);
    });

    it('writes every 2xx answer as its documented schema says', () => {
      const validator = validatorsOf(spec);
      const failures: string[] = [];
      for (const a of successes()) {
        const validate = validator(a.method, a.route, a.status);
        if (validate === undefined) failures.push(`${a.method} ${a.route} ${a.status}: no schema documented`);
        else if (!validate(JSON.parse(a.body))) failures.push(`${a.method} ${a.route} ${a.status}: ${JSON.stringify(validate.errors?.slice(0, 3))}`);
      }
      expect(failures).toEqual([]);
      expect(successes().length).toBeGreaterThan(50);
    });

    it('writes every admin answer byte for byte as its handler returned it: nothing dropped, reordered or coerced', () => {
      const admin = successes().filter((a) => a.route.startsWith('/admin/'));
      expect(admin.every((a) => a.handed !== undefined)).toBe(true);
      expect(admin.filter((a) => a.body !== a.handed).map((a) => `${a.method} ${a.route}: ${a.body}`)).toEqual([]);
    });

    it('keeps the nulls, numbers and open bodies of a realistic run', () => {
      const last = (url: string) => JSON.parse([...answers].reverse().find((a) => a.method === 'GET' && a.url === url)?.body ?? 'null') as unknown;
      const shop = `/admin/tenants/${ids.shopId}`;
      expect(last(`${shop}/carts`)).toMatchObject({
        items: [{ state: 'recovered', total: null, currency: null, reason: 'order_by_phone', recovered: { orderId: '5003', value: '698.00', currency: 'INR', afterReminder: 1 } }],
        nextCursor: null,
      });
      expect(last(`${shop}/stats`)).toMatchObject({
        stats: { messages: { cart_reminder: { sent: 1, failedByCode: {} } }, carts: { remindedCarts: 1, recoveredCarts: 1, recoveredRevenue: { INR: 698 }, recoveryRate: 1 } },
      });
      expect(last(`/admin/tenants/${ids.cloudId}/stats`)).toEqual({
        stats: { messages: {}, carts: { carts: 0, remindedCarts: 0, remindersSent: 0, recoveredCarts: 0, recoveredRevenue: {}, recoveryRate: 0 } },
      });
      expect(last(`${shop}/alerts`)).toMatchObject({ sendingPaused: expect.stringMatching(/^190: /) as unknown, items: [{ kind: 'sending_paused' }, { kind: 'error_132000' }, { kind: 'template_paused' }] });
      expect(last(`/admin/tenants/${ids.cloudId}/alerts`)).toEqual({ sendingPaused: null, items: [], nextCursor: null });
      expect(last(`${shop}/orders/5001`)).toMatchObject({ order: { id: '5001', confirmation: { decision: 'confirmed' }, order: { number: '#5001', statusUrl: null } } });
      // An id beyond 2^53 comes back exactly, as a string, in the body as received.
      expect(last(`${shop}/events?kind=delivery_updated`)).toMatchObject({ items: [{ body: { id: '9007199254740993123' }, idempotencyKey: null }, {}] });
      const orders = last(`${shop}/events?kind=order_created`) as { items: { resourceKey: string; idempotencyKey: string | null }[] };
      expect(orders.items.find((e) => e.resourceKey === '5001')?.idempotencyKey).toBe('flow-order-5001');
      const retried = JSON.parse(answers.find((a) => a.route === '/admin/messages/:id/retry')?.body ?? '{}') as { message: unknown };
      expect(retried.message).toMatchObject({ state: 'queued', errorCode: 132000, wamid: null, sentAt: null, statuses: [] });
    });

    it('never writes a tenant secret, however the flow set them', () => {
      for (const a of answers.filter((x) => x.route.startsWith('/admin/'))) {
        for (const secret of Object.values(FLOW_SECRETS)) expect(a.body, `${a.method} ${a.route}`).not.toContain(secret);
      }
    });

    it('leaves out secrets a view put into a tenant by mistake, on create, read, list and patch', async () => {
      const leak = (view: TenantView): TenantView => {
        const leaky = {
          ...view,
          accessToken: 'leak-top',
          whatsapp: { ...view.whatsapp, accessToken: 'leak-whatsapp-token', appSecret: 'leak-app-secret' },
          brandApi: { ...view.brandApi, apiKey: 'leak-brand-key' },
        };
        return leaky;
      };
      const tenants = h.orderline.tenants;
      const original = { get: tenants.get.bind(tenants), list: tenants.list.bind(tenants), patch: tenants.patch.bind(tenants), create: tenants.create.bind(tenants) };
      const spies = [
        vi.spyOn(tenants, 'get').mockImplementation(async (id) => leak(await original.get(id))),
        vi.spyOn(tenants, 'list').mockImplementation(async (page) => {
          const listed = await original.list(page);
          return { ...listed, items: listed.items.map(leak) };
        }),
        vi.spyOn(tenants, 'patch').mockImplementation(async (id, patch) => leak(await original.patch(id, patch))),
        vi.spyOn(tenants, 'create').mockImplementation(async (input) => {
          const created = await original.create(input);
          return { ...created, tenant: leak(created.tenant) };
        }),
      ];
      try {
        const calls = [
          app.inject({ method: 'GET', url: `/admin/tenants/${ids.cloudId}`, headers: h.admin }),
          app.inject({ method: 'GET', url: '/admin/tenants', headers: h.admin }),
          app.inject({ method: 'PATCH', url: `/admin/tenants/${ids.cloudId}`, headers: h.admin, payload: { name: 'Cloud Co 2' } }),
          app.inject({ method: 'POST', url: '/admin/tenants', headers: h.admin, payload: { name: 'Leaky Co' } }),
        ];
        for (const res of await Promise.all(calls)) {
          expect(res.statusCode, res.body).toBeLessThan(300);
          expect(res.body).not.toMatch(/leak-/);
          expect(res.body).toMatch(/"hasAccessToken":(true|false)/);
        }
      } finally {
        for (const spy of spies) spy.mockRestore();
      }
    });
  });
});
