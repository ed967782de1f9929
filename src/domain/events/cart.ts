/**
 * abandoned-cart bodies → `Cart`. Two very different senders: Shopify's checkout object
 * (checkouts/create and /update) and BusinessOnBot's WooCommerce plugin, whose fields are
 * flat (`customer_phone`, `billing_first_name`) and whose cart contents
 * (`abandoned_cart_info`) have no fixed shape: a list of items, an object holding items and
 * totals, WooCommerce's cart keyed by item hash, or any of those as a JSON string.
 */
import { countryCodeOf } from './country-code.js';
import { customerNames, firstOf, firstPhone } from './customer.js';
import {
  NOT_AN_OBJECT,
  currency,
  idOf,
  isRecord,
  isoTime,
  lineItems,
  money,
  obj,
  pick,
  pickStr,
  str,
  type JsonObject,
} from './fields.js';
import type { Cart, Customer, NormalizeResult } from './model.js';

/** How far ahead of our clock a brand's cart time may be and still be believed. */
const FUTURE_TOLERANCE_MS = 3_600_000;

/** Cart keys in precedence order (brief); the first usable one wins. */
const KEY_FIELDS = ['token', 'id', 'cart_token', 'cartToken', 'abandoned_cart_id', 'abandonedCartId'];

const ITEM_LIST_KEYS = ['items', 'line_items', 'lineItems', 'cart_items', 'products', 'contents'];

interface CartInfo {
  items: unknown[];
  details: JsonObject;
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    // Not JSON: plain text cart contents carry no structure we can use.
    return null;
  }
}

const ITEM_HINT_KEYS = ['quantity', 'product_id', 'productId', 'title', 'name', 'product_name'];

/** Guards the keyed-by-hash reading so an object of unrelated sub-objects is not taken for items. */
function looksLikeItem(v: unknown): boolean {
  return isRecord(v) && ITEM_HINT_KEYS.some((k) => v[k] !== undefined);
}

function cartInfo(raw: unknown): CartInfo {
  const v = typeof raw === 'string' ? parseJson(raw) : raw;
  if (Array.isArray(v)) return { items: v, details: {} };
  if (!isRecord(v)) return { items: [], details: {} };
  for (const key of ITEM_LIST_KEYS) {
    const list = v[key];
    if (Array.isArray(list)) return { items: list, details: v };
    // WooCommerce keys its cart contents by item hash, also when nested under `items`.
    if (isRecord(list)) return { items: Object.values(list), details: v };
  }
  const values = Object.values(v);
  if (values.length > 0 && values.every(looksLikeItem)) return { items: values, details: {} };
  return { items: [], details: v };
}

/**
 * WooCommerce sends addresses as flat `billing_*` / `shipping_*` fields; read them as the
 * nested address object Shopify sends so one precedence rule serves both.
 */
function flatAddress(body: JsonObject, prefix: string): JsonObject | null {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(body)) {
    if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  }
  return Object.keys(out).length > 0 ? out : null;
}

function addressObject(body: JsonObject, snake: string, camel: string, flat: string): JsonObject {
  const nested = pick(body, snake, camel);
  return isRecord(nested) ? nested : (flatAddress(body, flat) ?? {});
}

function customer(body: JsonObject): Customer {
  const c = obj(body.customer);
  const shipping = addressObject(body, 'shipping_address', 'shippingAddress', 'shipping_');
  const billing = addressObject(body, 'billing_address', 'billingAddress', 'billing_');
  return {
    ...customerNames(c, shipping, billing),
    email: firstOf(
      pickStr(body, 'email', 'customer_email_id', 'customerEmail'),
      pickStr(c, 'email'),
      pickStr(billing, 'email'),
    ),
    ...firstPhone(
      [
        { obj: body, keys: ['phone', 'customer_phone', 'customerPhone'], address: false },
        { obj: shipping, keys: ['phone'], address: true },
        { obj: billing, keys: ['phone'], address: true },
        { obj: c, keys: ['phone'], address: false },
      ],
      countryCodeOf(shipping) ?? countryCodeOf(billing),
    ),
  };
}

function cartKey(body: JsonObject): string | null {
  for (const key of KEY_FIELDS) {
    const id = idOf(body[key]);
    if (id !== null) return id;
  }
  return null;
}

export function normalizeCart(body: unknown, receivedAt: Date): NormalizeResult<Cart> {
  if (!isRecord(body)) return { ok: false, issues: [NOT_AN_OBJECT] };
  const key = cartKey(body);
  if (key === null) {
    return {
      ok: false,
      issues: [
        { path: '/token', message: 'is required: send one of token, id, cart_token or abandoned_cart_id' },
      ],
    };
  }

  const info = cartInfo(pick(body, 'abandoned_cart_info', 'abandonedCartInfo'));
  const items = pick(body, 'line_items', 'lineItems') ?? info.items;
  const completedRaw = pick(body, 'completed_at', 'completedAt');
  const completedAt = isoTime(completedRaw);
  const orderId = idOf(pick(body, 'order_id', 'orderId'));
  const totals = obj(info.details.totals);
  const givenTime =
    isoTime(pick(body, 'abandoned_cart_time', 'abandonedCartTime')) ??
    isoTime(pick(body, 'updated_at', 'updatedAt')) ??
    isoTime(pick(body, 'created_at', 'createdAt'));
  return {
    ok: true,
    value: {
      key,
      token: idOf(body.token),
      cartToken: idOf(pick(body, 'cart_token', 'cartToken')),
      checkoutId: idOf(body.id),
      // A cart left more than an hour in the future (a wrong clock, a typo: "2099-…") is taken as
      // left on arrival: its reminders would wait for that date. Clocks minutes apart are trusted.
      cartTime: givenTime === null || Date.parse(givenTime) > receivedAt.getTime() + FUTURE_TOLERANCE_MS ? receivedAt.toISOString() : givenTime,
      cartTimeGiven: givenTime !== null,
      completedAt,
      orderId,
      // An unparseable `completed_at` still says the checkout completed.
      recovered: completedAt !== null || str(completedRaw) !== null || orderId !== null,
      customer: customer(body),
      lineItems: lineItems(items),
      total:
        money(pick(body, 'total_price', 'totalPrice', 'total')) ??
        money(pick(info.details, 'total', 'cart_total', 'total_price', 'totalPrice')) ??
        money(pick(totals, 'total', 'total_price')),
      currency: currency(
        pickStr(body, 'currency', 'currencyCode', 'presentment_currency') ??
          pickStr(info.details, 'currency', 'currencyCode'),
      ),
      recoveryUrl: pickStr(
        body,
        'abandoned_checkout_url',
        'abandonedCheckoutUrl',
        'recovery_url',
        'recoveryUrl',
      ),
    },
  };
}
