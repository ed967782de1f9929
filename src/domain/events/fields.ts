/**
 * Small tolerant readers shared by the event normalisers. Brands send the same fact under
 * several names (snake_case from Shopify REST, camelCase from BusinessOnBot and Shopify
 * GraphQL) and in several types (ids as numbers or strings, quantities as strings), so each
 * reader accepts every reasonable spelling and answers `null` rather than throwing.
 */
import { countryCodeOf } from './country-code.js';
import type { Address, LineItem, PayloadIssue } from './model.js';

export type JsonObject = Record<string, unknown>;

export function isRecord(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The first of `keys` whose value is neither absent nor null; `""` counts as present. */
export function pick(obj: unknown, ...keys: string[]): unknown {
  if (!isRecord(obj)) return null;
  for (const key of keys) {
    const v = obj[key];
    if (v !== undefined && v !== null) return v;
  }
  return null;
}

/** Like `pick`, but the first *usable* string: an empty string falls through to the next key. */
export function pickStr(obj: unknown, ...keys: string[]): string | null {
  if (!isRecord(obj)) return null;
  for (const key of keys) {
    const s = str(obj[key]);
    if (s !== null) return s;
  }
  return null;
}

/**
 * Like `pickStr` for phone numbers: a value with fewer than 5 digits ("N/A", "-", "none", "0")
 * is no phone, so the next source in the brief's order is used instead of a placeholder.
 */
export function pickPhone(obj: unknown, ...keys: string[]): string | null {
  if (!isRecord(obj)) return null;
  for (const key of keys) {
    const s = str(obj[key]);
    if (s !== null && s.replace(/\D/g, '').length >= 5) return s;
  }
  return null;
}

/** A string or finite number as a trimmed string; blank strings are absent (model convention). */
export function str(v: unknown): string | null {
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === '') return null;
    // Half an emoji ("\ud800" in the JSON) cannot be sent or read back by strict parsers: U+FFFD.
    return t.isWellFormed() ? t : t.toWellFormed();
  }
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/**
 * An identifier as a string. Numbers must be safe integers: a larger one has already lost
 * digits in JSON.parse (the guest API's lossless parser hands those over as strings), and
 * storing a rounded id would silently point at another order.
 */
export function idOf(v: unknown): string | null {
  if (typeof v === 'string') {
    const t = v.trim();
    return t === '' ? null : t;
  }
  if (typeof v === 'number') return Number.isSafeInteger(v) ? String(v) : null;
  if (typeof v === 'bigint') return v.toString();
  return null;
}

/** Why a present value was not accepted as an id (pairs with `idOf`). */
export function idProblem(v: unknown): string {
  if (typeof v === 'string') return 'must not be empty';
  if (typeof v === 'number' && Number.isInteger(v)) {
    return 'is a number too large to keep exactly; send it as a string';
  }
  return 'must be a string or number';
}

export interface IdField {
  /** Where the id was found (the JSON key), for the caller's own bookkeeping. */
  key: string;
  id: string;
}

/**
 * A required id where several keys are alternative spellings of the same fact. The first
 * key that is present decides, even when its value is bad, so that a broken `order_id` is
 * reported instead of being replaced by an `id` that means something else.
 */
export function requireId(
  obj: JsonObject,
  keys: readonly [string, ...string[]],
  issues: PayloadIssue[],
  opts: { prefix?: string; missingKey?: string } = {},
): IdField | null {
  const prefix = opts.prefix ?? '';
  for (const key of keys) {
    const v = obj[key];
    if (v === undefined || v === null) continue;
    const id = idOf(v);
    if (id === null) {
      issues.push({ path: `${prefix}/${key}`, message: idProblem(v) });
      return null;
    }
    return { key, id };
  }
  issues.push({ path: `${prefix}/${opts.missingKey ?? keys[0]}`, message: 'is required' });
  return null;
}

export function bool(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === 0) return v === 1;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'true' || t === 'yes' || t === '1') return true;
    if (t === 'false' || t === 'no' || t === '0') return false;
  }
  return null;
}

