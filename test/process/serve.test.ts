/**
 * The README's first run, as a new user does it: `orderline serve` in an empty directory
 * with no configuration but PORT, then the CLI in the same directory, then a brand's first
 * order over HTTP.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessOnBotOrder } from '../../src/domain/events/fixtures.js';
import { tempDir } from '../support/databases.js';
import {
  freePort,
  jsonLogLines,
  runCli,
  startService,
  stopAllChildren,
  type ServiceProcess,
} from '../support/process.js';

const GUEST_PATHS = ['/orders-create', '/orders-cancelled', '/fulfillments-create', '/fulfillments-events-create', '/abandoned-cart'];

function modeOf(file: string): number {
  return fs.statSync(file).mode & 0o777;
}

function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe('first run: orderline serve on embedded defaults', () => {
  let cwd = '';
  let env: Record<string, string> = {};
  let first: ServiceProcess;
  let token = '';
  let tenant: { id: string; guestKey: string };
  /** stdout and stderr of every server run, for the secret-leak checks. */
  const outputs: { stdout: string; stderr: string }[] = [];

  const tokenFile = () => path.join(cwd, 'data', 'admin-token');
  const secretFile = () => path.join(cwd, 'data', 'secret.key');

  beforeAll(async () => {
    cwd = tempDir('orderline-first-run-');
    // Nothing but PORT (and PATH/HOME, which every process has).
    env = { PORT: String(await freePort()), HOME: cwd };
    first = await startService({ cwd, env });
  });
  afterAll(async () => {
    await stopAllChildren();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('prints the URL it listens on, where the admin token is, and how to create a tenant', () => {
    const out = first.stdout();
    expect(first.url).toBe(`http://127.0.0.1:${env.PORT}`);
    expect(out).toContain(`listening on ${first.url}`);
    expect(out).toContain(tokenFile());
    expect(out).toMatch(/orderline tenants create --name/);
    expect(out).toContain(`${first.url}/admin/tenants`);
    expect(first.stderr()).toBe('');
  });

  it('generates the admin token once: printed, and saved to ./data/admin-token with mode 0600', () => {
    token = fs.readFileSync(tokenFile(), 'utf8').trim();
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(modeOf(tokenFile())).toBe(0o600);
    expect(occurrences(first.stdout(), token)).toBe(1);
    expect(modeOf(secretFile())).toBe(0o600);
    expect(fs.readFileSync(secretFile(), 'utf8').trim().length).toBeGreaterThanOrEqual(32);
    expect(fs.existsSync(path.join(cwd, 'data', 'orderline.db'))).toBe(true);
  });

  it('answers /healthz, /readyz, /openapi.json and /docs', async () => {
    const health = await fetch(`${first.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${first.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });

    const openapi = await fetch(`${first.url}/openapi.json`);
    expect(openapi.status).toBe(200);
    const spec = (await openapi.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(spec.openapi).toMatch(/^3\./);
    for (const guestPath of GUEST_PATHS) expect(Object.keys(spec.paths[guestPath] ?? {})).toEqual(['post']);
    expect(Object.keys(spec.paths['/admin/tenants'] ?? {}).sort()).toEqual(['get', 'post']);

    const docs = await fetch(`${first.url}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await docs.text()).toMatch(/<html/i);
  });

  it('guards /admin with the generated token', async () => {
    expect((await fetch(`${first.url}/admin/tenants`)).status).toBe(401);
    const wrong = await fetch(`${first.url}/admin/tenants`, { headers: { authorization: 'Bearer not-the-token-0123456789' } });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${first.url}/admin/tenants`, { headers: { authorization: `Bearer ${token}` } });
    expect(right.status).toBe(200);
    expect(await right.json()).toEqual({ items: [], nextCursor: null });
  });

  it('a tenant created with the CLI in the same directory takes a BusinessOnBot order', async () => {
    const created = await runCli(['tenants', 'create', '--name', 'My Store', '--json'], { cwd, env });
    expect(created.code, created.stderr).toBe(0);
    const json = JSON.parse(created.stdout) as { tenant: { id: string }; guestKey: string };
    tenant = { id: json.tenant.id, guestKey: json.guestKey };

    const order = businessOnBotOrder({ id: '4331283087516' });
    const res = await fetch(`${first.url}/orders-create`, {
      method: 'POST',
      headers: { 'x-guest-id': tenant.guestKey, 'content-type': 'application/json' },
      body: JSON.stringify(order),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"status":"success","statusCode":200}');

    const events = await fetch(`${first.url}/admin/tenants/${tenant.id}/events`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(events.status).toBe(200);
    const page = (await events.json()) as { items: { kind: string; resourceKey: string; outcome: string; body: unknown }[]; nextCursor: string | null };
    expect(page.nextCursor).toBeNull();
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ kind: 'order_created', resourceKey: '4331283087516', outcome: 'accepted', body: order });

    // Requests that are logged (4xx at info) carry the token and the guest key in headers.
    const refused = await fetch(`${first.url}/admin/tenants/ten_nope`, { headers: { authorization: `Bearer ${token}` } });
    expect(refused.status).toBe(404);
    const bad = await fetch(`${first.url}/orders-create`, {
      method: 'POST',
      headers: { 'x-guest-id': tenant.guestKey, 'content-type': 'application/json' },
      body: '{"no":"id"}',
    });
    expect(bad.status).toBe(400);
  });

  it('stops on SIGTERM, and a second start reuses the token and key without printing the token', async () => {
    const tokenBefore = fs.readFileSync(tokenFile(), 'utf8');
    const secretBefore = fs.readFileSync(secretFile(), 'utf8');
    const exit = await first.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    outputs.push({ stdout: first.stdout(), stderr: first.stderr() });

    const second = await startService({ cwd, env });
    try {
      expect(second.stdout()).not.toContain(token);
      expect(second.stdout()).toContain(`Admin token: in ${tokenFile()}`);
      expect(fs.readFileSync(tokenFile(), 'utf8')).toBe(tokenBefore);
      expect(fs.readFileSync(secretFile(), 'utf8')).toBe(secretBefore);
      expect(modeOf(tokenFile())).toBe(0o600);

      // Same token, same data.
      const events = await fetch(`${second.url}/admin/tenants/${tenant.id}/events`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(events.status).toBe(200);
      expect(((await events.json()) as { items: unknown[] }).items).toHaveLength(1);
      // The same order again is a duplicate: 200, still stored once.
      const again = await fetch(`${second.url}/orders-create`, {
        method: 'POST',
        headers: { 'x-guest-id': tenant.guestKey, 'content-type': 'application/json' },
        body: JSON.stringify(businessOnBotOrder({ id: '4331283087516' })),
      });
      expect(await again.text()).toBe('{"status":"success","statusCode":200}');
    } finally {
      expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      outputs.push({ stdout: second.stdout(), stderr: second.stderr() });
    }
  });

  it('never writes the admin token or a guest key through the logger', () => {
    const logLines = outputs.flatMap((o) => jsonLogLines(o.stdout));
    // Not vacuous: start-up, the refused requests and shutdown are logged.
    expect(logLines.length).toBeGreaterThanOrEqual(4);
    for (const line of logLines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(logLines.some((line) => line.includes('"status":404'))).toBe(true);
    for (const line of logLines) {
      expect(line).not.toContain(token);
      expect(line).not.toContain(tenant.guestKey);
    }
    for (const { stderr } of outputs) {
      expect(stderr).not.toContain(token);
      expect(stderr).not.toContain(tenant.guestKey);
    }
  });
});
