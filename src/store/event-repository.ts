import type { Kysely, Selectable, Transaction } from 'kysely';
import type { IdGenerator } from '../domain/ports/ids.js';
import {
  resourceRefKey,
  type BodyRef,
  type EventFilter,
  type EventOutcome,
  type EventStore,
  type IdempotencyRecord,
  type IngestTransaction,
  type NewEvent,
  type ResourceChange,
  type ResourceRef,
  type ResourceState,
  type StoredEvent,
} from '../domain/ports/event-store.js';
import type { JobSpec } from '../domain/ports/job-queue.js';
import type { Page, PageRequest } from '../domain/ports/page.js';
import type { Capabilities } from './connect.js';
import { modelOfStoredEvent } from './event-model.js';
import { newJobRow } from './job-rows.js';
import { toPage } from './paging.js';
import { prepareIngestStatements, type IngestStatements } from './ingest-statements.js';
import { prepareQuery } from './prepared-query.js';
import { RecentEvents } from './recent-events.js';
import type { Database, EventsTable } from './schema.js';

function fromRow(row: Selectable<EventsTable>): StoredEvent {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    kind: row.kind,
    resourceKey: row.resource_key,
    bodyHash: row.body_hash,
    revision: row.revision,
    outcome: row.outcome as EventOutcome,
    rawBody: row.raw_body,
    normalized: modelOfStoredEvent(row.kind, row.raw_body, new Date(row.received_at)),
    idempotencyKey: row.idempotency_key,
    receivedAt: new Date(row.received_at),
  };
}

class SqlIngestTransaction implements IngestTransaction {
  /** Inserted events that came with their model, for RecentEvents once committed. */
  readonly stored: StoredEvent[] = [];

  constructor(
    private readonly trx: Transaction<Database>,
    private readonly ids: IdGenerator,
    private readonly statements: IngestStatements,
    /** Several processes may ingest into this database at once (PostgreSQL). */
    private readonly sharedChains: boolean,
  ) {}

  async idempotencyRecords(refs: readonly { tenantId: string; key: string }[], now: Date): Promise<IdempotencyRecord[]> {
    if (refs.length === 0) return [];
    const rows = await this.trx
      .selectFrom('idempotency_keys')
      .selectAll()
      .where((eb) => eb(eb.refTuple('tenant_id', 'key'), 'in', refs.map((r) => eb.tuple(r.tenantId, r.key))))
      .where('expires_at', '>', now.getTime())
      .execute();
    return rows.map((r) => ({ tenantId: r.tenant_id, key: r.key, bodyHash: r.body_hash, expiresAt: new Date(r.expires_at) }));
  }

  async saveIdempotencyRecords(records: readonly IdempotencyRecord[], now: Date): Promise<{ tenantId: string; key: string }[]> {
    if (records.length === 0) return [];
    const saved = await this.trx
      .insertInto('idempotency_keys')
      .values(records.map((r) => ({ tenant_id: r.tenantId, key: r.key, body_hash: r.bodyHash, expires_at: r.expiresAt.getTime() })))
      .onConflict((oc) =>
        oc
          .columns(['tenant_id', 'key'])
          .doUpdateSet((eb) => ({
            body_hash: eb.ref('excluded.body_hash'),
            expires_at: eb.ref('excluded.expires_at'),
          }))
          // Only an expired record gives way; a live one was written by a transaction that
          // committed after ours read (PostgreSQL waits for it here, then sees it).
          .where('idempotency_keys.expires_at', '<=', now.getTime()),
      )
      .returning(['tenant_id', 'key'])
      .execute();
    const written = new Set(saved.map((r) => `${r.tenant_id}\u0000${r.key}`));
    return records.filter((r) => !written.has(`${r.tenantId}\u0000${r.key}`)).map((r) => ({ tenantId: r.tenantId, key: r.key }));
  }

  async storedBodies(refs: readonly BodyRef[]): Promise<BodyRef[]> {
    if (refs.length === 0) return [];
    const keys = refs.map((r) => ({ tenant_id: r.tenantId, kind: r.kind, resource_key: r.resourceKey, body_hash: r.bodyHash }));
    const { rows } = await this.statements.storedBodies.execute(keys, this.trx);
    return rows.map((r) => ({ tenantId: r.tenant_id, kind: r.kind, resourceKey: r.resource_key, bodyHash: r.body_hash }));
  }

