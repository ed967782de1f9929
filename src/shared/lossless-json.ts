/**
 * JSON with numeric ids above 2^53 kept exactly (Shopify's ids exceed them). Node 20's
 * JSON.parse cannot, so text holding a run of 16+ digits goes through lossless-json, which
 * turns unsafe integers into strings; everything else takes the fast JSON.parse path.
 */
import { isSafeNumber, parse as parseLossless } from 'lossless-json';

const LONG_DIGIT_RUN = /\d{16}/;
const INTEGER = /^-?\d+$/;

function parseNumber(text: string): number | string {
  if (isSafeNumber(text)) return Number(text);
  return INTEGER.test(text) ? text : Number(text);
}

export function parseJsonLossless(text: string): unknown {
  if (!LONG_DIGIT_RUN.test(text)) return JSON.parse(text);
  return parseLossless(text, null, parseNumber);
}

