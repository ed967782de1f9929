/**
 * Durable storage of guest events. `ingest` runs its work in one transaction that also
 * holds the jobs the events need (an outbox), so an acknowledged event always has its job.
 * The operations are small on purpose: deciding what an event means is the use case's job.
 */
import type { JobSpec } from './job-queue.js';
import type { Page, PageRequest } from './page.js';

export type EventOutcome =
  /** New: its processing job was queued. */
  | 'accepted'
  /** Same resource, different body: stored, nobody notified again. */
  | 'revision'
  /** A delivery update that would move backwards, or an order created after its cancellation. */
  | 'stale';

export interface NewEvent {
  id: string;
  tenantId: string;
  kind: string;
  resourceKey: string;
  bodyHash: string;
  revision: number;
  outcome: EventOutcome;
  rawBody: string;
  normalized: unknown;
  idempotencyKey: string | null;
  receivedAt: Date;
}

export type StoredEvent = NewEvent;

export type IdempotencyClaim = 'new' | 'replay' | 'conflict';

export interface IngestTransaction {
  claimIdempotencyKey(tenantId: string, key: string, bodyHash: string, now: Date, expiresAt: Date): Promise<IdempotencyClaim>;
  hasSameBody(tenantId: string, kind: string, resourceKey: string, bodyHash: string): Promise<boolean>;
  /** Counts one more revision of the resource; returns the count after it (1 for a new one). */
  bumpResource(tenantId: string, kind: string, resourceKey: string, eventId: string, now: Date): Promise<number>;
  resourceExists(tenantId: string, kind: string, resourceKey: string): Promise<boolean>;
  /** Moves a progress counter forward only; false (and no change) when `rank` is not above it. */
  advanceProgress(tenantId: string, kind: string, resourceKey: string, rank: number, eventId: string, now: Date): Promise<boolean>;
  /** False when the same body of the same resource is already stored. */
  insertEvent(event: NewEvent): Promise<boolean>;
  enqueue(job: JobSpec, now: Date): Promise<void>;
}

export interface EventFilter {
  kind?: string;
  resourceKey?: string;
}

export interface EventStore {
  ingest<T>(work: (tx: IngestTransaction) => Promise<T>): Promise<T>;
  /** Peeks at a stored Idempotency-Key's body hash outside any transaction. */
  idempotencyHash(tenantId: string, key: string, now: Date): Promise<string | undefined>;
  list(tenantId: string, page: PageRequest, filter?: EventFilter): Promise<Page<StoredEvent>>;
  get(tenantId: string, eventId: string): Promise<StoredEvent | undefined>;
  purgeExpiredIdempotencyKeys(now: Date): Promise<number>;
}
