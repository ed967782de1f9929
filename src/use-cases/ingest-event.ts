/**
 * Guest API ingestion: normalise the body, answer what needs no transaction (400, 409 on a
 * known Idempotency-Key, 429), then store. Concurrent requests share one commit
 * (GroupCommit) and each promise settles only after the commit that holds its event.
 */
import { hash } from 'node:crypto';
import type { EventKind } from '../domain/events/model.js';
import { normalizeEvent } from '../domain/events/normalize.js';
import type { Clock } from '../domain/ports/clock.js';
import type { EventOutcome, EventStore } from '../domain/ports/event-store.js';
import type { IdGenerator } from '../domain/ports/ids.js';
import { GroupCommit } from '../shared/group-commit.js';
import type { Issue } from './errors.js';
import { sameRequest, storeEventBatch, type PlanAt, type PreparedEvent, type StoreResult } from './store-event-batch.js';

export { IDEMPOTENCY_TTL_MS, PROCESS_EVENT_JOB } from './store-event-batch.js';

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
  | { status: 'conflict' }
  | { status: 'throttled' };

/** Whether the tenant may store one more event now (its guest API rate limit). */
export type Admission = (tenantId: string) => boolean | Promise<boolean>;

/** Events in one commit at most. */
const MAX_BATCH = 256;

export class EventIngestion {
  private readonly commits: GroupCommit<PreparedEvent, StoreResult>;

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    ids: IdGenerator,
    /** Told after a commit that queued work due now, so an in-process worker starts at once. */
    onQueued: () => void = () => {},
    /** When an accepted event's job runs (a PlanningHorizon's); at once by default. */
    planAt: PlanAt = (_tenantId, receivedAt) => receivedAt,
  ) {
    this.commits = new GroupCommit(
      async (take) => {
        // A parked job is not work for now: a worker told of it would look for due jobs in vain,
        // a claim (a write) per commit while a flood is parked.
        let dueNow = false;
        const planNoting: PlanAt = (tenantId, receivedAt, notifiesNow, parkedElsewhere) => {
          const at = planAt(tenantId, receivedAt, notifiesNow, parkedElsewhere);
          if (at.getTime() <= receivedAt.getTime()) dueNow = true;
          return at;
        };
        // Taken inside the transaction: requests that came while it waited for the write lock join it.
        const results = await this.store.ingest((tx) => storeEventBatch(tx, take(), ids, planNoting));
        if (dueNow && results.some((r) => r.status === 'stored' && r.outcome === 'accepted')) onQueued();
        return results;
      },
      MAX_BATCH,
      'take-late',
    );
  }

  async ingest(request: IngestRequest, admit: Admission = () => true): Promise<IngestResult> {
    const receivedAt = this.clock.now();
    const normalized = normalizeEvent(request.kind, request.body, receivedAt);
    if (!normalized.ok) return { status: 'invalid', issues: normalized.issues };
    const bodyHash = hash('sha256', request.rawBody, 'hex');
    if (request.idempotencyKey !== null) {
      const known = await this.store.idempotencyHash(request.tenantId, request.idempotencyKey, receivedAt);
      if (known !== undefined && !sameRequest(known, request.kind, bodyHash)) return { status: 'conflict' };
    }
    // Most tenants have no limit: answered without a promise, the common path takes no extra turn.
    const admitted = admit(request.tenantId);
    if (admitted === false || (admitted !== true && !(await admitted))) return { status: 'throttled' };
    return this.commits.submit({
      tenantId: request.tenantId,
      kind: request.kind,
      event: normalized.value,
      rawBody: request.rawBody,
      bodyHash,
      idempotencyKey: request.idempotencyKey,
      receivedAt,
    });
  }
}
