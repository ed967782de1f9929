/**
 * `orderline brand-check`: is a brand's API ready for the order assistant? Calls each of the
 * five brand endpoints (the cancel only with `--cancel-order-id`, since it changes data)
 * and prints per check OK/FAIL/SKIP, the HTTP status, the latency and the fault in plain
 * words; `--json` prints the report as data. Exits 1 when any check fails.
 *
 *   orderline brand-check --tenant ID [--phone P] [--email E] [--order-id X]
 *   orderline brand-check --url URL [--key KEY] [--phone-format digits] [--phone P] …
 *
 * With `--tenant` the tenant's `brandApi` settings and key are used (from the database named
 * by DATABASE_URL); `--key`, `--phone-format` and `--timeout-ms` override them.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { compose } from '../app/compose.js';
import type { Config } from '../config/config.js';
import { normalizePhone } from '../domain/recipients/phone.js';
import { runBrandCheck, type BrandCheckReport, type BrandCheckTarget, type CheckResult } from '../brand/brand-contract-check.js';
import { PHONE_FORMATS, type PhoneFormat } from '../brand/phone-path.js';
import { printJson, printLines } from './output.js';

interface BrandCheckOptions {
  tenant?: string;
  url?: string;
  key?: string;
  phoneFormat?: PhoneFormat;
  timeoutMs?: number;
  country: string;
  phone?: string;
  email?: string;
  orderId?: string;
  cancelOrderId?: string;
  cancelReason: string;
  json?: boolean;
}

function timeout(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 100 || n > 60_000) throw new InvalidArgumentError('must be an integer from 100 to 60000');
  return n;
}

function httpUrl(value: string): string {
  if (!/^https?:\/\/[^/\s]+/.test(value)) throw new InvalidArgumentError('must be an http(s) URL');
  return value;
}

/** The brand API to check: the tenant's settings and key, or the ones given on the command line. */
async function targetOf(config: () => Config, o: BrandCheckOptions): Promise<{ target: BrandCheckTarget; country: string }> {
  if (o.tenant !== undefined && o.url !== undefined) throw new Error('--tenant and --url cannot be combined: --tenant takes the URL from the tenant');
  if (o.url !== undefined) {
    return {
      target: { baseUrl: o.url, apiKey: o.key ?? null, timeoutMs: o.timeoutMs ?? 5000, phoneFormat: o.phoneFormat ?? 'digits' },
      country: o.country,
    };
  }
  if (o.tenant === undefined) throw new Error('--tenant ID or --url URL is required');
  const orderline = await compose(config(), { defaultMetrics: false });
  try {
    const tenant = await orderline.tenants.get(o.tenant);
    const { baseUrl, timeoutMs, phoneFormat } = tenant.brandApi;
    if (baseUrl === null) throw new Error(`--tenant ${o.tenant} has no brandApi.baseUrl: set it first (PATCH /admin/tenants/${o.tenant})`);
    const secrets = await orderline.tenants.secretsOf(o.tenant);
    return {
      target: {
        baseUrl,
        apiKey: o.key ?? secrets.brandApiKey ?? null,
        timeoutMs: o.timeoutMs ?? timeoutMs,
        phoneFormat: o.phoneFormat ?? phoneFormat,
      },
      country: tenant.defaultCountry,
    };
  } finally {
    await orderline.close();
  }
}

function e164Of(phone: string | undefined, country: string): string | null {
  if (phone === undefined) return null;
  const parsed = normalizePhone(phone, country);
  if (!parsed.ok) throw new Error(`--phone ${phone} is not a usable phone number (${parsed.reason})`);
  return parsed.e164;
}

const VERDICT_LABEL = { ok: 'OK', fail: 'FAIL', skip: 'SKIP' } as const;

function row(r: CheckResult): string {
  const status = r.httpStatus === null ? '-' : String(r.httpStatus);
  const latency = r.latencyMs === null ? '-' : `${r.latencyMs} ms`;
  const said = r.fault ?? r.note ?? '';
  return `${VERDICT_LABEL[r.result].padEnd(5)} ${r.check.padEnd(18)} ${r.endpoint.padEnd(36)} ${status.padStart(4)} ${latency.padStart(8)}  ${said}`;
}

function printReport(report: BrandCheckReport): void {
  const failed = report.checks.filter((c) => c.result === 'fail').length;
  const skipped = report.checks.filter((c) => c.result === 'skip').length;
  const ran = report.checks.length - skipped;
  printLines([
    `Brand API check of ${report.baseUrl} (phone format ${report.phoneFormat}, timeout ${report.timeoutMs} ms)`,
    '',
    ...report.checks.map(row),
    '',
    failed === 0
      ? `All ${ran} checks passed${skipped > 0 ? ` (${skipped} skipped)` : ''}.`
      : `${failed} of ${ran} checks failed${skipped > 0 ? ` (${skipped} skipped)` : ''}.`,
  ]);
}

export function registerBrandCheckCommand(program: Command, config: () => Config): void {
  program
    .command('brand-check')
    .description("check a brand's API (the five brand endpoints) against the contract the bot relies on")
    .option('--tenant <id>', "use this tenant's brandApi settings and key")
    .option('--url <url>', "the brand API's base URL (instead of --tenant)", httpUrl)
    .option('--key <key>', 'the key to send as x-guest-id')
    .addOption(new Option('--phone-format <format>', 'how the brand spells phones in paths (default digits)').choices(PHONE_FORMATS))
    .option('--timeout-ms <n>', 'per-request timeout (default 5000, or the tenant’s)', timeout)
    .option('--country <code>', 'default country for --phone (with --url; a tenant uses its own)', 'IN')
    .option('--phone <phone>', 'a customer the brand has (checks personal-details and get-orders)')
    .option('--email <email>', 'a customer email the brand has (default: the --phone customer’s)')
    .option('--order-id <id>', 'an order the brand has (default: the first of get-orders)')
    .option('--cancel-order-id <id>', 'also check POST /cancel-order by cancelling this order FOR REAL')
    .option('--cancel-reason <text>', 'the cancellationReason sent with --cancel-order-id', 'Checked by orderline brand-check')
    .option('--json', 'print the report as JSON')
    .action(async (options: BrandCheckOptions) => {
      const { target, country } = await targetOf(config, options);
      const report = await runBrandCheck(target, {
        phone: e164Of(options.phone, country),
        email: options.email ?? null,
        orderId: options.orderId ?? null,
        cancelOrderId: options.cancelOrderId ?? null,
        cancelReason: options.cancelReason,
      });
      if (options.json === true) printJson(report);
      else printReport(report);
      process.exitCode = report.ok ? 0 : 1;
    });
}
