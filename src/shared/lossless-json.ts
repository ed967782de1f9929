/**
 * JSON with numeric ids above 2^53 kept exactly (Shopify's ids exceed them). Node 20's
 * JSON.parse cannot, so text whose parse holds an integer beyond 2^53 is parsed again by
 * lossless-json, which turns unsafe integers into strings; everything else takes the fast
 * JSON.parse path alone. (Looking for such integers in the parsed value costs 0.4 µs on a
 * 2 KB order; searching the text for a run of 16 digits cost 4.3 µs, as much as the parse.)
 *
 * Nesting is limited to MAX_JSON_DEPTH levels, as serde_json's default is: JSON.parse takes
 * any depth, but copying, merging or answering with such a value overflows the stack (an
 * event nested 200,000 levels deep was stored, and then every list of its tenant's events
 * failed). No order, fulfillment or cart comes near it.
 */
import { isSafeNumber, parse as parseLossless } from 'lossless-json';

export const MAX_JSON_DEPTH = 128;

export class JsonTooDeepError extends Error {
  constructor() {
    super(`nested deeper than ${MAX_JSON_DEPTH} levels`);
    this.name = 'JsonTooDeepError';
  }
}

const INTEGER = /^-?\d+$/;

function parseNumber(text: string): number | string {
  if (isSafeNumber(text)) return Number(text);
  return INTEGER.test(text) ? text : Number(text);
}

/** Throws a SyntaxError for text that is not JSON, a JsonTooDeepError for JSON nested too deep. */
export function parseJsonLossless(raw: string): unknown {
  // A byte order mark is not JSON, but RFC 8259 lets a parser ignore one, and some senders add it.
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  const parsed: unknown = JSON.parse(text);
  return holdsUnsafeInteger(parsed, 0) ? parseLossless(text, null, parseNumber) : parsed;
}

/** Recursive, as the depth is bounded: past MAX_JSON_DEPTH it throws before the stack could. */
function holdsUnsafeInteger(value: unknown, depth: number): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && !Number.isSafeInteger(value);
  if (typeof value !== 'object' || value === null) return false;
  if (depth === MAX_JSON_DEPTH) throw new JsonTooDeepError();
  let unsafe = false;
  if (Array.isArray(value)) {
    for (const element of value) if (holdsUnsafeInteger(element, depth + 1)) unsafe = true;
  } else {
    for (const key in value) if (holdsUnsafeInteger((value as Record<string, unknown>)[key], depth + 1)) unsafe = true;
  }
  return unsafe;
}
