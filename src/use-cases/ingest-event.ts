/**
 * Guest API ingestion: normalise, then store durably with exactly-once meaning.
 * - The same body of the same resource is stored once (a duplicate).
 * - A different body of a known resource is a new revision: stored, nobody notified again.
 * - A delivery update that does not move its (order, fulfillment) forward is stale, and so
 *   is an order created after its cancellation: stored, nobody notified.
 * - Anything else is accepted, and its processing job is written in the same transaction.
 * Concurrent requests share one commit (GroupCommit); the promise settles after it.
 */
import { createHash } from 'node:crypto';
import { deliveryRank } from '../domain/events/delivery-status.js';
import { deliveryProgressKey, resourceKeyOf } from '../domain/events/event-identity.js';
import type { EventKind, NormalizedEvent } from '../domain/events/model.js';
import { normalizeEvent } from '../domain/events/normalize.js';
import type { Clock } from '../domain/ports/clock.js';
import type { EventOutcome, EventStore, IngestTransaction } from '../domain/ports/event-store.js';
import type { IdGenerator } from '../domain/ports/ids.js';
import { GroupCommit } from '../shared/group-commit.js';
import type { Issue } from './errors.js';

export const IDEMPOTENCY_TTL_MS = 72 * 3_600_000;
/** The job kind that turns a stored event into notifications (the notifications issue). */
export const PROCESS_EVENT_JOB = 'event.process';

export interface IngestRequest {
  tenantId: string;
  kind: EventKind;
  body: unknown;
  rawBody: string;
  idempotencyKey: string | null;
}

export type IngestResult =
  | { status: 'stored'; eventId: string; outcome: EventOutcome }
  | { status: 'duplicate' }
  | { status: 'invalid'; issues: Issue[] }
  | { status: 'conflict' };

interface Prepared {
  request: IngestRequest;
  event: NormalizedEvent;
  bodyHash: string;
  receivedAt: Date;
}

/** Stops an over-limit request after the cheaper checks and before storage. */
export type AdmissionCheck = (tenantId: string) => boolean;

export class EventIngestion {
  private readonly commits: GroupCommit<Prepared, IngestResult>;

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {
    this.commits = new GroupCommit((batch) => this.store.ingest((tx) => this.storeAll(tx, batch)));
  }

  /** Validation and idempotency checks that need no transaction; `null` means go on. */
  async precheck(request: IngestRequest): Promise<IngestResult | Prepared> {
    const receivedAt = this.clock.now();
    const normalized = normalizeEvent(request.kind, request.body, receivedAt);
    if (!normalized.ok) return { status: 'invalid', issues: normalized.issues };
    const bodyHash = createHash('sha256').update(request.rawBody).digest('hex');
    if (request.idempotencyKey !== null) {
      const known = await this.store.idempotencyHash(request.tenantId, request.idempotencyKey, receivedAt);
      if (known !== undefined && known !== bodyHash) return { status: 'conflict' };
    }
    return { request, event: normalized.value, bodyHash, receivedAt };
  }

  async ingest(request: IngestRequest, admit: AdmissionCheck = () => true): Promise<IngestResult | 'throttled'> {
    const prepared = await this.precheck(request);
    if ('status' in prepared) return prepared;
    if (!admit(request.tenantId)) return 'throttled';
    return this.commits.submit(prepared);
  }

  private async storeAll(tx: IngestTransaction, batch: readonly Prepared[]): Promise<IngestResult[]> {
    const results: IngestResult[] = [];
    for (const item of batch) results.push(await this.storeOne(tx, item));
    return results;
  }

  private async storeOne(tx: IngestTransaction, item: Prepared): Promise<IngestResult> {
    const { request, event, bodyHash, receivedAt } = item;
    const { tenantId, kind } = request;
    if (request.idempotencyKey !== null) {
      const expiresAt = new Date(receivedAt.getTime() + IDEMPOTENCY_TTL_MS);
      const claim = await tx.claimIdempotencyKey(tenantId, request.idempotencyKey, bodyHash, receivedAt, expiresAt);
      if (claim === 'conflict') return { status: 'conflict' };
      if (claim === 'replay') return { status: 'duplicate' };
    }
    const resourceKey = resourceKeyOf(event);
    if (await tx.hasSameBody(tenantId, kind, resourceKey, bodyHash)) return { status: 'duplicate' };

    const eventId = this.ids.next('evt');
    const revision = await tx.bumpResource(tenantId, kind, resourceKey, eventId, receivedAt);
    const outcome: EventOutcome = revision > 1 ? 'revision' : await this.firstRevisionOutcome(tx, tenantId, event, eventId, receivedAt);

    const inserted = await tx.insertEvent({
      id: eventId,
      tenantId,
      kind,
      resourceKey,
      bodyHash,
      revision,
      outcome,
      rawBody: request.rawBody,
      normalized: event,
      idempotencyKey: request.idempotencyKey,
      receivedAt,
    });
    // Another process stored the same body between our check and our insert.
    if (!inserted) return { status: 'duplicate' };
    if (outcome === 'accepted') {
      await tx.enqueue({ kind: PROCESS_EVENT_JOB, payload: { eventId }, tenantId, runAt: receivedAt }, receivedAt);
    }
    return { status: 'stored', eventId, outcome };
  }

  private async firstRevisionOutcome(
    tx: IngestTransaction,
    tenantId: string,
    event: NormalizedEvent,
    eventId: string,
    now: Date,
  ): Promise<EventOutcome> {
    if (event.kind === 'delivery_updated') {
      const { orderId, fulfillmentId, status } = event.delivery;
      const key = deliveryProgressKey(orderId, fulfillmentId);
      const advanced = await tx.advanceProgress(tenantId, 'delivery_progress', key, deliveryRank(status), eventId, now);
      return advanced ? 'accepted' : 'stale';
    }
    if (event.kind === 'order_created') {
      const cancelled = await tx.resourceExists(tenantId, 'order_cancelled', event.order.id);
      return cancelled ? 'stale' : 'accepted';
    }
    return 'accepted';
  }
}
