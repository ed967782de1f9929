/**
 * The `orderline` CLI as a user runs it: the built binary in a child process, on a real
 * SQLite file and on a throwaway PostgreSQL database. `--json` output is compared with what
 * a running server's admin API answers on the same database.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessOnBotOrder } from '../../src/domain/events/fixtures.js';
import { databaseTargets, tempDir } from '../support/databases.js';
import {
  BIN_JS,
  hasStackTrace,
  runCli,
  startService,
  stopAllChildren,
  waitFor,
  type CliResult,
  type ServiceProcess,
} from '../support/process.js';

const ADMIN_TOKEN = 'cli-test-admin-token-0123456789';
const SECRET = 'cli-test-secret-0123456789abcdef0123456789';
const PHONE_NUMBER_ID = '106540352242922';

type Json = Record<string, unknown>;

interface TenantJson extends Json {
  id: string;
  name: string;
  timezone: string;
  createdAt: string;
  updatedAt: string;
  whatsapp: Json;
  brandApi: Json;
}

/** Parses the CLI's stdout as JSON, failing with its output when it is not. */
function jsonOf<T>(result: CliResult): T {
  if (result.code !== 0) throw new Error(`exit ${String(result.code)}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** Every key anywhere in a JSON value. */
function allKeys(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) allKeys(item, into);
  else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      into.push(key);
      allKeys(inner, into);
    }
  }
  return into;
}

/** A failure the user can act on: exit 1, one line on stderr, nothing on stdout, no stack. */
function expectOneLineFailure(result: CliResult, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stdout).toBe('');
  expect(hasStackTrace(result.stderr)).toBe(false);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^orderline: /);
  expect(lines[0]).toMatch(pattern);
}

afterAll(stopAllChildren);

for (const factory of databaseTargets()) {
  describe.skipIf(factory.skip)(`orderline CLI on ${factory.name}`, () => {
    let cwd = '';
    let env: Record<string, string> = {};
    let cleanup: () => Promise<void> = async () => undefined;
    const cli = (...args: string[]) => runCli(args, { cwd, env });

    beforeAll(async () => {
      const db = await factory.create();
      cwd = db.dataDir;
      cleanup = () => db.cleanup();
      env =
        db.target.kind === 'sqlite'
          ? { DATABASE_URL: `file:${db.target.file}` }
          : { DATABASE_URL: db.target.url, ORDERLINE_SECRET: SECRET };
    });
    afterAll(async () => {
      await stopAllChildren();
      await cleanup();
    });

    it('migrate applies the migrations once, then says the database is up to date; it asks for no ORDERLINE_SECRET and writes none', async () => {
      // Migrating seals no tenant secret: PostgreSQL needs no ORDERLINE_SECRET for it, SQLite gets no secret.key.
      const withoutSecret = Object.fromEntries(Object.entries(env).filter(([name]) => name !== 'ORDERLINE_SECRET'));
      const first = await runCli(['migrate'], { cwd, env: withoutSecret });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/^Applied migrations: 001-initial(, [0-9]{3}-[a-z-]+)*\n$/);
      expect(fs.readdirSync(cwd)).not.toContain('secret.key');
      const second = await cli('migrate');
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toBe('Database is up to date.\n');
    });

    describe('tenants, compared with the admin API of a server on the same database', () => {
      let server: ServiceProcess;
      const admin = async (path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> => {
        const res = await fetch(server.url + path, {
          ...init,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...init.headers },
        });
        return { status: res.status, body: await res.json() };
      };
      const postOrder = async (guestKey: string, id: string): Promise<number> => {
        const res = await fetch(`${server.url}/orders-create`, {
          method: 'POST',
          headers: { 'x-guest-id': guestKey, 'content-type': 'application/json' },
          body: JSON.stringify(businessOnBotOrder({ id })),
        });
        await res.arrayBuffer();
        return res.status;
      };

      let sandbox: { tenant: TenantJson; guestKey: string };
      let cloud: { tenant: TenantJson; guestKey: string };

      beforeAll(async () => {
        server = await startService({ cwd, env: { ...env, ADMIN_TOKEN, LOG_LEVEL: 'warn' } });
      });

      it('tenants create --json prints {tenant, guestKey} as POST /admin/tenants does', async () => {
        sandbox = jsonOf(await cli('tenants', 'create', '--name', 'Sandbox Store', '--json'));
        expect(Object.keys(sandbox).sort()).toEqual(['guestKey', 'tenant']);
        expect(sandbox.guestKey).toMatch(/^\S{20,}$/);
        expect(sandbox.tenant.name).toBe('Sandbox Store');
        expect(sandbox.tenant.whatsapp).toMatchObject({ hasAccessToken: false, hasAppSecret: false, mode: 'sandbox' });
        expect(sandbox.tenant.brandApi).toMatchObject({ hasApiKey: false });

        // The same body through the HTTP API gives the same document, up to identity and time.
        const viaApi = await admin('/admin/tenants', { method: 'POST', body: JSON.stringify({ name: 'Sandbox Store' }) });
        expect(viaApi.status).toBe(201);
        const apiCreated = viaApi.body as { tenant: TenantJson; guestKey: string };
        expect(Object.keys(apiCreated).sort()).toEqual(['guestKey', 'tenant']);
        const { id: _a, createdAt: _b, updatedAt: _c, ...cliRest } = sandbox.tenant;
        const { id: _d, createdAt: _e, updatedAt: _f, ...apiRest } = apiCreated.tenant;
        // Each sandbox tenant gets its own generated phone number id.
        const sandboxId = /^1555[0-9]{11}$/;
        expect(cliRest.whatsapp.phoneNumberId).toMatch(sandboxId);
        expect(apiRest.whatsapp.phoneNumberId).toMatch(sandboxId);
        expect({ ...cliRest, whatsapp: { ...cliRest.whatsapp, phoneNumberId: 'x' } }).toEqual({ ...apiRest, whatsapp: { ...apiRest.whatsapp, phoneNumberId: 'x' } });
        expect(Object.keys(sandbox.tenant)).toEqual(Object.keys(apiCreated.tenant));

        // What the CLI stored is what the API reads back.
        const read = await admin(`/admin/tenants/${sandbox.tenant.id}`);
        expect(read.status).toBe(200);
        expect(read.body).toEqual({ tenant: sandbox.tenant });

        // The printed guest key works against the running server.
        expect(await postOrder(sandbox.guestKey, 'cli-order-1')).toBe(200);
      });

      it('tenants create with secrets shows only has… flags, never the secrets', async () => {
        const accessToken = 'EAAG-cli-access-token-should-never-print';
        const appSecret = 'cli-app-secret-should-never-print';
        const brandKey = 'cli-brand-key-should-never-print';
        const result = await cli(
          'tenants', 'create', '--name', 'Cloud Store', '--json',
          '--phone-number-id', PHONE_NUMBER_ID,
          '--business-account-id', '102290129340398',
          '--access-token', accessToken,
          '--app-secret', appSecret,
          '--brand-url', 'https://brand.example.com/api',
          '--brand-key', brandKey,
          '--timezone', 'Europe/Berlin',
          '--country', 'DE',
        );
        cloud = jsonOf(result);
        for (const secret of [accessToken, appSecret, brandKey]) {
          expect(result.stdout).not.toContain(secret);
          expect(result.stderr).not.toContain(secret);
        }
        expect(allKeys(cloud)).not.toContain('accessToken');
        expect(allKeys(cloud)).not.toContain('appSecret');
        expect(allKeys(cloud)).not.toContain('apiKey');
        expect(cloud.tenant).toMatchObject({ timezone: 'Europe/Berlin', defaultCountry: 'DE' });
        expect(cloud.tenant.whatsapp).toMatchObject({
          phoneNumberId: PHONE_NUMBER_ID,
          businessAccountId: '102290129340398',
          hasAccessToken: true,
          hasAppSecret: true,
          mode: 'cloud',
        });
        expect(cloud.tenant.brandApi).toMatchObject({ baseUrl: 'https://brand.example.com/api', hasApiKey: true });
        expect((await admin(`/admin/tenants/${cloud.tenant.id}`)).body).toEqual({ tenant: cloud.tenant });

        // A phone number id already in use is refused, as the API does with 409.
        const taken = await cli('tenants', 'create', '--name', 'Copycat', '--phone-number-id', PHONE_NUMBER_ID, '--access-token', 'x');
        expectOneLineFailure(taken, /phone/i);
      });

      it('tenants list --json prints {items, nextCursor} as GET /admin/tenants does, and pages', async () => {
        const page = jsonOf<{ items: TenantJson[]; nextCursor: string | null }>(await cli('tenants', 'list', '--json'));
        expect(Object.keys(page).sort()).toEqual(['items', 'nextCursor']);
        expect(page).toEqual((await admin('/admin/tenants')).body);
        expect(page.nextCursor).toBeNull();
        // Newest first: the cloud tenant was created last (after the one made through the API).
        expect(page.items.map((t) => t.id)[0]).toBe(cloud.tenant.id);
        expect(page.items.map((t) => t.id)).toContain(sandbox.tenant.id);
        expect(page.items).toHaveLength(3);

        const [firstPage, zero] = await Promise.all([cli('tenants', 'list', '--limit', '2', '--json'), cli('tenants', 'list', '--limit', '0')]);
        expectOneLineFailure(zero, /--limit/);
        const first = jsonOf<{ items: TenantJson[]; nextCursor: string | null }>(firstPage);
        expect(first.items).toEqual(page.items.slice(0, 2));
        expect(first.nextCursor).not.toBeNull();
        const rest = jsonOf<{ items: TenantJson[]; nextCursor: string | null }>(
          await cli('tenants', 'list', '--limit', '2', '--cursor', first.nextCursor ?? '', '--json'),
        );
        expect(rest).toEqual({ items: page.items.slice(2), nextCursor: null });

        // With --json, a refused --limit or --cursor prints the admin API's 400 envelope for the same query value.
        for (const [option, value, query] of [['--limit', '0', 'limit=0'], ['--limit', 'many', 'limit=many'], ['--cursor', 'evt_01m973zjpxdxnnxtvfvv5hay', 'cursor=evt_01m973zjpxdxnnxtvfvv5hay']] as const) {
          const refused = await cli('tenants', 'list', option, value, '--json');
          expectOneLineFailure({ ...refused, stdout: '' }, new RegExp(option));
          const api = await admin(`/admin/tenants?${query}`);
          expect(api.status).toBe(400);
          expect(JSON.parse(refused.stdout || 'null'), `${option} ${value}`).toEqual(api.body);
        }

      });

      it('tenants show --json prints {tenant} as GET /admin/tenants/{id} does', async () => {
        const shown = jsonOf<Json>(await cli('tenants', 'show', cloud.tenant.id, '--json'));
        expect(shown).toEqual((await admin(`/admin/tenants/${cloud.tenant.id}`)).body);
        expect(shown).toEqual({ tenant: cloud.tenant });
      });

      it('an unknown tenant id is one line and exit 1, for show and rotate-key; with --json, stdout is the admin API envelope', async () => {
        const [show, rotate, plain] = await Promise.all([
          cli('tenants', 'show', 'ten_does_not_exist', '--json'),
          cli('tenants', 'rotate-key', 'ten_does_not_exist', '--json'),
          cli('tenants', 'show', 'ten_does_not_exist'),
        ]);
        expectOneLineFailure(plain, /ten_does_not_exist.*not found/);
        const api = (await admin('/admin/tenants/ten_does_not_exist')).body;
        expect(api).toMatchObject({ status: 'failure', statusCode: 404, error: 'Not Found!!' });
        for (const result of [show, rotate]) {
          expectOneLineFailure({ ...result, stdout: '' }, /ten_does_not_exist.*not found/);
          expect(JSON.parse(result.stdout)).toEqual(api);
        }
      });

      it('events replay reads --since as an ISO-8601 date or time only; a time after the events queues none', async () => {
        // "1" was taken as the year 2001 (Date), "yesterday" and a 13th month are no times at all.
        const refused = await Promise.all(['1', '1772360000', 'yesterday', '2026-13-01'].map((since) => cli('events', 'replay', '--tenant', sandbox.tenant.id, '--since', since)));
        for (const result of refused) expectOneLineFailure(result, /--since must be an ISO-8601 date or time/);
        expect(await postOrder(sandbox.guestKey, 'cli-replay-1')).toBe(200);
        const later = jsonOf<{ queued: number }>(await cli('events', 'replay', '--tenant', sandbox.tenant.id, '--since', '2999-01-01', '--json'));
        expect(later).toEqual({ queued: 0 });
        const all = jsonOf<{ queued: number }>(await cli('events', 'replay', '--tenant', sandbox.tenant.id, '--since', '2000-01-01', '--json'));
        expect(all.queued).toBeGreaterThan(0);
      });

      it('rotate-key --json prints {guestKey, previousKeyValidUntil}; the old key stops, the new one works', async () => {
        const before = Date.now();
        const rotated = jsonOf<{ guestKey: string; previousKeyValidUntil: string }>(
          await cli('tenants', 'rotate-key', sandbox.tenant.id, '--json'),
        );
        expect(Object.keys(rotated).sort()).toEqual(['guestKey', 'previousKeyValidUntil']);
        expect(rotated.guestKey).not.toBe(sandbox.guestKey);
        expect(rotated.previousKeyValidUntil).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        // Grace period 0: the old key is valid until about now.
        const until = Date.parse(rotated.previousKeyValidUntil);
        expect(until).toBeGreaterThanOrEqual(before - 1000);
        expect(until).toBeLessThanOrEqual(Date.now() + 1000);

        expect(await postOrder(rotated.guestKey, 'cli-order-2')).toBe(200);
        // The server may hold the old key in its short per-process cache for a moment.
        await waitFor('the rotated-away key to be refused', async () =>
          (await postOrder(sandbox.guestKey, 'cli-order-3')) === 401 ? true : undefined,
        );

        const graced = jsonOf<{ guestKey: string; previousKeyValidUntil: string }>(
          await cli('tenants', 'rotate-key', sandbox.tenant.id, '--grace', '10m', '--json'),
        );
        const graceMs = Date.parse(graced.previousKeyValidUntil) - Date.now();
        expect(graceMs).toBeGreaterThan(9 * 60_000);
        expect(graceMs).toBeLessThanOrEqual(10 * 60_000);
        // Within the grace period both keys work.
        expect(await postOrder(rotated.guestKey, 'cli-order-4')).toBe(200);
        expect(await postOrder(graced.guestKey, 'cli-order-5')).toBe(200);
      });

      it('invalid input exits 1 with a clear message and stores nothing', async () => {
        const count = async () => ((await admin('/admin/tenants?limit=200')).body as { items: unknown[] }).items.length;
        const before = await count();
        const [martian, nameless, forever] = await Promise.all([
          cli('tenants', 'create', '--name', 'Martian Store', '--timezone', 'Mars/Olympus', '--json'),
          cli('tenants', 'create', '--json'),
          cli('tenants', 'rotate-key', sandbox.tenant.id, '--grace', 'forever'),
        ]);
        // With --json, stdout holds the admin API's 400 envelope; stderr the one line.
        expectOneLineFailure({ ...martian, stdout: '' }, /timezone.*Mars\/Olympus/);
        expectOneLineFailure({ ...nameless, stdout: '' }, /name/);
        expect(JSON.parse(martian.stdout)).toMatchObject({ status: 'failure', statusCode: 400, error: 'Bad payload!!', details: [{ path: '/timezone' }] });
        expect(JSON.parse(nameless.stdout)).toMatchObject({ statusCode: 400, details: [{ path: '/name' }] });
        expectOneLineFailure(forever, /grace/i);
        expect(await count()).toBe(before);
      });
    });
  });
}

describe('orderline CLI start-up configuration errors', () => {
  let cwd = '';
  beforeAll(() => {
    cwd = tempDir('orderline-cli-config-');
  });
  afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

  it.concurrent('the bin script answers --help with the commands', async () => {
    const help = await runCli(['--help'], { cwd, script: BIN_JS });
    expect(help.code, help.stderr).toBe(0);
    const listed = (text: string) => text.split('\n').map((line) => /^\s+([a-z-]+)/.exec(line)?.[1]);
    expect(listed(help.stdout)).toEqual(expect.arrayContaining(['serve', 'migrate', 'tenants']));
    const tenants = await runCli(['tenants', '--help'], { cwd, script: BIN_JS });
    expect(listed(tenants.stdout)).toEqual(expect.arrayContaining(['create', 'list', 'show', 'rotate-key']));
  });

  it.concurrent('templates export prints the default catalog as template-creation bodies', async () => {
    const result = await runCli(['templates', 'export'], { cwd, env: { PUBLIC_URL: 'https://notify.example.com' } });
    expect(result.code, result.stderr).toBe(0);
    const templates = JSON.parse(result.stdout) as { name: string; category: string; language: string; components: { type: string; buttons?: { type: string; url?: string }[] }[] }[];
    expect(templates.map((t) => t.name)).toEqual(expect.arrayContaining(['orderline_order_confirmed_cod', 'orderline_order_shipped', 'orderline_cart_reminder']));
    expect(templates.find((t) => t.name === 'orderline_cart_reminder')?.category).toBe('MARKETING');
    expect(templates.find((t) => t.name === 'orderline_order_shipped')?.category).toBe('UTILITY');
    const urls = templates.flatMap((t) => t.components.flatMap((c) => c.buttons ?? [])).flatMap((b) => (b.url === undefined ? [] : [b.url]));
    expect(urls.length).toBeGreaterThan(0);
    expect(urls.every((u) => u === 'https://notify.example.com/r/{{1}}')).toBe(true);
    // Nothing but the catalog: no database was opened for it.
    expect(fs.readdirSync(cwd)).toEqual([]);
  });

  it.concurrent.each(['notaurl', 'ftp://x.example', 'https://x.example/base/?q=1', 'https://x.example/base#f'])(
    'templates export --public-url %s is refused: button URLs would not work',
    async (url) => {
      const result = await runCli(['templates', 'export', '--public-url', url], { cwd });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(hasStackTrace(result.stderr)).toBe(false);
      expect(result.stderr).toMatch(/--public-url/);
    },
  );

  it.concurrent.each([
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }, ['migrate']],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }, ['tenants', 'list']],
    ['REDIS_URL', { REDIS_URL: 'redis://127.0.0.1:6379' }, ['serve']],
    ['REDIS_URL', { REDIS_URL: 'redis://127.0.0.1:6379' }, ['migrate']],
    ['ORDERLINE_SECRET', { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' }, ['serve']],
    ['PORT', { PORT: 'eighty' }, ['serve']],
  ])('%s: %j %j exits non-zero naming the variable, without a stack trace', async (variable, env, args) => {
    const result = await runCli(args, { cwd, env });
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stdout).toBe('');
    expect(hasStackTrace(result.stderr)).toBe(false);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^orderline: Configuration error: ${variable}: `));
    // Refused before anything was created: no data directory, no database, no secrets.
    expect(fs.readdirSync(cwd)).toEqual([]);
  });
});