  async resourceStates(refs: readonly ResourceRef[]): Promise<Map<string, ResourceState>> {
    const states = new Map<string, ResourceState>();
    if (refs.length === 0) return states;
    const keys = refs.map((r) => ({ tenant_id: r.tenantId, kind: r.kind, resource_key: r.resourceKey }));
    for (const r of (await this.statements.resourceStates.execute(keys, this.trx)).rows) {
      states.set(resourceRefKey({ tenantId: r.tenant_id, kind: r.kind, resourceKey: r.resource_key }), {
        revisions: r.revisions,
        progress: r.progress,
      });
    }
    return states;
  }

  async applyResourceChanges(changes: readonly ResourceChange[]): Promise<Map<string, ResourceState>> {
    const states = new Map<string, ResourceState>();
    if (changes.length === 0) return states;
    const rows = changes.map((c) => ({
      tenant_id: c.tenantId,
      kind: c.kind,
      resource_key: c.resourceKey,
      revisions: c.addRevisions,
      progress: c.progress,
      latest_event_id: c.latestEventId,
      updated_at: c.at.getTime(),
    }));
    for (const r of (await this.statements.applyResourceChanges.execute(rows, this.trx)).rows) {
      states.set(resourceRefKey({ tenantId: r.tenant_id, kind: r.kind, resourceKey: r.resource_key }), {
        revisions: r.revisions,
        progress: r.progress,
      });
    }
    return states;
  }

  async insertEvents(events: readonly NewEvent[]): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const rows = events.map((event) => ({
      id: event.id,
      tenant_id: event.tenantId,
      kind: event.kind,
      resource_key: event.resourceKey,
      body_hash: event.bodyHash,
      revision: event.revision,
      outcome: event.outcome,
      raw_body: event.rawBody,
      idempotency_key: event.idempotencyKey,
      received_at: event.receivedAt.getTime(),
    }));
    const inserted = new Set((await this.statements.insertEvents.execute(rows, this.trx)).rows.map((r) => r.id));
    for (const event of events) {
      if (event.normalized !== undefined && inserted.has(event.id)) this.stored.push({ ...event, normalized: event.normalized });
    }
    return inserted;
  }

  async enqueue(jobs: readonly JobSpec[], now: Date): Promise<void> {
    if (jobs.length === 0) return;
    await this.statements.insertJobs.execute(
      jobs.map((job) => newJobRow(this.ids.next('job'), job, now)),
      this.trx,
    );
  }

  async parkedChains(tenantIds: readonly string[]): Promise<Map<string, Date>> {
    const chains = new Map<string, Date>();
    // One API process per SQLite file: no statement on the hot path for a chain nobody shares.
    if (!this.sharedChains || tenantIds.length === 0) return chains;
    const rows = await this.trx.selectFrom('parked_chains').selectAll().where('tenant_id', 'in', [...new Set(tenantIds)]).execute();
    for (const row of rows) chains.set(row.tenant_id, new Date(row.last_run_at));
    return chains;
  }

  async extendParkedChains(lastRunAt: ReadonlyMap<string, Date>): Promise<void> {
    if (!this.sharedChains || lastRunAt.size === 0) return;
    // Sorted: two processes extending the same tenants lock their rows in one order.
    const rows = [...lastRunAt].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([tenantId, at]) => ({ tenant_id: tenantId, last_run_at: at.getTime() }));
    await this.trx
      .insertInto('parked_chains')
      .values(rows)
      .onConflict((oc) =>
        oc.column('tenant_id').doUpdateSet((eb) => ({
          last_run_at: eb
            .case()
            .when(eb.ref('excluded.last_run_at'), '>', eb.ref('parked_chains.last_run_at'))
            .then(eb.ref('excluded.last_run_at'))
            .else(eb.ref('parked_chains.last_run_at'))
            .end(),
        })),
      )
      .execute();
  }
}

