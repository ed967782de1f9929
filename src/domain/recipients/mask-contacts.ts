/**
 * Customers' phone numbers and email addresses masked inside free text that we did not write
 * (a brand's error bodies), before it reaches logs and operators' alerts: phones as maskPhone
 * shows them, emails with the first letter and the domain. Found by shape, so it errs towards
 * masking: any run of 7 or more digits, as phones are written (a leading +, spaces, dots,
 * dashes, brackets between the digits), also masks a long order id or a date with its time,
 * and the last 4 digits left visible are usually enough to tell them apart.
 */
import { maskPhone } from './phone.js';

// Functions rather than shared constants: a global regex carries `lastIndex` between calls.
const emailPattern = () => /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
// At most two separators between digits, so digits far apart in a sentence stay apart; each
// repetition must take a digit, so the match runs in linear time on any text.
const phonePattern = () => /\+?\d(?:[ ().-]{0,2}\d){6,}/g;

export function maskContacts(text: string): string {
  return text
    .replace(emailPattern(), (email) => {
      const at = email.indexOf('@');
      return `${email.slice(0, 1)}***${email.slice(at)}`;
    })
    .replace(phonePattern(), (phone) => maskPhone(phone));
}
