/**
 * Registering brands: create, read, change (JSON merge patch) and rotate guest keys.
 * Guest keys leave here once, in the answer to create or rotate; only hashes are stored.
 */
import { randomInt } from 'node:crypto';
import type { Clock } from '../domain/ports/clock.js';
import type { IdGenerator } from '../domain/ports/ids.js';
import type { Page, PageRequest } from '../domain/ports/page.js';
import {
  PhoneNumberIdTakenError,
  type SealedSecrets,
  type SecretName,
  type StoredTenant,
  type TenantStore,
} from '../domain/ports/tenant-store.js';
import { collidingBotTexts } from '../domain/bot/bot-texts.js';
import { checkTenantTemplates } from '../domain/templates/check-tenant-templates.js';
import { supportedLocale } from '../domain/templates/template-format.js';
import { isKnownCountry } from '../domain/recipients/phone.js';
import { durationMs } from '../domain/tenants/duration.js';
import { generateGuestKey, hashGuestKey } from '../domain/tenants/guest-key.js';
import { TenantSettings } from '../domain/tenants/tenant-settings.js';
import { tenantView, type CreatedTenant, type RotatedKey, type TenantView } from '../domain/tenants/tenant-view.js';
import { applyMergePatch, isPlainObject } from '../shared/merge-patch.js';
import { checkSchema } from '../shared/schema-check.js';
import type { SecretBox } from '../shared/secret-box.js';
import { ConflictError, InvalidInputError, NotFoundError, type Issue } from './errors.js';

/** Where each secret sits in the operator's document. */
const SECRET_PATHS: Record<SecretName, [string, string]> = {
  whatsappAccessToken: ['whatsapp', 'accessToken'],
  whatsappAppSecret: ['whatsapp', 'appSecret'],
  brandApiKey: ['brandApi', 'apiKey'],
};

type SecretChanges = Partial<Record<SecretName, string | null>>;

const NAME_MAX = 200;

/** The tenant name, trimmed; refused unless 1-200 characters (code points, as the schema counts) without control characters. */
function validName(name: unknown): string {
  const refused = (message: string) => new InvalidInputError([{ path: '/name', message }]);
  if (name === undefined) throw refused('is required');
  if (typeof name !== 'string' || name.trim() === '') throw refused('must be a non-empty string');
  if ([...name].length > NAME_MAX) throw refused(`must be at most ${NAME_MAX} characters`);
  if (/[\u0000-\u001f\u007f]/.test(name)) throw refused('must not contain control characters (line breaks, tabs, U+0000)');
  return name.trim();
}

/**
 * A Cloud API tenant (one with an access token) sends from its phone number id: without one
 * its messages would wait forever for a number to send from, with nothing said.
 */
function requireNumberWithToken(settings: TenantSettings, hasAccessToken: boolean): void {
  const number = settings.whatsapp.phoneNumberId;
  if (hasAccessToken && number === null) {
    throw new InvalidInputError([{ path: '/whatsapp/phoneNumberId', message: 'is required with an accessToken (the number messages are sent from)' }]);
  }
  // A sandbox tenant given a token keeps its made-up number unless told another: its messages
  // would go to Meta from a number that is not there.
  if (hasAccessToken && number !== null && isSandboxPhoneNumberId(number)) {
    throw new InvalidInputError([
      { path: '/whatsapp/phoneNumberId', message: `${number} is a sandbox number: give the Meta phone number id the accessToken sends from` },
    ]);
  }
}

/**
 * What GET shows but no one sets: in a patch each may stand (a document read, edited and sent
 * back) if it says what the tenant shows now, else it is refused as read-only. `updatedAt`
 * moves with every change, so any value of it is let through.
 */
const SHOWN_ONLY: readonly (readonly [string] | readonly [string, string])[] = [
  ['id'],
  ['createdAt'],
  ['whatsapp', 'hasAccessToken'],
  ['whatsapp', 'hasAppSecret'],
  ['whatsapp', 'mode'],
  ['brandApi', 'hasApiKey'],
];

function withoutShownOnly(patch: Record<string, unknown>, shown: TenantView): Record<string, unknown> {
  const copy = structuredClone(patch);
  // Both move without the operator (any change; a token Meta refuses), so any value is let through.
  delete copy.updatedAt;
  if (isPlainObject(copy.whatsapp)) delete copy.whatsapp.sendingPaused;
  const issues: Issue[] = [];
  for (const path of SHOWN_ONLY) {
    const [section, field] = path;
    const holder = field === undefined ? copy : copy[section];
    const name = field ?? section;
    if (!isPlainObject(holder) || !(name in holder)) continue;
    const current: unknown = field === undefined ? shown[section as keyof TenantView] : (shown[section as keyof TenantView] as Record<string, unknown>)[field];
    if (holder[name] !== current) issues.push({ path: `/${path.join('/')}`, message: 'is read-only (shown by GET, changed by Orderline)' });
    delete holder[name];
  }
  if (issues.length > 0) throw new InvalidInputError(issues);
  return copy;
}

