/**
 * Durable storage of guest events. `ingest` runs its work in one transaction that also
 * holds the jobs the events need (an outbox), so an acknowledged event always has its job.
 * The operations are small on purpose: deciding what an event means is the use case's job.
 */
import type { NormalizedEvent } from '../events/model.js';
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
  /** The body exactly as received: the record of the event. */
  rawBody: string;
  idempotencyKey: string | null;
  receivedAt: Date;
  /**
   * The model the guest API derived from `rawBody`. Not stored (reads derive it again), but a
   * store may keep it in memory for reads soon after: its event job runs right away.
   */
  normalized?: NormalizedEvent | null;
}

export interface StoredEvent extends NewEvent {
  /** Derived from `rawBody` when read; null if it no longer reads as its kind (see store/event-model). */
  normalized: NormalizedEvent | null;
}

/** A resource as the dedup rules see it: one order, fulfillment, delivery status or cart of a tenant. */
export interface ResourceRef {
  tenantId: string;
  kind: string;
  resourceKey: string;
}

export interface BodyRef extends ResourceRef {
  bodyHash: string;
}

export interface ResourceState {
  /** How many distinct bodies of the resource are stored. */
  revisions: number;
  /** For delivery progress: the rank of the furthest status seen. */
  progress: number;
}

export interface ResourceChange extends ResourceRef {
  addRevisions: number;
  /** The new progress; the stored one only ever moves up. */
  progress: number;
  latestEventId: string;
  at: Date;
}

export interface IdempotencyRecord {
  tenantId: string;
  key: string;
  bodyHash: string;
  expiresAt: Date;
}

export function resourceRefKey(ref: ResourceRef): string {
  return `${ref.tenantId}\u0000${ref.kind}\u0000${ref.resourceKey}`;
}

export function bodyRefKey(ref: BodyRef): string {
  return `${resourceRefKey(ref)}\u0000${ref.bodyHash}`;
}

/**
 * One ingest transaction, set-based so a batch of events costs a handful of statements:
 * read what is known about the batch's resources, decide in memory, write the results.
 */
export interface IngestTransaction {
  /** The unexpired records among these (tenant, key) pairs. */
  idempotencyRecords(refs: readonly { tenantId: string; key: string }[], now: Date): Promise<IdempotencyRecord[]>;
  /**
   * Saves the records, replacing expired ones. Returns the (tenant, key) pairs it could not
   * save because a live record holds them: one another transaction committed after this one
   * read (two API processes given the same key at once); the caller reads those again.
   */
  saveIdempotencyRecords(records: readonly IdempotencyRecord[], now: Date): Promise<{ tenantId: string; key: string }[]>;
  /** Which of these bodies are already stored. */
  storedBodies(refs: readonly BodyRef[]): Promise<BodyRef[]>;
  /** Current states by `resourceRefKey`; unknown resources are absent. Locks the rows where the database can. */
  resourceStates(refs: readonly ResourceRef[]): Promise<Map<string, ResourceState>>;
  /**
   * Adds revisions and raises progress (one change per resource); returns the states after
   * the write, by `resourceRefKey`. A state other than the one computed from
   * `resourceStates` means another writer got there first.
   */
  applyResourceChanges(changes: readonly ResourceChange[]): Promise<Map<string, ResourceState>>;
  /** Inserts events, skipping bodies already stored; returns the ids actually inserted. */
  insertEvents(events: readonly NewEvent[]): Promise<Set<string>>;
  enqueue(jobs: readonly JobSpec[], now: Date): Promise<void>;
  /**
   * When each of these tenants' latest parked event job is due, as parked by any process
   * writing to this database; tenants with none are absent. Empty where one process
   * ingests (SQLite: its planning horizon's own chain is the whole chain).
   */
  parkedChains(tenantIds: readonly string[]): Promise<Map<string, Date>>;
  /** Moves these tenants' parked chains to the given times, never back. */
  extendParkedChains(lastRunAt: ReadonlyMap<string, Date>): Promise<void>;
}

export interface EventFilter {
  kind?: string;
  resourceKey?: string;
}

export interface EventStore {
  /** Runs `work` in one transaction: everything it wrote commits together or not at all. */
  ingest<T>(work: (tx: IngestTransaction) => Promise<T>): Promise<T>;
  /** Peeks at a stored Idempotency-Key's body hash outside any transaction. */
  idempotencyHash(tenantId: string, key: string, now: Date): Promise<string | undefined>;
  list(tenantId: string, page: PageRequest, filter?: EventFilter): Promise<Page<StoredEvent>>;
  get(tenantId: string, eventId: string): Promise<StoredEvent | undefined>;
  /** The latest stored revision of a resource (e.g. an order), whatever its outcome. */
  latestOf(tenantId: string, kind: string, resourceKey: string): Promise<StoredEvent | undefined>;
  /** The furthest delivery status rank reached by any fulfillment of an order (0: none). */
  deliveryProgressOf(tenantId: string, orderId: string): Promise<number>;
  /** Whether any event of this resource is stored (e.g. an order's cancellation). */
  exists(tenantId: string, kind: string, resourceKey: string): Promise<boolean>;
  /** Accepted events received at or after `since`, oldest first (for replays). */
  acceptedSince(tenantId: string, since: Date, limit: number, afterId: string | null): Promise<StoredEvent[]>;
  purgeExpiredIdempotencyKeys(now: Date): Promise<number>;
}
