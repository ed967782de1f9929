import { randomInt } from 'node:crypto';

/** Ids are opaque strings; the default ones sort by creation time so lists page by id. */
export interface IdGenerator {
  next(prefix: string): string;
}

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** `count` base-32 digits of `n` (a whole number below 32^count, at most 2^53). */
function base32(n: number, count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) {
    out = ALPHABET[n % 32]! + out;
    n = Math.floor(n / 32);
  }
  return out;
}

/** 7 base-32 digits: half of the 14-digit counter, small enough for plain number arithmetic. */
const HALF = 32 ** 7;

/**
 * ULID-like: 10 characters of millisecond time, then 14 of a counter seeded at random each
 * millisecond (below half its range, so it cannot wrap), so ids made in the same millisecond
 * still sort in creation order. The counter is kept as two numbers of 35 bits each: as one
 * BigInt it cost 1.2 µs an id against 0.5, and every stored event, job and message takes one.
 */
export function timeOrderedIds(now: () => number = Date.now, randomBelow: (n: number) => number = (n) => randomInt(n)): IdGenerator {
  let lastMs = -1;
  let high = 0;
  let low = 0;
  return {
    next(prefix: string): string {
      const ms = now();
      if (ms === lastMs) {
        low += 1;
        if (low === HALF) {
          low = 0;
          high += 1;
        }
      } else {
        lastMs = ms;
        high = randomBelow(HALF / 2);
        low = randomBelow(HALF);
      }
      return `${prefix}_${base32(ms, 10)}${base32(high, 7)}${base32(low, 7)}`;
    },
  };
}

/** The ids `timeOrderedIds` makes with `prefix`, as a regular expression's source (cursors are such ids). */
export function idPattern(prefix: string): string {
  return `^${prefix}_[${ALPHABET}]{24}$`;
}
