/**
 * A customer's phone as a path segment of a brand's API. Brands store numbers differently
 * and look them up by exact match, so the tenant says which form its API expects
 * (`brandApi.phoneFormat`): `e164` "+919812345678" (the "+" percent-encoded, since a raw "+"
 * in a path is read as a space by some servers), `digits` "919812345678" or `national`
 * "9812345678".
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type PhoneFormat = 'e164' | 'digits' | 'national';

export const PHONE_FORMATS: readonly PhoneFormat[] = ['e164', 'digits', 'national'];

/** A phone that is not an international number: a caller's mistake, not a brand's answer. */
export class InvalidPhoneError extends Error {
  constructor(readonly phone: string) {
    super('expected an E.164 phone number such as +919812345678');
    this.name = 'InvalidPhoneError';
  }
}

/** The phone as the brand expects it, already encoded for use as one path segment. */
export function phonePathSegment(e164: string, format: PhoneFormat): string {
  const digits = e164.trim().replace(/^\+/, '');
  if (!/^[1-9]\d{6,14}$/.test(digits)) throw new InvalidPhoneError(e164);
  switch (format) {
    case 'e164':
      return encodeURIComponent(`+${digits}`);
    case 'digits':
      return digits;
    case 'national': {
      const parsed = parsePhoneNumberFromString(`+${digits}`);
      // A number libphonenumber cannot split has no national form; the digits are the best guess.
      return parsed?.nationalNumber ?? digits;
    }
  }
}
