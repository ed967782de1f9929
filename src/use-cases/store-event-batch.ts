/**
 * Stores a batch of normalised guest events in one transaction with a handful of
 * set-based statements: read what is known, decide every event in memory (in arrival order,
 * so events of the same batch see each other), then write.
 *
 * Rules (BRIEF.md): the same body of a resource is a duplicate; another body of a known
 * resource is a revision; a delivery update that does not move its (order, fulfillment)
 * forward is stale, and so is an order created after its cancellation, and a fulfillment created
 * after that shipment was delivered or returned. Only accepted events
 * get a processing job, written in the same transaction (the outbox).
 */
import { deliveryRank } from '../domain/events/delivery-status.js';
import { deliveryProgressKey, resourceKeyOf } from '../domain/events/event-identity.js';
import type { EventKind, NormalizedEvent } from '../domain/events/model.js';
import {
  bodyRefKey,
  resourceRefKey,
  type BodyRef,
  type EventOutcome,
  type IdempotencyRecord,
  type IngestTransaction,
  type NewEvent,
  type ResourceChange,
  type ResourceRef,
  type ResourceState,
} from '../domain/ports/event-store.js';
import type { IdGenerator } from '../domain/ports/ids.js';

export const IDEMPOTENCY_TTL_MS = 72 * 3_600_000;

/**
 * What an Idempotency-Key is kept with: the endpoint's event kind and the body, so the same
 * bytes sent under one key to another endpoint (an orders-create body replayed as a cancel)
 * are another request, a 409, not a duplicate whose event is dropped.
 */
export function requestHash(kind: EventKind, bodyHash: string): string {
  return `${kind}:${bodyHash}`;
}

/** Whether a kept record is this request: records kept before the kind was part of it hold the body's hash alone. */
export function sameRequest(kept: string, kind: EventKind, bodyHash: string): boolean {
  return kept === requestHash(kind, bodyHash) || kept === bodyHash;
}
/** The job kind that turns a stored event into notifications. */
export const PROCESS_EVENT_JOB = 'event.process';
const DELIVERY_PROGRESS = 'delivery_progress';
/** Delivered, or returned (ranked above it): the shipment's journey is over. */
const DELIVERED_RANK = deliveryRank('delivered');

export interface PreparedEvent {
  tenantId: string;
  kind: EventKind;
  event: NormalizedEvent;
  rawBody: string;
  bodyHash: string;
  idempotencyKey: string | null;
  receivedAt: Date;
}

/**
 * When the job of an event accepted at `receivedAt` runs (PlanningHorizon.planAt); called once
 * per accepted event, in order. `notifiesNow`: planning it makes a message to send at once
 * (an abandoned cart's reminders come later). `parkedElsewhere`: when the latest job of the
 * tenant's chain, as other processes parked it, is due.
 */
export type PlanAt = (tenantId: string, receivedAt: Date, notifiesNow: boolean, parkedElsewhere?: Date) => Date;

export type StoreResult =
  | { status: 'stored'; eventId: string; outcome: EventOutcome }
  | { status: 'duplicate' }
  | { status: 'conflict' };

interface Decision {
  item: PreparedEvent;
  ref: ResourceRef;
  eventId: string;
  revision: number;
  outcome: EventOutcome;
  /** The resource state this decision assumed after its own write. */
  expect: { key: string; revisions: number };
  progress?: { key: string; rank: number };
}

function progressRef(item: PreparedEvent): ResourceRef | null {
  if (item.event.kind !== 'delivery_updated') return null;
  const { orderId, fulfillmentId } = item.event.delivery;
  return { tenantId: item.tenantId, kind: DELIVERY_PROGRESS, resourceKey: deliveryProgressKey(orderId, fulfillmentId) };
}

/**
 * A fulfillment's own delivery progress. Senders retry and reorder (Shopify: 8 retries over
 * 4 hours), so a fulfillments-create can arrive after that shipment was already reported
 * delivered or returned; its "has been shipped, tap to track" would then tell the customer
 * something older than what they were told.
 */
function shipmentProgressRef(item: PreparedEvent): ResourceRef | null {
  if (item.event.kind !== 'fulfillment_created') return null;
  const { orderId, id } = item.event.fulfillment;
  return { tenantId: item.tenantId, kind: DELIVERY_PROGRESS, resourceKey: deliveryProgressKey(orderId, id) };
}

function cancellationRef(item: PreparedEvent): ResourceRef | null {
  if (item.event.kind !== 'order_created') return null;
  return { tenantId: item.tenantId, kind: 'order_cancelled', resourceKey: item.event.order.id };
}

