/**
 * A stored guest event as the admin API shows it: the body exactly as received (numeric ids
 * beyond 2^53 kept, as strings) beside the model Orderline read from it. Both are open JSON:
 * they hold whatever the brand sent.
 */
import { Type, type Static } from '@sinclair/typebox';
import { GUEST_ENDPOINTS } from '../domain/events/guest-endpoints.js';
import type { StoredEvent } from '../domain/ports/event-store.js';
import { IsoTime, Nullable, OpenJson, StringEnum } from '../shared/answer-types.js';
import { parseJsonLossless } from '../shared/lossless-json.js';

export const EventView = Type.Object({
  id: Type.String(),
  tenantId: Type.String(),
  kind: Type.String({ description: `One of ${Object.values(GUEST_ENDPOINTS).join(', ')}` }),
  resourceKey: Type.String({ description: 'What the event is about, for deduplication (an order id, a fulfillment id, …)' }),
  revision: Type.Integer({ description: 'Which distinct body of the resource this is, from 1' }),
  outcome: StringEnum(['accepted', 'revision', 'stale'], {
    description: 'accepted: new, processed; revision: same resource, another body, nobody notified again; stale: out of order, nobody notified',
  }),
  idempotencyKey: Nullable(Type.String()),
  receivedAt: IsoTime(),
  event: OpenJson('The model Orderline read from the body ({kind, order|fulfillment|delivery|cart}), or null if it no longer reads as its kind'),
  body: OpenJson('The body as received (a string if it is no longer JSON)'),
});
export type EventView = Static<typeof EventView>;

export function eventView(event: StoredEvent): EventView {
  let body: unknown;
  try {
    body = parseJsonLossless(event.rawBody);
  } catch {
    body = event.rawBody;
  }
  return {
    id: event.id,
    tenantId: event.tenantId,
    kind: event.kind,
    resourceKey: event.resourceKey,
    revision: event.revision,
    outcome: event.outcome,
    idempotencyKey: event.idempotencyKey,
    receivedAt: event.receivedAt.toISOString(),
    event: event.normalized,
    body,
  };
}
