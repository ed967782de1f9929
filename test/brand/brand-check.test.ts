/**
 * `orderline brand-check` as an operator runs it: the built CLI (`npm run build` first)
 * against the reference brand started as its own process (everything OK, exit 0), against
 * a deliberately broken brand (each fault named, exit 1), and with `--tenant` reading the
 * brand settings and key from the database.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrandCheckReport } from '../../src/brand/brand-contract-check.js';
import { tempDir } from '../support/databases.js';
import { hasStackTrace, runCli, stopAllChildren, type CliResult } from '../support/process.js';
import { scriptedServer, startReferenceProcess, type ReferenceProcess, type ScriptedServer } from './support/brand-servers.js';

const KEY = 'brand-check-key-31c7';
const ASHA = '+919812345678';

let cwd = '';
let reference: ReferenceProcess;
const cli = (...args: string[]): Promise<CliResult> => runCli(['brand-check', ...args], { cwd });

beforeAll(async () => {
  cwd = tempDir('brand-check-');
  reference = await startReferenceProcess(['--port', '0', '--key', KEY, '--seed']);
});
afterAll(async () => {
  await reference.stop();
  await stopAllChildren();
  fs.rmSync(cwd, { recursive: true, force: true });
});

function reportOf(result: CliResult): BrandCheckReport {
  return JSON.parse(result.stdout) as BrandCheckReport;
}

function lineOf(stdout: string, check: string): string {
  const line = stdout.split('\n').find((l) => l.slice(6).startsWith(check));
  if (line === undefined) throw new Error(`no line for "${check}" in:\n${stdout}`);
  return line;
}

describe('against the reference brand', () => {
  it('passes every check and exits 0, printing status and latency per endpoint', async () => {
    const result = await cli('--url', reference.url, '--key', KEY, '--phone', '9812345678');
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`Brand API check of ${reference.url} (phone format digits, timeout 5000 ms)`);
    expect(lineOf(result.stdout, 'customer by phone')).toMatch(/^OK {4}customer by phone +GET \/personal-details\/\{phone\} +200 +\d+ ms {2}Asha Rao$/);
    expect(lineOf(result.stdout, 'recent orders')).toMatch(/200 .*3 order\(s\): #1004, #1003, #1002$/);
    expect(lineOf(result.stdout, 'customer by email')).toMatch(/^OK .* 200 /);
    expect(lineOf(result.stdout, 'order ')).toMatch(/^OK .*GET \/order\/\{orderId\} +200 .*#1004/);
    expect(lineOf(result.stdout, 'unknown order')).toMatch(/^OK .* 404 .*answered as not found/);
    expect(lineOf(result.stdout, 'unknown email')).toMatch(/^OK .* 404 /);
    expect(lineOf(result.stdout, 'key required')).toMatch(/^OK .* 401 .*refused without x-guest-id/);
    expect(lineOf(result.stdout, 'cancel order')).toMatch(/^SKIP .*POST \/cancel-order .*changes data: pass --cancel-order-id/);
    expect(result.stdout).toContain('All 7 checks passed (1 skipped).');
    expect(result.stdout).not.toContain(KEY);
  });

  it.each(['e164', 'national'])('--json with --phone-format %s and a cancel: a machine-readable report', async (format) => {
    const cancelId = format === 'e164' ? '1004' : '1002';
    const result = await cli('--url', reference.url, '--key', KEY, '--phone', ASHA, '--phone-format', format, '--cancel-order-id', cancelId, '--json');
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const report = reportOf(result);
    expect(report).toMatchObject({ ok: true, baseUrl: reference.url, phoneFormat: format, timeoutMs: 5000 });
    expect(report.checks.map((c) => [c.check, c.result])).toEqual([
      ['customer by phone', 'ok'],
      ['recent orders', 'ok'],
      ['customer by email', 'ok'],
      ['order', 'ok'],
      ['unknown order', 'ok'],
      ['unknown email', 'ok'],
      ['key required', 'ok'],
      ['cancel order', 'ok'],
    ]);
    const cancel = report.checks.at(-1);
    // An open order is cancelled; a shipped one is refused in the contract's form, which is correct too.
    expect(cancel?.note).toMatch(format === 'e164' ? /order 1004 cancelled/ : /refused: .*has already shipped/);
    for (const c of report.checks.slice(0, 7)) {
      expect(c.httpStatus).toEqual(expect.any(Number));
      expect(c.latencyMs).toEqual(expect.any(Number));
      expect(c.fault).toBeNull();
    }
  });

  it('fails the checks with a wrong key and says so', async () => {
    const result = await cli('--url', reference.url, '--key', 'wrong', '--order-id', '1001', '--json');
    expect(result.code).toBe(1);
    const report = reportOf(result);
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.check === 'order')).toMatchObject({ result: 'fail', httpStatus: 401, fault: expect.stringMatching(/^key refused: HTTP 401/) as unknown });
  });
});

describe('against a broken brand', () => {
  let broken: ScriptedServer;
  beforeAll(async () => {
    broken = await scriptedServer((r) => {
      // Order 42 comes back without an id; every other id, even one that cannot exist, as
      // order #1; with or without the key.
      if (r.url === '/order/42') return { body: { foo: 'bar' } };
      if (r.url.startsWith('/order/')) return { body: { id: '1', name: '#1' } };
      if (r.url.startsWith('/personal-details?')) return { status: 500, body: { status: 'failure', statusCode: 500, error: 'Internal Server Error!!' } };
      if (r.url.startsWith('/personal-details/')) return { body: { email: 'someone@example.com', last_name: 'Rao' } };
      if (r.url.startsWith('/get-orders/')) return { delayMs: 3000, body: [] };
      return { status: 404 };
    });
  });
  afterAll(async () => broken.close());

  it('names each fault and exits 1', async () => {
    const result = await cli('--url', broken.url, '--key', KEY, '--phone', ASHA, '--order-id', '42', '--timeout-ms', '300');
    expect(result.code, result.stderr).toBe(1);
    expect(hasStackTrace(result.stdout + result.stderr)).toBe(false);
    expect(lineOf(result.stdout, 'customer by phone')).toMatch(/^FAIL .* 200 .*missing field: first_name, phone$/);
    expect(lineOf(result.stdout, 'recent orders')).toMatch(/^FAIL .* - +\d+ ms {2}timeout: no answer within 300 ms/);
    expect(lineOf(result.stdout, 'customer by email')).toMatch(/^FAIL .* 500 .*server error: HTTP 500/);
    expect(lineOf(result.stdout, 'order ')).toMatch(/^FAIL .* 200 .*wrong shape: the answer is not an order \(\/id is required\)/);
    expect(lineOf(result.stdout, 'unknown order')).toMatch(/^FAIL .* 200 .*wrong not-found answer: data for something that cannot exist; answer 404$/);
    expect(lineOf(result.stdout, 'key required')).toMatch(/^FAIL .* 200 .*key not required/);
    expect(lineOf(result.stdout, 'unknown email')).toMatch(/^FAIL .* 500 .*server error/);
    expect(result.stdout).toMatch(/7 of 7 checks failed \(1 skipped\)\./);
    // No retries: one request per check.
    expect(broken.requests.filter((r) => r.url.startsWith('/get-orders/'))).toHaveLength(1);
  });

  it('reports a wrong not-found answer (a 200 with data for an id that cannot exist) in --json', async () => {
    const result = await cli('--url', broken.url, '--json', '--timeout-ms', '300');
    expect(result.code).toBe(1);
    const report = reportOf(result);
    expect(report.checks.find((c) => c.check === 'unknown order')).toMatchObject({
      result: 'fail',
      httpStatus: 200,
      fault: 'wrong not-found answer: data for something that cannot exist; answer 404',
    });
    // Without a key there is nothing to refuse: skipped, not failed.
    expect(report.checks.find((c) => c.check === 'key required')).toMatchObject({ result: 'skip', note: expect.stringMatching(/no key configured/) as unknown });
  });

  it('an unreachable brand is named as such', async () => {
    const result = await cli('--url', 'http://127.0.0.1:1', '--key', KEY, '--json');
    expect(result.code).toBe(1);
    expect(reportOf(result).checks.find((c) => c.check === 'unknown order')?.fault).toMatch(/^unreachable: network error: ECONNREFUSED/);
  });
});

describe('--tenant', () => {
  it("uses the tenant's brand URL and key from the database", async () => {
    const dir = tempDir('brand-check-tenant-');
    const env = { DATABASE_URL: `file:${path.join(dir, 'orderline.db')}` };
    try {
      const created = await runCli(['tenants', 'create', '--name', 'Reference Brand', '--brand-url', reference.url, '--brand-key', KEY, '--json'], { cwd: dir, env });
      expect(created.code, created.stderr).toBe(0);
      const { tenant } = JSON.parse(created.stdout) as { tenant: { id: string } };
      const result = await runCli(['brand-check', '--tenant', tenant.id, '--phone', '9876543210', '--json'], { cwd: dir, env });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const report = reportOf(result);
      expect(report).toMatchObject({ ok: true, baseUrl: reference.url, phoneFormat: 'digits' });
      expect(report.checks.find((c) => c.check === 'customer by phone')?.note).toBe('Vikram Singh');
      expect(report.checks.find((c) => c.check === 'key required')?.result).toBe('ok');

      const bare = await runCli(['tenants', 'create', '--name', 'No Brand API', '--json'], { cwd: dir, env });
      const bareId = (JSON.parse(bare.stdout) as { tenant: { id: string } }).tenant.id;
      const refused = await runCli(['brand-check', '--tenant', bareId], { cwd: dir, env });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^orderline: --tenant \S+ has no brandApi\.baseUrl/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('needs --tenant or --url, and a usable --phone', async () => {
    const none = await cli();
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('orderline: --tenant ID or --url URL is required\n');
    const badPhone = await cli('--url', reference.url, '--phone', 'call me');
    expect(badPhone.code).toBe(1);
    expect(badPhone.stderr).toMatch(/^orderline: --phone call me is not a usable phone number/);
  });
});
