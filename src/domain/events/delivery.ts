/**
 * fulfillments-events-create bodies → `DeliveryUpdate`. The seed's body names the order
 * `id`; Shopify's fulfillment event has its own `id` and names the order `order_id`. So the
 * presence of `order_id` decides what `id` means, and a bad `order_id` is reported rather
 * than silently replaced by the event's id.
 */
import { ACCEPTED_DELIVERY_STATUSES, parseDeliveryStatus } from './delivery-status.js';
import { NOT_AN_OBJECT, idOf, isRecord, isoTime, pick, requireId, unwrap } from './fields.js';
import type { DeliveryStatus, DeliveryUpdate, NormalizeResult, PayloadIssue } from './model.js';

const STATUS_MESSAGE = `must be one of ${ACCEPTED_DELIVERY_STATUSES.join(', ')} (any case; -, _ or space alike)`;

function status(
  v: unknown,
  path: string,
  issues: PayloadIssue[],
): { status: DeliveryStatus; source: string } | null {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
    issues.push({ path, message: 'is required' });
    return null;
  }
  if (typeof v !== 'string') {
    issues.push({ path, message: 'must be a string' });
    return null;
  }
  const parsed = parseDeliveryStatus(v);
  if (parsed === null) {
    issues.push({ path, message: STATUS_MESSAGE });
    return null;
  }
  return { status: parsed, source: v.trim() };
}

export function normalizeDelivery(
  body: unknown,
  receivedAt: Date,
): NormalizeResult<DeliveryUpdate> {
  if (!isRecord(body)) return { ok: false, issues: [NOT_AN_OBJECT] };
  const { obj: d, prefix } = unwrap(body, 'fulfillment_event');
  const issues: PayloadIssue[] = [];
  const order = requireId(d, ['order_id', 'orderId', 'id'], issues, {
    prefix,
    // The seed's senders know the order id as `id`; name that one when none is given.
    missingKey: 'id',
  });
  const fulfillment = requireId(d, ['fulfillment_id', 'fulfillmentId'], issues, { prefix });
  const st = status(d.status, `${prefix}/status`, issues);
  if (order === null || fulfillment === null || st === null) return { ok: false, issues };

  // With `order_id` present, `id` is the event's own id: the best delivery id when none is named.
  const eventId = order.key === 'id' ? null : idOf(d.id);
  return {
    ok: true,
    value: {
      orderId: order.id,
      fulfillmentId: fulfillment.id,
      deliveryId: idOf(pick(d, 'delivery_id', 'deliveryId')) ?? eventId,
      idAlias: idOf(pick(d, 'id_alias', 'idAlias')),
      status: st.status,
      sourceStatus: st.source,
      occurredAt:
        isoTime(pick(d, 'delivered_at', 'deliveredAt')) ??
        isoTime(pick(d, 'happened_at', 'happenedAt')) ??
        receivedAt.toISOString(),
    },
  };
}
