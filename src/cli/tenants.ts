/** `orderline tenants create|list|show|rotate-key`, on the same use cases as the admin API. */
import { idPattern } from '../domain/ports/ids.js';
import fs from 'node:fs';
import type { Command } from 'commander';
import { compose, type Orderline } from '../app/compose.js';
import type { Config } from '../config/config.js';
import { Type } from '@sinclair/typebox';
import { CreatedTenant, RotatedKey, TenantView } from '../domain/tenants/tenant-view.js';
import { PageOf } from '../http/list-page.js';
import { OptionError } from './option-error.js';
import { printAnswer, printLines } from './output.js';

async function withOrderline<T>(config: Config, work: (o: Orderline) => Promise<T>): Promise<T> {
  const orderline = await compose(config, { defaultMetrics: false });
  try {
    return await work(orderline);
  } finally {
    await orderline.close();
  }
}

export function summary(t: TenantView): string {
  const number = t.whatsapp.phoneNumberId ? `, phone number id ${t.whatsapp.phoneNumberId}` : '';
  const paused = t.whatsapp.sendingPaused === null ? '' : `\n  sending paused until a new access token is saved: ${t.whatsapp.sendingPaused}`;
  return `${t.id}  ${t.name}  (${t.whatsapp.mode}${number})${paused}`;
}

interface CreateOptions {
  name?: string;
  file?: string;
  timezone?: string;
  country?: string;
  phoneNumberId?: string;
  businessAccountId?: string;
  accessToken?: string;
  appSecret?: string;
  brandUrl?: string;
  brandKey?: string;
  json?: boolean;
}

function createBody(options: CreateOptions): Record<string, unknown> {
  const body: Record<string, unknown> =
    options.file !== undefined ? (JSON.parse(fs.readFileSync(options.file, 'utf8')) as Record<string, unknown>) : {};
  if (options.name !== undefined) body.name = options.name;
  if (options.timezone !== undefined) body.timezone = options.timezone;
  if (options.country !== undefined) body.defaultCountry = options.country;
  const whatsapp = { ...(body.whatsapp as Record<string, unknown> | undefined) };
  if (options.phoneNumberId !== undefined) whatsapp.phoneNumberId = options.phoneNumberId;
  if (options.businessAccountId !== undefined) whatsapp.businessAccountId = options.businessAccountId;
  if (options.accessToken !== undefined) whatsapp.accessToken = options.accessToken;
  if (options.appSecret !== undefined) whatsapp.appSecret = options.appSecret;
  if (Object.keys(whatsapp).length > 0) body.whatsapp = whatsapp;
  const brandApi = { ...(body.brandApi as Record<string, unknown> | undefined) };
  if (options.brandUrl !== undefined) brandApi.baseUrl = options.brandUrl;
  if (options.brandKey !== undefined) brandApi.apiKey = options.brandKey;
  if (Object.keys(brandApi).length > 0) body.brandApi = brandApi;
  return body;
}

export function registerTenantCommands(program: Command, config: () => Config): void {
  const tenants = program.command('tenants').description('register and inspect brands (tenants)');

  tenants
    .command('create')
    .description('register a brand; prints its guest key once')
    .option('--name <name>', 'the brand name')
    .option('--file <path>', 'a JSON file with the whole tenant body (as POST /admin/tenants takes)')
    .option('--timezone <zone>', 'IANA time zone (default Asia/Kolkata)')
    .option('--country <code>', 'default country for phone numbers (default IN)')
    .option('--phone-number-id <id>', 'WhatsApp Cloud API phone number id')
    .option('--business-account-id <id>', "the number's WhatsApp Business Account (WABA) id: account-level webhooks reach the tenant as alerts")
    .option('--access-token <token>', 'WhatsApp Cloud API access token (omit to use the sandbox)')
    .option('--app-secret <secret>', 'Meta app secret for webhook signatures')
    .option('--brand-url <url>', "base URL of the brand's own APIs")
    .option('--brand-key <key>', "key Orderline sends to the brand's APIs (x-guest-id)")
    .option('--json', 'print the admin API JSON')
    .action(async (options: CreateOptions) => {
      const created = await withOrderline(config(), (o) => o.tenants.create(createBody(options)));
      if (options.json === true) return printAnswer(CreatedTenant, created);
      printLines([
        `Created tenant ${summary(created.tenant)}`,
        `Guest key (shown once; send it as the x-guest-id header):`,
        `  ${created.guestKey}`,
      ]);
    });

  tenants
    .command('list')
    .description('list tenants, newest first')
    .option('--limit <n>', 'page size (1-200)', '50')
    .option('--cursor <cursor>', 'nextCursor of the previous page')
    .option('--json', 'print the admin API JSON')
    .action(async (options: { limit: string; cursor?: string; json?: boolean }) => {
      const limit = Number(options.limit);
      // The details are the API's own for the same ?limit= and ?cursor= (its query schema, then its range check).
      if (!/^[0-9]{1,3}$/.test(options.limit)) {
        throw new OptionError('--limit must be an integer from 1 to 200', { path: 'querystring:/limit', message: 'must match pattern "^[0-9]{1,3}$"' });
      }
      if (limit < 1 || limit > 200) {
        throw new OptionError('--limit must be an integer from 1 to 200', { path: 'querystring:/limit', message: 'must be an integer from 1 to 200' });
      }
      if (options.cursor !== undefined && !new RegExp(idPattern('ten')).test(options.cursor)) {
        throw new OptionError('--cursor must be the nextCursor a previous page printed (a tenant id such as ten_01m973zjfsd4m352wz7ykrjv)', {
          path: 'querystring:/cursor',
          message: `must match pattern "${idPattern('ten')}"`,
        });
      }
      const page = await withOrderline(config(), (o) => o.tenants.list({ limit, cursor: options.cursor ?? null }));
      if (options.json === true) return printAnswer(PageOf(TenantView), page);
      printLines(page.items.length === 0 ? ['No tenants yet.'] : page.items.map(summary));
      if (page.nextCursor !== null) printLines([`More: --cursor ${page.nextCursor}`]);
    });

  tenants
    .command('show <id>')
    .description("show a tenant's settings (secrets only as has… flags)")
    .option('--json', 'print the admin API JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const tenant = await withOrderline(config(), (o) => o.tenants.get(id));
      if (options.json === true) return printAnswer(Type.Object({ tenant: TenantView }), { tenant });
      printAnswer(TenantView, tenant);
    });

  tenants
    .command('rotate-key <id>')
    .description('issue a new guest key; the old one stops at once unless --grace is given')
    .option('--grace <duration>', 'keep the old key valid this long, e.g. 10m (at most 7d)')
    .option('--json', 'print the admin API JSON')
    .action(async (id: string, options: { grace?: string; json?: boolean }) => {
      const rotated = await withOrderline(config(), (o) => o.tenants.rotateKey(id, options.grace ?? null));
      if (options.json === true) return printAnswer(RotatedKey, rotated);
      printLines([
        'New guest key (shown once):',
        `  ${rotated.guestKey}`,
        `The previous key is valid until ${rotated.previousKeyValidUntil}.`,
      ]);
    });
}