/** Takes the secrets out of an operator document (mutating a copy), so the rest is settings. */
function extractSecrets(document: Record<string, unknown>): { settings: Record<string, unknown>; secrets: SecretChanges } {
  const settings = structuredClone(document);
  const secrets: SecretChanges = {};
  for (const [name, [section, field]] of Object.entries(SECRET_PATHS) as [SecretName, [string, string]][]) {
    const part = settings[section];
    // A merge patch's null removes the whole section, its secrets with it: `"brandApi": null`
    // must not bring the defaults back and leave the old key in use.
    if (part === null) {
      secrets[name] = null;
      continue;
    }
    if (isPlainObject(part) && field in part) {
      const value = part[field];
      if (value !== null && (typeof value !== 'string' || value === '')) {
        throw new InvalidInputError([{ path: `/${section}/${field}`, message: 'must be a non-empty string or null' }]);
      }
      secrets[name] = value;
      delete part[field];
    }
  }
  return { settings, secrets };
}

/**
 * The zone as stored, or null for one ICU does not know. Zone names are matched without regard
 * to case: one that differs from ICU's spelling only in case takes ICU's ("utc" → "UTC",
 * "europe/berlin" → "Europe/Berlin"); otherwise it stays as given, since ICU's own name may be
 * an older one ("Asia/Kolkata" resolves to "Asia/Calcutta").
 */
function timeZoneOf(zone: string): string | null {
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
  return resolved.toLowerCase() === zone.toLowerCase() ? resolved : zone;
}

/** 15 digits starting 1555 (the fictional-number range), random enough never to collide. */
export function sandboxPhoneNumberId(): string {
  return '1555' + String(randomInt(0, 10 ** 11)).padStart(11, '0');
}

/**
 * A sandbox tenant (no token) is reached by its phone number id (webhooks, /sandbox routes):
 * one without gets its sandbox number back (`kept`, what it had) or a new one. Mutates.
 */
function giveSandboxItsNumber(settings: TenantSettings, hasToken: boolean, kept: string | null): void {
  if (!hasToken && settings.whatsapp.phoneNumberId === null) settings.whatsapp.phoneNumberId = kept ?? sandboxPhoneNumberId();
}

export function isSandboxPhoneNumberId(id: string): boolean {
  return /^1555[0-9]{11}$/.test(id);
}

export class TenantService {
  constructor(
    private readonly store: TenantStore,
    private readonly secretBox: SecretBox,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    /** Called when keys change, so caches of key → tenant drop their entries. */
    private readonly onKeysChanged: (tenantId: string) => void = () => {},
    /** Called after a successful change, with the names of the secrets it set or removed. */
    private readonly onChanged: (tenantId: string, secretsChanged: SecretName[]) => Promise<void> = async () => {},
  ) {}

  async create(input: unknown): Promise<CreatedTenant> {
    if (!isPlainObject(input)) throw new InvalidInputError([{ path: '', message: 'must be a JSON object' }]);
    const { name: givenName, ...rest } = input;
    const name = validName(givenName);
    const { settings: rawSettings, secrets } = extractSecrets(rest);
    const settings = this.validSettings(rawSettings);
    const hasToken = typeof secrets.whatsappAccessToken === 'string';
    requireNumberWithToken(settings, hasToken);
    giveSandboxItsNumber(settings, hasToken, null);
    const now = this.clock.now();
    const tenant: StoredTenant = {
      id: this.ids.next('ten'),
      name,
      settings,
      sealedSecrets: this.applySecrets({}, secrets),
      sendingPaused: null,
      createdAt: now,
      updatedAt: now,
    };
    const guestKey = generateGuestKey();
    try {
      await this.store.create(tenant, hashGuestKey(guestKey));
    } catch (error) {
      throw this.translate(error);
    }
    return { tenant: tenantView(tenant), guestKey };
  }

  async list(page: PageRequest): Promise<Page<TenantView>> {
    const result = await this.store.list(page);
    return { items: result.items.map(tenantView), nextCursor: result.nextCursor };
  }

  async get(id: string): Promise<TenantView> {
    return tenantView(await this.load(id));
  }

  /** The stored tenant with its secrets opened, for adapters that call out on its behalf. */
  async secretsOf(id: string): Promise<Partial<Record<SecretName, string>>> {
    const tenant = await this.load(id);
    const open: Partial<Record<SecretName, string>> = {};
    for (const [name, sealed] of Object.entries(tenant.sealedSecrets) as [SecretName, string][]) {
      open[name] = this.secretBox.open(sealed);
    }
    return open;
  }