export async function storeEventBatch(
  tx: IngestTransaction,
  items: readonly PreparedEvent[],
  ids: IdGenerator,
  planAt: PlanAt = (_tenantId, receivedAt) => receivedAt,
): Promise<StoreResult[]> {
  const results: (StoreResult | undefined)[] = new Array<StoreResult | undefined>(items.length);

  // 1. Idempotency keys: a replay is a no-op, another body under the same key a conflict.
  const keyed = items.map((item, i) => ({ item, i })).filter(({ item }) => item.idempotencyKey !== null);
  if (keyed.length > 0) {
    const now = keyed[0]!.item.receivedAt;
    const known = new Map<string, string>();
    for (const r of await tx.idempotencyRecords(keyed.map(({ item }) => ({ tenantId: item.tenantId, key: item.idempotencyKey! })), now)) {
      known.set(`${r.tenantId}\u0000${r.key}`, r.bodyHash);
    }
    const fresh: IdempotencyRecord[] = [];
    for (const { item, i } of keyed) {
      const name = `${item.tenantId}\u0000${item.idempotencyKey!}`;
      const hash = known.get(name);
      if (hash !== undefined) {
        results[i] = sameRequest(hash, item.kind, item.bodyHash) ? { status: 'duplicate' } : { status: 'conflict' };
        continue;
      }
      known.set(name, requestHash(item.kind, item.bodyHash));
      fresh.push({
        tenantId: item.tenantId,
        key: item.idempotencyKey!,
        bodyHash: requestHash(item.kind, item.bodyHash),
        expiresAt: new Date(item.receivedAt.getTime() + IDEMPOTENCY_TTL_MS),
      });
    }
    const taken = await tx.saveIdempotencyRecords(fresh, now);
    if (taken.length > 0) {
      // Stored by another transaction since we read: its record decides, as if read first.
      const held = new Map((await tx.idempotencyRecords(taken, now)).map((r) => [`${r.tenantId}\u0000${r.key}`, r.bodyHash]));
      for (const { item, i } of keyed) {
        const hash = held.get(`${item.tenantId}\u0000${item.idempotencyKey!}`);
        if (hash !== undefined) results[i] = sameRequest(hash, item.kind, item.bodyHash) ? { status: 'duplicate' } : { status: 'conflict' };
      }
    }
  }

  // 2. What is already known about the batch's bodies and resources.
  const live = items.map((item, i) => ({ item, i })).filter(({ i }) => results[i] === undefined);
  const bodyRefs: BodyRef[] = live.map(({ item }) => ({
    tenantId: item.tenantId,
    kind: item.kind,
    resourceKey: resourceKeyOf(item.event),
    bodyHash: item.bodyHash,
  }));
  const seenBodies = new Set((await tx.storedBodies(bodyRefs)).map(bodyRefKey));
  const refs: ResourceRef[] = [];
  for (const [n, { item }] of live.entries()) {
    refs.push(bodyRefs[n]!);
    const extra = progressRef(item) ?? cancellationRef(item) ?? shipmentProgressRef(item);
    if (extra !== null) refs.push(extra);
  }
  const states = await tx.resourceStates(refs);
  const stateOf = (key: string): ResourceState => {
    let state = states.get(key);
    if (state === undefined) {
      state = { revisions: 0, progress: 0 };
      states.set(key, state);
    }
    return state;
  };

  // 3. Decide each event in arrival order.
  const changes = new Map<string, ResourceChange>();
  const change = (ref: ResourceRef, eventId: string, at: Date): ResourceChange => {
    const key = resourceRefKey(ref);
    let c = changes.get(key);
    if (c === undefined) {
      c = { ...ref, addRevisions: 0, progress: stateOf(key).progress, latestEventId: eventId, at };
      changes.set(key, c);
    }
    c.latestEventId = eventId;
    c.at = at;
    return c;
  };
  const decisions: Decision[] = [];
  for (const [n, { item, i }] of live.entries()) {
    const ref = bodyRefs[n]!;
    const bodyKey = bodyRefKey(ref);
    if (seenBodies.has(bodyKey)) {
      results[i] = { status: 'duplicate' };
      continue;
    }
    seenBodies.add(bodyKey);
    const eventId = ids.next('evt');
    const key = resourceRefKey(ref);
    const state = stateOf(key);
    state.revisions += 1;
    change(ref, eventId, item.receivedAt).addRevisions += 1;
    const decision: Decision = { item, ref, eventId, revision: state.revisions, outcome: 'accepted', expect: { key, revisions: state.revisions } };
    if (state.revisions > 1) {
      decision.outcome = 'revision';
    } else if (item.event.kind === 'delivery_updated') {
      const pRef = progressRef(item)!;
      const pKey = resourceRefKey(pRef);
      const rank = deliveryRank(item.event.delivery.status);
      const progress = stateOf(pKey);
      if (rank > progress.progress) {
        progress.progress = rank;
        change(pRef, eventId, item.receivedAt).progress = rank;
        decision.progress = { key: pKey, rank };
      } else {
        decision.outcome = 'stale';
      }
    } else if (item.event.kind === 'order_created') {
      if (stateOf(resourceRefKey(cancellationRef(item)!)).revisions > 0) decision.outcome = 'stale';
    } else if (item.event.kind === 'fulfillment_created') {
      // Dispatched and in transit still leave the shipped message (with its tracking number) news.
      if (stateOf(resourceRefKey(shipmentProgressRef(item)!)).progress >= DELIVERED_RANK) decision.outcome = 'stale';
    }
    decisions.push(decision);
    results[i] = { status: 'stored', eventId, outcome: decision.outcome };
  }

  // 4. Write. A concurrent writer (another process on PostgreSQL) shows as a state other
  // than the one we computed: then our "first" was not first, or our step not forward.
  const after = await tx.applyResourceChanges([...changes.values()]);
  const finalRevisions = new Map<string, number>();
  for (const d of decisions) finalRevisions.set(d.expect.key, d.expect.revisions);
  for (const d of decisions) {
    if (d.outcome !== 'accepted') continue;
    const written = after.get(d.expect.key);
    if (written !== undefined && written.revisions !== finalRevisions.get(d.expect.key)) d.outcome = 'revision';
    const progressed = d.progress === undefined ? undefined : after.get(d.progress.key);
    if (d.progress !== undefined && progressed !== undefined && progressed.progress > stateOf(d.progress.key).progress) {
      d.outcome = 'stale';
    }
  }
  // Only accepted events get a job; its run-at is now unless the tenant's sending is behind.
  // Chains other processes parked come first: an order's later event must not overtake one
  // parked there (the brand had that one's 200 before it sent this one, so its chain shows).
  const accepted = decisions.filter((d) => d.outcome === 'accepted');
  const chains = accepted.length === 0 ? new Map<string, Date>() : await tx.parkedChains(accepted.map((d) => d.item.tenantId));
  const extended = new Map<string, Date>();
  const jobRunAt = new Map<string, Date>();
  for (const d of accepted) {
    const { tenantId, receivedAt } = d.item;
    const at = planAt(tenantId, receivedAt, d.item.event.kind !== 'cart_abandoned', chains.get(tenantId));
    jobRunAt.set(d.eventId, at);
    if (at.getTime() > receivedAt.getTime()) extended.set(tenantId, at);
  }
  await tx.extendParkedChains(extended);
  const events: NewEvent[] = decisions.map((d) => ({
    id: d.eventId,
    tenantId: d.item.tenantId,
    kind: d.item.kind,
    resourceKey: d.ref.resourceKey,
    bodyHash: d.item.bodyHash,
    revision: d.revision,
    outcome: d.outcome,
    rawBody: d.item.rawBody,
    idempotencyKey: d.item.idempotencyKey,
    receivedAt: d.item.receivedAt,
    // Kept in memory only for a job that reads it right away (see NewEvent.normalized).
    ...(jobRunAt.get(d.eventId)?.getTime() === d.item.receivedAt.getTime() ? { normalized: d.item.event } : {}),
  }));
  const inserted = await tx.insertEvents(events);
  const queued = decisions.filter((d) => d.outcome === 'accepted' && inserted.has(d.eventId));
  const jobs = queued.map((d) => ({ kind: PROCESS_EVENT_JOB, payload: { eventId: d.eventId }, tenantId: d.item.tenantId, runAt: jobRunAt.get(d.eventId)! }));
  if (queued.length > 0) await tx.enqueue(jobs, queued[0]!.item.receivedAt);

  const byId = new Map(decisions.map((d) => [d.eventId, d]));
  return items.map((_item, i) => {
    const result = results[i]!;
    if (result.status !== 'stored') return result;
    // Another process stored the same body between our read and our insert.
    if (!inserted.has(result.eventId)) return { status: 'duplicate' };
    return { status: 'stored', eventId: result.eventId, outcome: byId.get(result.eventId)?.outcome ?? result.outcome };
  });
}
