/**
 * Identifiers that look like Meta's: message ids (`wamid.HBgM…`), trace ids and WABA ids.
 * Nothing may parse them; they only have to be unique and look familiar in logs.
 */
import { createHash, randomBytes } from 'node:crypto';

let counter = 0;

/**
 * Meta's wamid is base64 of a small binary record holding the recipient's number and a
 * random id (hence `HBgM` for 12-digit numbers). Ours has the same layout: a random part
 * plus a process-wide counter, so two ids never collide within one process.
 */
export function newWamid(to: string): string {
  counter = (counter + 1) % 0x1_0000_0000;
  const unique = Buffer.alloc(10);
  randomBytes(6).copy(unique, 0);
  unique.writeUInt32BE(counter, 6);
  const digits = Buffer.from(to.slice(0, 20), 'ascii');
  const idText = Buffer.from(unique.toString('hex').toUpperCase(), 'ascii');
  const record = Buffer.concat([
    Buffer.from([0x1c, 0x18, digits.length]),
    digits,
    Buffer.from([0x15, 0x02, 0x00, 0x11, 0x18, idText.length]),
    idText,
    Buffer.from([0x00]),
  ]);
  return `wamid.${record.toString('base64')}`;
}

/** Like Meta's `fbtrace_id`: 23 URL-safe base64 characters. */
export function newFbtraceId(): string {
  return randomBytes(17).toString('base64url').slice(0, 23);
}

/** A stable 15-digit WABA id for accounts that do not name one. */
export function wabaIdFor(phoneNumberId: string): string {
  const hash = createHash('sha256').update(`waba:${phoneNumberId}`).digest();
  return '1' + (hash.readBigUInt64BE(0) % 10n ** 14n).toString().padStart(14, '0');
}