  async patch(id: string, patch: unknown): Promise<TenantView> {
    if (!isPlainObject(patch)) throw new InvalidInputError([{ path: '', message: 'must be a JSON merge patch object' }]);
    const current = await this.load(id);
    const { settings: settingsPatch, secrets } = extractSecrets(withoutShownOnly(patch, tenantView(current)));
    const { name: nameChange, ...settingsOnly } = settingsPatch;
    let name = current.name;
    if (nameChange !== undefined) name = validName(nameChange);
    const merged = applyMergePatch(current.settings, settingsOnly, TenantSettings);
    const updated: StoredTenant = {
      ...current,
      name,
      settings: this.validSettings(merged),
      sealedSecrets: this.applySecrets(current.sealedSecrets, secrets),
      updatedAt: this.clock.now(),
    };
    const hasToken = updated.sealedSecrets.whatsappAccessToken !== undefined;
    requireNumberWithToken(updated.settings, hasToken);
    // Only a made-up number is kept: a tenant whose token was removed earlier still shows its
    // Meta number, and setting that to null must free it (and give it a sandbox one).
    const kept = current.settings.whatsapp.phoneNumberId;
    giveSandboxItsNumber(updated.settings, hasToken, current.sealedSecrets.whatsappAccessToken === undefined && kept !== null && isSandboxPhoneNumberId(kept) ? kept : null);
    try {
      await this.store.update(updated);
    } catch (error) {
      throw this.translate(error);
    }
    this.onKeysChanged(id);
    await this.onChanged(id, Object.keys(secrets) as SecretName[]);
    // Read again: a new access token resumes paused sending in `onChanged`.
    return tenantView((await this.store.get(id)) ?? updated);
  }

  /** A new key; the old ones stop at once, or after `gracePeriod` (e.g. "10m"). */
  async rotateKey(id: string, gracePeriod: string | null = null): Promise<RotatedKey> {
    await this.load(id);
    let graceMs = 0;
    // "0" and a zero duration ("0s", "0m") both mean no grace period.
    if (gracePeriod !== null && !/^0[smhd]?$/.test(gracePeriod)) {
      try {
        graceMs = durationMs(gracePeriod);
      } catch {
        throw new InvalidInputError([{ path: '/gracePeriod', message: 'must be a duration such as "10m", or "0"' }]);
      }
      if (graceMs > 7 * 86_400_000) {
        throw new InvalidInputError([{ path: '/gracePeriod', message: 'must be at most 7d' }]);
      }
    }
    const now = this.clock.now();
    const validUntil = new Date(now.getTime() + graceMs);
    const guestKey = generateGuestKey();
    await this.store.rotateGuestKey(id, hashGuestKey(guestKey), now, validUntil);
    this.onKeysChanged(id);
    return { guestKey, previousKeyValidUntil: validUntil.toISOString() };
  }

  private async load(id: string): Promise<StoredTenant> {
    const tenant = await this.store.get(id);
    if (tenant === undefined) throw new NotFoundError(`tenant ${id}`);
    return tenant;
  }

  private validSettings(raw: unknown): TenantSettings {
    const result = checkSchema(TenantSettings, raw);
    if (!result.ok) throw new InvalidInputError(result.issues);
    const issues: Issue[] = [];
    const zone = timeZoneOf(result.value.timezone);
    if (zone === null) issues.push({ path: '/timezone', message: `unknown IANA time zone "${result.value.timezone}"` });
    else result.value.timezone = zone;
    const quiet = result.value.cartRecovery.quietHours;
    if (quiet !== null && quiet.start === quiet.end) {
      issues.push({ path: '/cartRecovery/quietHours', message: 'start and end must differ (null turns quiet hours off)' });
    }
    const locale = supportedLocale(result.value.locale);
    if (locale === null) issues.push({ path: '/locale', message: `unknown or unsupported locale "${result.value.locale}": a BCP 47 tag such as "en-IN", "en-US" or "de-DE"` });
    else result.value.locale = locale;
    if (!isKnownCountry(result.value.defaultCountry)) {
      issues.push({ path: '/defaultCountry', message: `unknown country "${result.value.defaultCountry}": an ISO 3166-1 alpha-2 code such as "IN" or "GB"` });
    }
    for (const { name, sameAs } of collidingBotTexts(result.value.bot.texts)) {
      issues.push({ path: `/bot/texts/${name}`, message: `is the same as "${sameAs}", shown beside it in one message: the customer could not tell them apart` });
    }
    issues.push(...checkTenantTemplates(result.value));
    if (issues.length > 0) throw new InvalidInputError(issues);
    return result.value;
  }

  private applySecrets(current: SealedSecrets, changes: SecretChanges): SealedSecrets {
    const next: SealedSecrets = { ...current };
    for (const [name, value] of Object.entries(changes) as [SecretName, string | null][]) {
      if (value === null) delete next[name];
      else next[name] = this.secretBox.seal(value);
    }
    return next;
  }

  private translate(error: unknown): unknown {
    if (error instanceof PhoneNumberIdTakenError) return new ConflictError(error.message);
    return error;
  }
}
