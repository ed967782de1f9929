/**
 * How the reference brand files phone numbers: digits with the country code, e.g.
 * "919812345678". Callers spell numbers every way ("+91 98123 45678", "%2B919812345678"
 * (decoded by the router to "+91…"), "919812345678", "09812345678", "9812345678"), and a
 * brand that matched only one spelling would answer "not found" for a customer it has.
 * Deliberately simple (one home country) so a brand can copy it; a shop with customers in
 * many countries should use a phone library instead.
 */

/** The shop's home country calling code: a 10-digit number without one is taken as Indian. */
export const HOME_COUNTRY_CODE = '91';
const NATIONAL_LENGTH = 10;

/** The phone's key, or null when it cannot be a phone number at all. */
export function phoneKey(raw: string): string | null {
  let digits = raw.replace(/[\s().-]/g, '');
  if (!/^\+?\d+$/.test(digits)) return null;
  const international = digits.startsWith('+') || digits.startsWith('00');
  digits = digits.replace(/^\+|^00/, '');
  if (!international) {
    // A trunk "0" before a national number ("09812345678") is dropped, as dialling does.
    if (digits.length === NATIONAL_LENGTH + 1 && digits.startsWith('0')) digits = digits.slice(1);
    if (digits.length === NATIONAL_LENGTH) digits = HOME_COUNTRY_CODE + digits;
  }
  // E.164 allows at most 15 digits; fewer than 8 is not a reachable number anywhere.
  return digits.length >= 8 && digits.length <= 15 && !digits.startsWith('0') ? digits : null;
}
