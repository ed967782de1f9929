/**
 * Who the customer is, assembled from the several places a body may name them. Orders and
 * carts both need it, with the same rule: the first source that names the person wins as a
 * whole, so a first name from one source is never paired with a last name from another.
 */
import { isRecord, pickStr, splitName } from './fields.js';

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