/** An integer from a number or a numeric string ("2", "2.0"); fractions and garbage are null. */
export function int(v: unknown): number | null {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^\s*[+-]?\d+(\.0*)?\s*$/.test(v)) n = Number(v);
  else return null;
  return Number.isSafeInteger(n) ? n : null;
}

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

// Below this a unix timestamp is read as seconds: 1e11 s is the year 5138, 1e11 ms is 1973.
const SECONDS_LIMIT = 1e11;

function fromEpoch(n: number): string | null {
  if (!Number.isFinite(n)) return null;
  const ms = Math.abs(n) < SECONDS_LIMIT ? n * 1000 : n;
  const d = new Date(Math.round(ms));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/**
 * A timestamp as ISO-8601 UTC with milliseconds. Parsed by hand rather than with
 * `Date.parse`, which reads an offset-less time in the server's zone, rolls "02-30" over
 * into March and accepts oddities such as "1". A time without an offset is taken as UTC.
 */
export function isoTime(v: unknown): string | null {
  if (typeof v === 'number') return fromEpoch(v);
  if (typeof v !== 'string') return null;
  const t = v.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return fromEpoch(Number(t));
  const m = ISO_RE.exec(t);
  if (m === null) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const parts = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)] as const;
  const [year, month, day, hour, minute, second] = parts;
  // Date.UTC reads years below 100 as 19xx; no sender means year 0050, so it is garbage.
  if (year < 1000 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) {
    return null;
  }
  const ms = Number(frac.slice(0, 3).padEnd(3, '0'));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls day overflow into the next month; a changed day means the date never existed.
  if (new Date(utc).getUTCDate() !== day) return null;
  let offsetMin = 0;
  if (zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
    if (z === null) return null;
    const [, sign, oh = '0', om = '0'] = z;
    if (Number(oh) > 23 || Number(om) > 59) return null;
    offsetMin = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  }
  return new Date(utc - offsetMin * 60_000).toISOString();
}

/** Splits a full name for brands that only send `name`: first word, then the rest. */
export function splitName(full: string | null): { first: string | null; last: string | null } {
  if (full === null) return { first: null, last: null };
  const words = full.split(/\s+/).filter((w) => w !== '');
  // "😀 Ananya Sharma", "🎁 — Ravi": words with no letter are decoration, not a first name.
  const named = words.findIndex((w) => /\p{L}/u.test(w));
  if (named < 0) return { first: null, last: null };
  const [first = null, ...rest] = words.slice(named);
  return { first, last: rest.length > 0 ? rest.join(' ') : null };
}

/** Shopify REST (`first_name`), Shopify GraphQL/BusinessOnBot (`firstName`) and WooCommerce (`address_1`, `postcode`, `state`). */
export function address(v: unknown): Address | null {
  if (!isRecord(v)) return null;
  const firstName = pickStr(v, 'first_name', 'firstName');
  const lastName = pickStr(v, 'last_name', 'lastName');
  const joined = [firstName, lastName].filter((p) => p !== null).join(' ');
  const a: Address = {
    name: pickStr(v, 'name') ?? (joined === '' ? null : joined),
    firstName,
    lastName,
    phone: pickPhone(v, 'phone'),
    address1: pickStr(v, 'address1', 'address_1'),
    address2: pickStr(v, 'address2', 'address_2'),
    city: pickStr(v, 'city'),
    province: pickStr(v, 'province', 'state', 'province_code', 'provinceCode'),
    country: pickStr(v, 'country', 'country_code', 'countryCode', 'countryCodeV2'),
    countryCode: countryCodeOf(v),
    zip: pickStr(v, 'zip', 'postcode', 'postal_code', 'postalCode'),
  };
  // `{}` or an address of nulls carries nothing; null keeps "absent" meaning absent.
  return Object.values(a).every((x) => x === null) ? null : a;
}

/**
 * The items of a list that may be a plain array or a GraphQL connection
 * (`{edges: [{node}]}` / `{nodes: [...]}`), as BusinessOnBot's GraphQL-shaped order may be.
 */
