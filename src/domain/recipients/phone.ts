/**
 * Customer phone numbers: normalised to E.164 with the tenant's default country, sent to
 * Meta as digits (never a national number: the API would guess a country), masked in logs.
 */
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export type PhoneResult =
  | { ok: true; e164: string; digits: string; country: string | null }
  | { ok: false; reason: 'missing' | 'unparseable' | 'invalid' };

// An event's phone is normalised by each step that handles it (planning, cart recovery),
// and with the full metadata set one parse costs tens of microseconds: keep the latest few.
const RECENT_LIMIT = 512;
const recent = new Map<string, PhoneResult>();

export function normalizePhone(raw: string | null | undefined, defaultCountry: string): PhoneResult {
  if (raw === null || raw === undefined || raw.trim() === '') return { ok: false, reason: 'missing' };
  const key = `${defaultCountry}\u0000${raw}`;
  const known = recent.get(key);
  if (known !== undefined) return known;
  const result = Object.freeze(parsePhone(raw, defaultCountry));
  if (recent.size >= RECENT_LIMIT) recent.delete(recent.keys().next().value!);
  recent.set(key, result);
  return result;
}

function parsePhone(raw: string, defaultCountry: string): PhoneResult {
  let text = raw.trim();
  // "0091…" and "91…" written without a plus are common in Indian stores' data.
  if (text.startsWith('00')) text = '+' + text.slice(2);
  // isValid() is most of a parse's cost (about 15 of 30 µs with the full metadata): asked once.
  let parsed = parsePhoneNumberFromString(text, defaultCountry as CountryCode);
  let valid = parsed?.isValid() === true;
  if (parsed !== undefined && !valid && !text.startsWith('+')) {
    const international = parsePhoneNumberFromString('+' + text.replace(/\D/g, ''));
    if (international?.isValid() === true) {
      parsed = international;
      valid = true;
    }
  }
  if (parsed === undefined) return { ok: false, reason: 'unparseable' };
  if (!valid) return { ok: false, reason: 'invalid' };
  return { ok: true, e164: parsed.number, digits: parsed.number.slice(1), country: parsed.country ?? null };
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
