/**
 * fulfillments-create bodies → `Fulfillment`. Shopify forwards its REST fulfillment
 * (`tracking_company`, `tracking_numbers[]`, `destination`); other senders use camelCase or
 * GraphQL's `trackingInfo`. Required are the fulfillment's own `id` and the order it belongs
 * to, since the shipped message is built from the order stored at orders-create.
 */
import {
  NOT_AN_OBJECT,
  isRecord,
  lineItems,
  obj,
  pick,
  pickPhone,
  pickStr,
  requireId,
  unwrap,
} from './fields.js';
import type { Fulfillment, NormalizeResult, PayloadIssue } from './model.js';
import { trackingOf } from './tracking.js';
import { countryCodeOf } from './country-code.js';

export function normalizeFulfillment(body: unknown): NormalizeResult<Fulfillment> {
  if (!isRecord(body)) return { ok: false, issues: [NOT_AN_OBJECT] };
  const { obj: f, prefix } = unwrap(body, 'fulfillment');
  const issues: PayloadIssue[] = [];
  const id = requireId(f, ['id'], issues, { prefix });
  const orderId = requireId(f, ['order_id', 'orderId'], issues, { prefix });
  if (id === null || orderId === null) return { ok: false, issues };

  const destination = obj(f.destination);
  return {
    ok: true,
    value: {
      id: id.id,
      orderId: orderId.id,
      name: pickStr(f, 'name'),
      status: pickStr(f, 'status'),
      // Always an object here (unlike Order.tracking): a fulfillment without tracking is normal.
      tracking: trackingOf(f) ?? { company: null, number: null, url: null },
      lineItems: lineItems(pick(f, 'line_items', 'lineItems')),
      phone: pickPhone(destination, 'phone') ?? pickPhone(f, 'phone'),
      // The destination is where the parcel goes: a number beside it is written for that country.
      phoneCountry: countryCodeOf(destination),
      email: pickStr(f, 'email') ?? pickStr(destination, 'email'),
    },
  };
}
