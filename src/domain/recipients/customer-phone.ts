/**
 * How a customer's phone, as a brand wrote it, is read: one rule for planning notifications,
 * matching a cart to the order that recovers it, and the assistant's "is this order yours",
 * so that the three never disagree about who a number is.
 *
 * A national number ("050 123 4567") is read in the country the data it came with names (the
 * order's shipping address, say) before the tenant's default country: an Indian brand
 * shipping to Dubai has Emirati numbers written the Emirati way, and a number valid in both
 * countries belongs to the customer at that address. A number with "+" or "00", or one that
 * is valid in neither country but is international without its "+", reads as before.
 */
import { isKnownCountry, normalizePhoneIn, type PhoneResult } from './phone.js';

export interface WrittenPhone {
  /** As the brand sent it. */
  phone: string | null;
  /** ISO 3166-1 alpha-2 code the data it came with names (its address's country), or null. */
  country: string | null;
}

export function readCustomerPhone(written: WrittenPhone, defaultCountry: string): PhoneResult {
  const named = written.country;
  // A code libphonenumber cannot read numbers for ("UK", "XX") names no country to read in.
  if (named === null || named === defaultCountry || !isKnownCountry(named)) {
    return normalizePhoneIn(written.phone, [defaultCountry]);
  }
  // The default stays second: a number invalid where the customer ships (their own Indian
  // number on a gift sent abroad) is still read as it was before countries were known.
  return normalizePhoneIn(written.phone, [named, defaultCountry]);
}

/** The first of these phones that reads as a number, else the first one's failure ("missing" when there are none). */
export function firstUsablePhone(written: readonly WrittenPhone[], defaultCountry: string): PhoneResult {
  let first: PhoneResult | undefined;
  for (const w of written) {
    const phone = readCustomerPhone(w, defaultCountry);
    if (phone.ok) return phone;
    first ??= phone;
  }
  return first ?? { ok: false, reason: 'missing' };
}
