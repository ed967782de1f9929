/**
 * What the end-to-end suites (test/e2e) hand the built service and expect back: the admin
 * token and secret every service process starts with, its environment on a temp SQLite file,
 * and the bodies and secrets the tests build from them.
 */
import { createHmac } from 'node:crypto';
import path from 'node:path';
import type { JsonObject } from '../../src/domain/events/fields.js';
import { businessOnBotOrder } from '../../src/domain/events/fixtures.js';

export const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';
export const ORDERLINE_SECRET = 'e2e-orderline-secret-0123456789abcdefghij';
/** The headers of every admin and sandbox-control request. */
export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
/** The guest API's answer to an accepted event (the seed's envelope, byte for byte). */
export const SUCCESS = '{"status":"success","statusCode":200}';
export const STORE = 'Chai Point';

/**
 * The environment of `orderline serve` for a test: its database in `dir`, the tokens above,
 * and warnings only (the suites read stdout for them). `extra` adds or overrides variables.
 */
export function serviceEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return { DATABASE_URL: `file:${path.join(dir, 'orderline.db')}`, ADMIN_TOKEN, ORDERLINE_SECRET, LOG_LEVEL: 'warn', ...extra };
}

/** A COD order (BusinessOnBot's body) for one customer. */
export function codOrder(id: string, phone: string, name = `#${id}`): JsonObject {
  return businessOnBotOrder({ id, name, phone });
}

/**
 * The app secret the service derives for a sandbox tenant (src/app/whatsapp-accounts.ts):
 * HMAC-SHA256 of "sandbox-app-secret:{tenantId}" under ORDERLINE_SECRET, base64url. A wrong
 * derivation shows as a 401 from the webhook, not as a silently passing test.
 */
export function sandboxAppSecret(tenantId: string): string {
  return createHmac('sha256', ORDERLINE_SECRET).update(`sandbox-app-secret:${tenantId}`).digest('base64url');
}