export class SqlEventStore implements EventStore {
  /** Every event job reads its event: compiled once (see prepared-query.ts). */
  private readonly getEvent;
  private readonly recent: RecentEvents;
  private readonly statements: IngestStatements;
  private readonly sharedChains: boolean;

  /** `keepRecent`: how many just-stored events to keep for their jobs (0 where another process plans them). */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly ids: IdGenerator,
    capabilities: Capabilities,
    keepRecent?: number,
  ) {
    this.recent = new RecentEvents(keepRecent);
    this.statements = prepareIngestStatements(db, capabilities);
    this.sharedChains = !capabilities.singleWriter;
    this.getEvent = prepareQuery(db, ['tenantId', 'eventId'], (p: { tenantId: string; eventId: string }) =>
      db.selectFrom('events').selectAll().where('tenant_id', '=', p.tenantId).where('id', '=', p.eventId),
    );
  }

  async ingest<T>(work: (tx: IngestTransaction) => Promise<T>): Promise<T> {
    let tx: SqlIngestTransaction | undefined;
    const result = await this.db.transaction().execute((trx) => work((tx = new SqlIngestTransaction(trx, this.ids, this.statements, this.sharedChains))));
    this.recent.remember(tx?.stored ?? []);
    return result;
  }

  async idempotencyHash(tenantId: string, key: string, now: Date): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('idempotency_keys')
      .select('body_hash')
      .where('tenant_id', '=', tenantId)
      .where('key', '=', key)
      .where('expires_at', '>', now.getTime())
      .executeTakeFirst();
    return row?.body_hash;
  }

  async list(tenantId: string, page: PageRequest, filter: EventFilter = {}): Promise<Page<StoredEvent>> {
    let query = this.db
      .selectFrom('events')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('id', 'desc')
      .limit(page.limit + 1);
    if (page.cursor !== null) query = query.where('id', '<', page.cursor);
    if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
    if (filter.resourceKey !== undefined) query = query.where('resource_key', '=', filter.resourceKey);
    return toPage(await query.execute(), page.limit, fromRow);
  }

  async get(tenantId: string, eventId: string): Promise<StoredEvent | undefined> {
    const recent = this.recent.take(tenantId, eventId);
    if (recent !== undefined) return recent;
    const row = await this.getEvent.executeTakeFirst({ tenantId, eventId });
    return row === undefined ? undefined : fromRow(row);
  }

  async latestOf(tenantId: string, kind: string, resourceKey: string): Promise<StoredEvent | undefined> {
    const row = await this.db
      .selectFrom('events')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('kind', '=', kind)
      .where('resource_key', '=', resourceKey)
      .orderBy('revision', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  async deliveryProgressOf(tenantId: string, orderId: string): Promise<number> {
    // Progress keys are "orderId|fulfillmentId"; the order id is matched exactly, not as a pattern.
    const rows = await this.db
      .selectFrom('resources')
      .select(['resource_key', 'progress'])
      .where('tenant_id', '=', tenantId)
      .where('kind', '=', 'delivery_progress')
      .where('resource_key', '>=', `${orderId}|`)
      .where('resource_key', '<', `${orderId}}`)
      .execute();
    return rows.filter((r) => r.resource_key.startsWith(`${orderId}|`)).reduce((max, r) => Math.max(max, r.progress), 0);
  }

  async exists(tenantId: string, kind: string, resourceKey: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('resources')
      .select('revisions')
      .where('tenant_id', '=', tenantId)
      .where('kind', '=', kind)
      .where('resource_key', '=', resourceKey)
      .executeTakeFirst();
    return row !== undefined;
  }

  async acceptedSince(tenantId: string, since: Date, limit: number, afterId: string | null): Promise<StoredEvent[]> {
    let query = this.db
      .selectFrom('events')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('outcome', '=', 'accepted')
      .where('received_at', '>=', since.getTime())
      .orderBy('id')
      .limit(limit);
    if (afterId !== null) query = query.where('id', '>', afterId);
    return (await query.execute()).map(fromRow);
  }

  async purgeExpiredIdempotencyKeys(now: Date): Promise<number> {
    const result = await this.db.deleteFrom('idempotency_keys').where('expires_at', '<=', now.getTime()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
