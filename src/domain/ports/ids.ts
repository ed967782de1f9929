import { randomBytes } from 'node:crypto';

/** Ids are opaque strings; the default ones sort by creation time so lists page by id. */
export interface IdGenerator {
  next(prefix: string): string;
}

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32]! + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

/**
 * ULID-like: 10 characters of millisecond time, then 14 of a counter seeded at random each
 * millisecond, so ids made in the same millisecond still sort in creation order.
 */
export function timeOrderedIds(now: () => number = Date.now): IdGenerator {
  let lastMs = -1;
  let counter = 0n;
  const max = 32n ** 14n;
  return {
    next(prefix: string): string {
      const ms = now();
      if (ms === lastMs) {
        counter = (counter + 1n) % max;
      } else {
        lastMs = ms;
        counter = BigInt('0x' + randomBytes(8).toString('hex')) % (max / 2n);
      }
      let rest = '';
      let c = counter;
      for (let i = 0; i < 14; i++) {
        rest = ALPHABET[Number(c % 32n)]! + rest;
        c /= 32n;
      }
      return `${prefix}_${encodeTime(ms)}${rest}`;
    },
  };
}
