import type { Kysely, Selectable, Transaction } from 'kysely';
import type { IdGenerator } from '../domain/ports/ids.js';
import type {
  EventFilter,
  EventOutcome,
  EventStore,
  IdempotencyClaim,
  IngestTransaction,
  NewEvent,
  StoredEvent,
} from '../domain/ports/event-store.js';
import type { JobSpec } from '../domain/ports/job-queue.js';
import type { Page, PageRequest } from '../domain/ports/page.js';
import { newJobRow } from './job-rows.js';
import { toPage } from './paging.js';
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
    normalized: JSON.parse(row.normalized) as unknown,
    idempotencyKey: row.idempotency_key,
    receivedAt: new Date(row.received_at),
  };
}

class SqlIngestTransaction implements IngestTransaction {
  constructor(
    private readonly trx: Transaction<Database>,
    private readonly ids: IdGenerator,
  ) {}

  async claimIdempotencyKey(
    tenantId: string,
    key: string,
    bodyHash: string,
    now: Date,
    expiresAt: Date,
  ): Promise<IdempotencyClaim> {
    const existing = await this.trx
      .selectFrom('idempotency_keys')
      .select(['body_hash', 'expires_at'])
      .where('tenant_id', '=', tenantId)
      .where('key', '=', key)
      .executeTakeFirst();
    if (existing !== undefined && existing.expires_at > now.getTime()) {
      return existing.body_hash === bodyHash ? 'replay' : 'conflict';
    }
    await this.trx
      .insertInto('idempotency_keys')
      .values({ tenant_id: tenantId, key, body_hash: bodyHash, expires_at: expiresAt.getTime() })
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'key']).doUpdateSet({ body_hash: bodyHash, expires_at: expiresAt.getTime() }),
      )
      .execute();
    return 'new';
  }

  async hasSameBody(tenantId: string, kind: string, resourceKey: string, bodyHash: string): Promise<boolean> {
    const row = await this.trx
      .selectFrom('events')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('kind', '=', kind)
      .where('resource_key', '=', resourceKey)
      .where('body_hash', '=', bodyHash)
      .executeTakeFirst();
    return row !== undefined;
  }

  async bumpResource(tenantId: string, kind: string, resourceKey: string, eventId: string, now: Date): Promise<number> {
    const row = await this.trx
      .insertInto('resources')
      .values({
        tenant_id: tenantId,
        kind,
        resource_key: resourceKey,
        revisions: 1,
        progress: 0,
        latest_event_id: eventId,
        updated_at: now.getTime(),
      })
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'kind', 'resource_key']).doUpdateSet((eb) => ({
          revisions: eb('resources.revisions', '+', 1),
          latest_event_id: eventId,
          updated_at: now.getTime(),
        })),
      )
      .returning('revisions')
      .executeTakeFirstOrThrow();
    return row.revisions;
  }

  async resourceExists(tenantId: string, kind: string, resourceKey: string): Promise<boolean> {
    const row = await this.trx
      .selectFrom('resources')
      .select('revisions')
      .where('tenant_id', '=', tenantId)
      .where('kind', '=', kind)
      .where('resource_key', '=', resourceKey)
      .executeTakeFirst();
    return row !== undefined;
  }

  async advanceProgress(
    tenantId: string,
    kind: string,
    resourceKey: string,
    rank: number,
    eventId: string,
    now: Date,
  ): Promise<boolean> {
    const row = await this.trx
      .insertInto('resources')
      .values({
        tenant_id: tenantId,
        kind,
        resource_key: resourceKey,
        revisions: 1,
        progress: rank,
        latest_event_id: eventId,
        updated_at: now.getTime(),
      })
      .onConflict((oc) =>
        oc
          .columns(['tenant_id', 'kind', 'resource_key'])
          .doUpdateSet({ progress: rank, latest_event_id: eventId, updated_at: now.getTime() })
          .where('resources.progress', '<', rank),
      )
      .returning('progress')
      .executeTakeFirst();
    return row !== undefined;
  }

  async insertEvent(event: NewEvent): Promise<boolean> {
    const inserted = await this.trx
      .insertInto('events')
      .values({
        id: event.id,
        tenant_id: event.tenantId,
        kind: event.kind,
        resource_key: event.resourceKey,
        body_hash: event.bodyHash,
        revision: event.revision,
        outcome: event.outcome,
        raw_body: event.rawBody,
        normalized: JSON.stringify(event.normalized),
        idempotency_key: event.idempotencyKey,
        received_at: event.receivedAt.getTime(),
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'kind', 'resource_key', 'body_hash']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async enqueue(job: JobSpec, now: Date): Promise<void> {
    await this.trx.insertInto('jobs').values(newJobRow(this.ids.next('job'), job, now)).execute();
  }
}

export class SqlEventStore implements EventStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly ids: IdGenerator,
  ) {}

  async ingest<T>(work: (tx: IngestTransaction) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(new SqlIngestTransaction(trx, this.ids)));
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
    const row = await this.db
      .selectFrom('events')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', eventId)
      .executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  async purgeExpiredIdempotencyKeys(now: Date): Promise<number> {
    const result = await this.db.deleteFrom('idempotency_keys').where('expires_at', '<=', now.getTime()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