export function listOf(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isRecord(v)) {
    if (Array.isArray(v.nodes)) return v.nodes;
    if (Array.isArray(v.edges)) return v.edges.map((e) => (isRecord(e) ? e.node : null));
  }
  return [];
}

function imageUrl(item: JsonObject): string | null {
  const image = item.image;
  if (typeof image === 'string') return str(image);
  return pickStr(image, 'originalSrc', 'src', 'url') ?? pickStr(item, 'image_url', 'imageUrl');
}

/** Shopify's placeholder for a product without variants; showing it to customers is noise. */
const DEFAULT_VARIANT_TITLE = 'Default Title';

/**
 * One line item from Shopify REST (`title`, `variant_id`), BusinessOnBot/GraphQL
 * (`product{id,title}`, `variant{id,title,price,sku}`) or WooCommerce (`product_name`,
 * `variation_id`). Not an object → null; a missing title becomes "Item" so the
 * quantity is not lost from summaries.
 */
export function lineItem(v: unknown): LineItem | null {
  if (!isRecord(v)) return null;
  const product = v.product;
  const variant = v.variant;
  const rawVariantTitle = pickStr(v, 'variant_title', 'variantTitle') ?? pickStr(variant, 'title');
  const variantTitle = rawVariantTitle === DEFAULT_VARIANT_TITLE ? null : rawVariantTitle;
  const title =
    pickStr(v, 'title', 'name', 'product_name', 'productName') ??
    pickStr(product, 'title', 'name') ??
    variantTitle ??
    'Item';
  const quantity = int(v.quantity);
  return {
    title,
    variantTitle,
    quantity: quantity !== null && quantity >= 0 ? quantity : 1,
    price: money(pick(v, 'price')) ?? money(pick(variant, 'price')),
    sku: pickStr(v, 'sku') ?? pickStr(variant, 'sku'),
    productId: idOf(pick(v, 'product_id', 'productId')) ?? idOf(pick(product, 'id')),
    variantId:
      idOf(pick(v, 'variant_id', 'variantId', 'variation_id')) ?? idOf(pick(variant, 'id')),
    imageUrl: imageUrl(v),
  };
}

export function lineItems(v: unknown): LineItem[] {
  return listOf(v)
    .map(lineItem)
    .filter((i): i is LineItem => i !== null);
}

/** A decimal amount: a string or number, or a GraphQL money object (`{amount}` / `{shopMoney: {amount}}`). */
export function money(v: unknown): string | null {
  const plain = str(v);
  if (plain !== null) return plain;
  if (!isRecord(v)) return null;
  return str(v.amount) ?? (isRecord(v.shopMoney) ? str(v.shopMoney.amount) : null);
}

/** The currency carried inside a GraphQL money object, if any. */
export function moneyCurrency(v: unknown): string | null {
  if (!isRecord(v)) return null;
  return pickStr(v, 'currencyCode') ?? pickStr(v.shopMoney, 'currencyCode');
}

/** ISO 4217 codes are upper case; brands sometimes send "inr". */
export function currency(v: unknown): string | null {
  const s = str(v);
  return s === null ? null : s.toUpperCase();
}

/** An absent or null nested object reads as `{}` so callers can chain `pick` without guards. */
export function obj(v: unknown): JsonObject {
  return isRecord(v) ? v : {};
}

/** The issue every normaliser gives for a body that is not a JSON object. */
export const NOT_AN_OBJECT: PayloadIssue = { path: '', message: 'must be a JSON object' };

/**
 * Brand APIs and some forwarders wrap the resource (`{"order": {...}}`,
 * `{"fulfillment": {...}}`). Unwrap only when the outer object is not itself the resource
 * (it has no `id`), and keep the wrapper in issue paths so they point into the body as sent.
 */
export function unwrap(body: JsonObject, key: string): { obj: JsonObject; prefix: string } {
  const inner = body[key];
  if (body.id === undefined && isRecord(inner)) return { obj: inner, prefix: `/${key}` };
  return { obj: body, prefix: '' };
}
