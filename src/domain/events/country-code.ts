/**
 * The country an address names, as an ISO 3166-1 alpha-2 code a phone number can be read in.
 * Brands write it as a code (Shopify's `country_code`, GraphQL's `countryCodeV2`, or a bare
 * `country: "AE"`) or as an English name (Shopify's `country: "United Arab Emirates"`).
 * Anything else (a name in another language or spelling, "XX", a code libphonenumber has no
 * numbers for) names nothing: the caller falls back to the tenant's default country, as
 * before countries were read.
 */
import { getCountries, isSupportedCountry } from 'libphonenumber-js/max';

const CODE_KEYS = ['country_code', 'countryCode', 'countryCodeV2'] as const;

// Not fields.ts's readers: that module builds addresses with this one, and a cycle would tie them.
function text(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

/** A code (any case) libphonenumber reads numbers for, upper-cased; else null. */
export function knownCountryCode(v: unknown): string | null {
  const s = text(v);
  if (s === null || !/^[A-Za-z]{2}$/.test(s)) return null;
  const code = s.toUpperCase();
  return isSupportedCountry(code) ? code : null;
}

/** "Côte d’Ivoire", "cote d'ivoire" and "COTE D IVOIRE" alike; "&" as "and" (CLDR writes "&", Shopify "and"). */
function nameKey(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z]+/g, ' ')
    .trim();
}

let byName: Map<string, string> | null = null;
// Names as brands write them, read before: every order of a store names the same few
// countries, and reading one costs about a microsecond, on the thread that answers the brand.
const NAMES_SEEN_LIMIT = 256;
const namesSeen = new Map<string, string | null>();

function countryByName(name: string): string | null {
  const seen = namesSeen.get(name);
  if (seen !== undefined) return seen;
  const code = lookUpName(name);
  if (namesSeen.size >= NAMES_SEEN_LIMIT) namesSeen.delete(namesSeen.keys().next().value!);
  namesSeen.set(name, code);
  return code;
}

/** English region names (long and short: "United Kingdom", "UK") → code, built on first use. */
function lookUpName(name: string): string | null {
  if (byName === null) {
    byName = new Map();
    for (const style of ['long', 'short'] as const) {
      const names = new Intl.DisplayNames('en', { type: 'region', style });
      for (const code of getCountries()) {
        const shown = names.of(code);
        if (shown !== undefined && !byName.has(nameKey(shown))) byName.set(nameKey(shown), code);
      }
    }
  }
  return byName.get(nameKey(name)) ?? null;
}

/** The code an address object (as the brand sent it) names, or null. */
export function countryCodeOf(address: unknown): string | null {
  if (typeof address !== 'object' || address === null || Array.isArray(address)) return null;
  const fields = address as Record<string, unknown>;
  for (const key of CODE_KEYS) {
    const code = knownCountryCode(fields[key]);
    if (code !== null) return code;
  }
  const country = text(fields.country);
  if (country === null) return null;
  return knownCountryCode(country) ?? countryByName(country);
}
