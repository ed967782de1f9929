/**
 * Who the customer is, assembled from the several places a body may name them. Orders and
 * carts both need it, with the same rule: the first source that names the person wins as a
 * whole, so a first name from one source is never paired with a last name from another.
 * Likewise a phone keeps the country of the address it came from.
 */
import { countryCodeOf } from './country-code.js';
import { isRecord, pickPhone, pickStr, splitName } from './fields.js';

export interface PersonName {
  firstName: string | null;
  lastName: string | null;
}

/** Names from a customer or address object: explicit first/last, else a split full name. */
function namesOf(source: unknown): PersonName | null {
  if (!isRecord(source)) return null;
  const firstName = pickStr(source, 'first_name', 'firstName');
  const lastName = pickStr(source, 'last_name', 'lastName');
  if (firstName !== null || lastName !== null) return { firstName, lastName };
  const { first, last } = splitName(pickStr(source, 'name', 'displayName', 'display_name'));
  return first === null ? null : { firstName: first, lastName: last };
}

/** The first source (customer object, shipping address, billing address, …) that names the person. */
export function customerNames(...sources: unknown[]): PersonName {
  for (const source of sources) {
    const names = namesOf(source);
    if (names !== null) return names;
  }
  return { firstName: null, lastName: null };
}

/** The first candidate that is not null: precedence lists read top to bottom. */
export function firstOf<T>(...candidates: (T | null)[]): T | null {
  for (const c of candidates) if (c !== null) return c;
  return null;
}

/** Where a customer's phone may be: a body, a customer object, or an address (`address: true`). */
export interface PhoneSource {
  obj: unknown;
  keys: readonly string[];
  address: boolean;
}

/**
 * The first usable phone of `sources` (precedence order) and the country to read it in: the
 * country of the address it sits in, else `orderCountry` (the shipping address's, else the
 * billing address's): a number typed at checkout is most likely written for where it ships.
 */
export function firstPhone(sources: readonly PhoneSource[], orderCountry: string | null): { phone: string | null; phoneCountry: string | null } {
  for (const source of sources) {
    const phone = pickPhone(source.obj, ...source.keys);
    if (phone !== null) return { phone, phoneCountry: (source.address ? countryCodeOf(source.obj) : null) ?? orderCountry };
  }
  return { phone: null, phoneCountry: null };
}
