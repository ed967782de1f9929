/**
 * Customer phone numbers: normalised to E.164 (a national number read in a country the caller
 * names, see customer-phone.ts), sent to Meta as digits (never a national number: the API
 * would guess a country), masked in logs.
 */
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';

export type PhoneResult =
  | { ok: true; e164: string; digits: string; country: string | null }
  | { ok: false; reason: 'missing' | 'unparseable' | 'invalid' };

// An event's phone is normalised by each step that handles it (planning, cart recovery),
// and with the full metadata set one parse costs tens of microseconds: keep the latest few.
const RECENT_LIMIT = 512;
const recent = new Map<string, PhoneResult>();

export function normalizePhone(raw: string | null | undefined, defaultCountry: string): PhoneResult {
  return normalizePhoneIn(raw, [defaultCountry]);
}

/**
 * As normalizePhone, with a national number read in the first of `countries` where it is a
 * valid number: every national reading is tried before the number is taken as international
 * written without its "+", so a number valid at home is not read as some third country's.
 */
export function normalizePhoneIn(raw: string | null | undefined, countries: readonly [string, ...string[]]): PhoneResult {
  if (raw === null || raw === undefined || raw.trim() === '') return { ok: false, reason: 'missing' };
  const key = `${countries.join(',')}\u0000${raw}`;
  const known = recent.get(key);
  if (known !== undefined) return known;
  const result = Object.freeze(parsePhone(raw, countries));
  if (recent.size >= RECENT_LIMIT) recent.delete(recent.keys().next().value!);
  recent.set(key, result);
  return result;
}

function parsePhone(raw: string, countries: readonly string[]): PhoneResult {
  let text = raw.trim();
  // "0091…" and "91…" written without a plus are common in Indian stores' data.
  if (text.startsWith('00')) text = '+' + text.slice(2);
  const international = text.startsWith('+');
  // isValid() is most of a parse's cost (about 15 of 30 µs with the full metadata): asked once per reading.
  let parsed: PhoneNumber | undefined;
  // A number with its "+" reads the same whatever the country: one parse is enough.
  for (const country of international ? countries.slice(0, 1) : countries) {
    const reading = parsePhoneNumberFromString(text, country as CountryCode);
    if (reading?.isValid() === true) return usable(reading);
    parsed ??= reading;
  }
  if (parsed !== undefined && !international) {
    const withPlus = parsePhoneNumberFromString('+' + text.replace(/\D/g, ''));
    if (withPlus?.isValid() === true) return usable(withPlus);
  }
  return { ok: false, reason: parsed === undefined ? 'unparseable' : 'invalid' };
}

function usable(parsed: PhoneNumber): PhoneResult {
  return { ok: true, e164: parsed.number, digits: parsed.number.slice(1), country: parsed.country ?? null };
}

/**
 * The customer a WhatsApp id (`from`, `wa_id`, `recipient_id`) stands for, as the number the
 * brand's data gives (E.164 digits): WhatsApp keeps Mexican mobiles with the "1" Mexico
 * dropped in 2019 (521 55 1234 5678 for +52 55 1234 5678), and Brazilian accounts made before
 * the ninth digit without it (55 11 8765 4321 for +55 11 98765 4321). Keyed by the raw id, such
 * a customer's STOP was filed under a number no notification is sent to. Anything else
 * (other countries, a user id that is not a number) is returned as it is.
 */
export function customerOfWaId(waId: string): string {
  const mexico = /^521(\d{10})$/.exec(waId);
  if (mexico !== null) return `52${mexico[1]!}`;
  const brazil = /^55([1-9][1-9])([6-9]\d{7})$/.exec(waId);
  if (brazil !== null) return `55${brazil[1]!}9${brazil[2]!}`;
  return waId;
}

/** "+919812345678" → "+91******5678": enough to tell customers apart in logs, not to reach them. */
export function maskPhone(phone: string | null | undefined): string {
  if (phone === null || phone === undefined) return '';
  const digits = phone.replace(/\D/g, '');
  if (digits.length <= 4) return '*'.repeat(digits.length);
  const head = digits.length > 8 ? digits.slice(0, 2) : '';
  return `${phone.trim().startsWith('+') ? '+' : ''}${head}${'*'.repeat(digits.length - head.length - 4)}${digits.slice(-4)}`;
}

/** The country of an international number given as digits ("14155552671" → "US"), or null. */
export function countryOfDigits(digits: string): string | null {
  return parsePhoneNumberFromString('+' + digits)?.country ?? null;
}

/** Whether `code` is a country whose numbers can be read (ISO 3166-1 alpha-2, as libphonenumber knows them: "GB", not "UK"). */
export function isKnownCountry(code: string): boolean {
  return isSupportedCountry(code);
}
