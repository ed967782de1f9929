/**
 * The one entry point the guest API calls: the endpoint's event kind plus the parsed body
 * give a normalised event or the list of problems for the 400 answer.
 */
import { normalizeCart } from './cart.js';
import { normalizeDelivery } from './delivery.js';
import { NOT_AN_OBJECT, isRecord } from './fields.js';
import { normalizeFulfillment } from './fulfillment.js';
import type { EventKind, NormalizeResult, NormalizedEvent } from './model.js';
import { normalizeOrder } from './order.js';

/** Wraps a successful value into the event union; failures pass through unchanged. */
function tagged<T>(
  result: NormalizeResult<T>,
  wrap: (value: T) => NormalizedEvent,
): NormalizeResult<NormalizedEvent> {
  return result.ok ? { ok: true, value: wrap(result.value) } : result;
}

export function normalizeEvent(
  kind: EventKind,
  body: unknown,
  receivedAt: Date,
): NormalizeResult<NormalizedEvent> {
  if (!isRecord(body)) return { ok: false, issues: [NOT_AN_OBJECT] };
  switch (kind) {
    case 'order_created':
      return tagged(normalizeOrder(body), (order) => ({ kind, order }));
    case 'order_cancelled':
      return tagged(normalizeOrder(body), (order) => ({ kind, order }));
    case 'fulfillment_created':
      return tagged(normalizeFulfillment(body), (fulfillment) => ({ kind, fulfillment }));
    case 'delivery_updated':
      return tagged(normalizeDelivery(body, receivedAt), (delivery) => ({ kind, delivery }));
    case 'cart_abandoned':
      return tagged(normalizeCart(body, receivedAt), (cart) => ({ kind, cart }));
    default: {
      // Unreachable for typed callers; a kind from untyped input still gets an answer, not a throw.
      const unknownKind: never = kind;
      return { ok: false, issues: [{ path: '', message: `unknown event kind ${String(unknownKind)}` }] };
    }
  }
}
