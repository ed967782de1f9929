/**
 * Brand API bodies → the port's values. Brands answer in either order family (BusinessOnBot's
 * camelCase order or Shopify's REST order, read by the same `normalizeOrder` the guest API
 * uses), bare or wrapped (`{"order": …}`, `{"customer": …}`, `{"orders": […]}`, and the
 * common `{"data": …}`), with snake_case or camelCase customer fields. Whatever cannot be read
 * as the contract's shape is reported as a problem in plain words, never guessed at.
 *
 * Empty answers (`{}`, `[]`, `null`) never reach these functions: brand-answer.ts has
 * already turned them into "not found".
 */
import type { BrandCustomer } from '../domain/ports/brand-api.js';
import { customerNames } from '../domain/events/customer.js';
import { address, isRecord, listOf, pick, pickStr, type JsonObject } from '../domain/events/fields.js';
import type { Address, Order } from '../domain/events/model.js';
import { normalizeOrder } from '../domain/events/order.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/** What a JSON value is, for problems ("got an array", "got a string"). */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** `{"data": X}` (with nothing else but a status) → X; anything else unchanged. */
function unwrapData(body: unknown): unknown {
  if (!isRecord(body) || body.id !== undefined || body.data === undefined || body.data === null) return body;
  return body.data;
}

function orderFrom(item: unknown, where: string): Parsed<Order> {
  const normalized = normalizeOrder(unwrapData(item));
  if (normalized.ok) return { ok: true, value: normalized.value };
  const issues = normalized.issues.map((i) => `${i.path || '/'} ${i.message}`).join('; ');
  return { ok: false, problem: `${where} is not an order (${issues})` };
}

/** `GET /order/{id}`: one order, bare or under `order` / `data`. */
export function orderFromBody(body: unknown): Parsed<Order> {
  const inner = unwrapData(body);
  // A one-element list is a common way to answer a look-up; more than one is ambiguous.
  if (Array.isArray(inner)) {
    if (inner.length !== 1) return { ok: false, problem: `expected one order, got a list of ${inner.length}` };
    return orderFrom(inner[0], 'the answer');
  }
  if (!isRecord(inner)) return { ok: false, problem: `expected an order object, got ${kindOf(inner)}` };
  return orderFrom(inner, 'the answer');
}

/** The list inside a `get-orders` answer: an array, `{orders: […]}` or `{data: …}`. */
function orderList(body: unknown): unknown[] | null {
  const inner = unwrapData(body);
  if (Array.isArray(inner)) return inner as unknown[];
  if (!isRecord(inner)) return null;
  const orders = inner.orders;
  // A GraphQL-style connection (`{nodes: […]}` / `{edges: […]}`) is a list too.
  const isList = Array.isArray(orders) || (isRecord(orders) && (Array.isArray(orders.nodes) || Array.isArray(orders.edges)));
  return isList ? listOf(orders) : null;
}

/**
 * `GET /get-orders/{phone}`: the first `limit` orders as the brand listed them (it lists
 * the latest first). Every entry must be an order: one that is not makes the whole answer
 * malformed, because a list that silently lost an order would mislead the customer.
 */
export function ordersFromBody(body: unknown, limit: number): Parsed<Order[]> {
  const list = orderList(body);
  if (list === null) return { ok: false, problem: `expected a list of orders (an array or {"orders": […]}), got ${kindOf(unwrapData(body))}` };
  const orders: Order[] = [];
  for (const [index, item] of list.slice(0, limit).entries()) {
    const order = orderFrom(item, `entry ${index}`);
    if (!order.ok) return order;
    orders.push(order.value);
  }
  return { ok: true, value: orders };
}

function sameAddress(a: Address, b: Address): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** `addresses` (Shopify lists the default one there too), `default_address`, `address`. */
function addressesOf(c: JsonObject): Address[] {
  const found: Address[] = [];
  const candidates = [
    ...listOf(pick(c, 'addresses')),
    pick(c, 'default_address', 'defaultAddress'),
    pick(c, 'address'),
    pick(c, 'shipping_address', 'shippingAddress'),
    pick(c, 'billing_address', 'billingAddress'),
  ];
  for (const candidate of candidates) {
    const a = address(candidate);
    if (a !== null && !found.some((f) => sameAddress(f, a))) found.push(a);
  }
  return found;
}

/** `GET /personal-details/…`: one customer, bare or under `customer` / `data`. */
export function customerFromBody(body: unknown): Parsed<BrandCustomer> {
  let inner = unwrapData(body);
  if (isRecord(inner) && inner.id === undefined && isRecord(inner.customer)) inner = inner.customer;
  if (Array.isArray(inner)) {
    // Several customers may share an email or phone; the brand lists the best match first.
    inner = inner[0];
  }
  if (!isRecord(inner)) return { ok: false, problem: `expected a customer object, got ${kindOf(inner)}` };
  const names = customerNames(inner);
  const customer: BrandCustomer = {
    ...names,
    phone: pickStr(inner, 'phone', 'phone_number', 'phoneNumber', 'mobile'),
    email: pickStr(inner, 'email', 'email_id', 'emailId'),
    addresses: addressesOf(inner),
  };
  if (customer.firstName === null && customer.lastName === null && customer.phone === null && customer.email === null) {
    return { ok: false, problem: 'the customer has none of first_name, last_name, phone, email' };
  }
  return { ok: true, value: customer };
}
