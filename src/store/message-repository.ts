import type { Kysely, Selectable, Transaction } from 'kysely';
import { afterStatus, type MessageState } from '../domain/messages/message-state.js';
import type { JobSpec } from '../domain/ports/job-queue.js';
import type { IdGenerator } from '../domain/ports/ids.js';
import type { OutgoingMessage } from '../domain/ports/message-sender.js';
import type {
  MessageCategory,
  MessageFilter,
  MessageRecord,
  MessageStore,
  NewMessage,
  StatusRecord,
  StatusReport,
} from '../domain/ports/message-store.js';
import type { Page, PageRequest } from '../domain/ports/page.js';
import { lockKeys, type Capabilities } from './connect.js';
import { deleteJobs, newJobRow } from './job-rows.js';
import { prepareStatements } from './message-statements.js';
import { GroupCommit } from '../shared/group-commit.js';
import { toPage } from './paging.js';
import type { Database, MessageStatusesTable, MessagesTable } from './schema.js';

const date = (ms: number | null) => (ms === null ? null : new Date(ms));

function fromRow(row: Selectable<MessagesTable>): MessageRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    eventId: row.event_id,
    dedupeKey: row.dedupe_key,
    sequence: row.sequence,
    kind: row.kind,
    category: row.category as MessageCategory,
    orderId: row.order_id,
    recipient: row.recipient,
    state: row.state as MessageState,
    skipReason: row.skip_reason,
    body: row.body === null ? null : (JSON.parse(row.body) as OutgoingMessage),
    waId: row.wa_id,
    wamid: row.wamid,
    errorCode: row.error_code,
    errorDetail: row.error_detail,
    attempts: row.attempts,
    sendStartedAt: date(row.send_started_at),
    sentAt: date(row.sent_at),
    deliveredAt: date(row.delivered_at),
    readAt: date(row.read_at),
    failedAt: date(row.failed_at),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function statusFromRow(row: Selectable<MessageStatusesTable>): StatusRecord {
  return {
    wamid: row.wamid,
    status: row.status as StatusReport['status'],
    at: new Date(row.at),
    errorCode: row.error_code,
    errorDetail: row.error_detail,
    callbackData: row.callback_data,
    receivedAt: new Date(row.received_at),
  };
}

/** Meta's timestamps are whole seconds: within one second, the life order decides. */
const LIFE_RANK = { sent: 0, delivered: 1, read: 2, failed: 3 } as const;
function inLifeOrder(a: { at: Date; status: StatusReport['status'] }, b: { at: Date; status: StatusReport['status'] }): number {
  return a.at.getTime() - b.at.getTime() || LIFE_RANK[a.status] - LIFE_RANK[b.status];
}

const TIME_COLUMN = { sent: 'sent_at', delivered: 'delivered_at', read: 'read_at', failed: 'failed_at' } as const;

/** A send Meta accepted: the message gets its wamid; the send job, if named, is removed. */
interface Acceptance {
  id: string;
  wamid: string;
  waId: string;
  at: Date;
  finishing: string | null;
}

/** A message to plan, with its send job and the job planning it (removed in the same commit). */
interface Plan {
  message: NewMessage;
  sendJob: JobSpec | null;
  finishing: string | null;
}

/** A send about to start: marked before the request goes out. */
interface SendStart {
  id: string;
  at: Date;
}

/** The jobs that a batch's commit finishes along with their work. */
function finishedJobs(items: readonly { finishing: string | null }[]): string[] {
  return items.flatMap((item) => (item.finishing === null ? [] : [item.finishing]));
}

/** Messages planned, started or accepted in one commit at most (a turn's worth under load). */
const MAX_BATCH = 256;

export class SqlMessageStore implements MessageStore {
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly plans: GroupCommit<Plan, boolean>;
  private readonly acceptances: GroupCommit<Acceptance, MessageState>;
  private readonly sendStarts: GroupCommit<SendStart, void>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly ids: IdGenerator,
    private readonly capabilities: Capabilities,
  ) {
    this.statements = prepareStatements(db);
    this.plans = new GroupCommit((take) => this.planBatch(take), MAX_BATCH, 'take-late');
    this.acceptances = new GroupCommit((take) => this.acceptBatch(take), MAX_BATCH, 'take-late');
    this.sendStarts = new GroupCommit((take) => this.sendStartBatch(take), MAX_BATCH, 'take-late');
  }

  async plan(message: NewMessage, sendJob: JobSpec | null, finishing: string | null = null): Promise<boolean> {
    return this.plans.submit({ message, sendJob, finishing });
  }

  /** Plans made in the same turn of the event loop (a batch of event jobs) share one commit. */
  private async planBatch(take: () => readonly Plan[]): Promise<boolean[]> {
    return this.db.transaction().execute(async (trx) => {
      const items = take();
      const planned: boolean[] = [];
      for (const { message, sendJob } of items) {
        const at = message.createdAt.getTime();
        const inserted = await this.statements.insert.executeTakeFirst(
          {
            id: message.id,
            tenant_id: message.tenantId,
            event_id: message.eventId,
            dedupe_key: message.dedupeKey,
            sequence: message.sequence,
            kind: message.kind,
            category: message.category,
            order_id: message.orderId,
            recipient: message.recipient,
            state: message.state,
            skip_reason: message.skipReason,
            body: message.body === null ? null : JSON.stringify(message.body),
            created_at: at,
            updated_at: at,
          },
          trx,
        );
        if (inserted !== undefined && sendJob !== null) {
          await this.statements.insertJob.execute(newJobRow(this.ids.next('job'), sendJob, message.createdAt), trx);
        }
        planned.push(inserted !== undefined);
      }
      // Finished with what it planned: the event job's own completion would be another commit.
      await deleteJobs(trx, finishedJobs(items));
      return planned;
    });
  }

  async get(id: string): Promise<MessageRecord | undefined> {
    const row = await this.statements.get.executeTakeFirst({ id });
    return row === undefined ? undefined : fromRow(row);
  }

  async list(tenantId: string, page: PageRequest, filter: MessageFilter = {}): Promise<Page<MessageRecord>> {
    let query = this.db.selectFrom('messages').selectAll().where('tenant_id', '=', tenantId).orderBy('id', 'desc').limit(page.limit + 1);
    if (page.cursor !== null) query = query.where('id', '<', page.cursor);
    if (filter.state !== undefined) query = query.where('state', '=', filter.state);
    if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
    if (filter.orderId !== undefined) query = query.where('order_id', '=', filter.orderId);
    return toPage(await query.execute(), page.limit, fromRow);
  }

  async hasEarlierPending(tenantId: string, recipient: string, sequence: string): Promise<boolean> {
    const row = await this.statements.earlierPending.executeTakeFirst({ tenantId, recipient, sequence });
    return row !== undefined;
  }

  async countUnsent(tenantId: string, atMost: number): Promise<number> {
    const row = await this.statements.countUnsent.executeTakeFirst({ tenantId, atMost });
    return Number(row?.n ?? 0);
  }

  async markSending(id: string, at: Date): Promise<void> {
    return this.sendStarts.submit({ id, at });
  }

  /**
   * Sends starting while the last mark waited for the write lock share the next commit: on
   * SQLite the mark was the costliest statement of a message's life when each had a commit
   * of its own. Each send still goes out only once its mark is committed.
   */
  private async sendStartBatch(take: () => readonly SendStart[]): Promise<void[]> {
    return this.db.transaction().execute(async (trx) => {
      const items = take();
      for (const { id, at } of items) {
        await this.statements.markSending.execute({ sendStartedAt: at.getTime(), updatedAt: at.getTime(), id }, trx);
      }
      return items.map(() => undefined);
    });
  }

  async markAccepted(id: string, wamid: string, waId: string, at: Date, finishing: string | null = null): Promise<MessageState> {
    return this.acceptances.submit({ id, wamid, waId, at, finishing });
  }

  /** Sends whose answers came in the same turn of the event loop are recorded in one commit. */
  private async acceptBatch(take: () => readonly Acceptance[]): Promise<MessageState[]> {
    return this.db.transaction().execute(async (trx) => {
      const items = take();
      // Statuses for these wamids may be being recorded right now: take turns on them.
      await lockKeys(trx, this.capabilities, items.map((a) => a.wamid));
      for (const { id, wamid, waId, at } of items) {
        await this.statements.markAccepted.execute({ wamid, waId, updatedAt: at.getTime(), id }, trx);
      }
      // Statuses that came before their wamid was known; the latest answer's time stamps them.
      await this.applyPending(trx, items.map((a) => a.wamid), items[items.length - 1]!.at);
      const states: MessageState[] = [];
      for (const { id } of items) states.push((await this.statements.stateOf.executeTakeFirstOrThrow({ id }, trx)).state as MessageState);
      await deleteJobs(trx, finishedJobs(items));
      return states;
    });
  }

  async markRetrying(id: string, code: number | null, detail: string, at: Date): Promise<void> {
    await this.db
      .updateTable('messages')
      .set({ state: 'queued', error_code: code, error_detail: detail.slice(0, 1000), updated_at: at.getTime() })
      .where('id', '=', id)
      .execute();
  }

  async markFailed(id: string, code: number | null, detail: string, at: Date): Promise<void> {
    await this.db
      .updateTable('messages')
      .set({ state: 'failed', error_code: code, error_detail: detail.slice(0, 1000), failed_at: at.getTime(), updated_at: at.getTime() })
      .where('id', '=', id)
      .execute();
  }

  async markSkipped(id: string, reason: string, at: Date): Promise<void> {
    await this.db
      .updateTable('messages')
      .set({ state: 'skipped', skip_reason: reason, updated_at: at.getTime() })
      .where('id', '=', id)
      .execute();
  }

  async requeue(id: string, sendJob: JobSpec, at: Date): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('messages')
        .set({ state: 'queued', send_started_at: null, failed_at: null, updated_at: at.getTime() })
        .where('id', '=', id)
        .where('state', 'in', ['failed', 'queued'])
        .where('wamid', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      await trx.deleteFrom('jobs').where('job_key', '=', sendJob.key ?? '').where('state', '=', 'dead').execute();
      await trx.insertInto('jobs').values(newJobRow(this.ids.next('job'), sendJob, at)).execute();
      return true;
    });
  }

  async recordStatuses(statuses: readonly StatusReport[], receivedAt: Date): Promise<StatusReport[]> {
    if (statuses.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      await lockKeys(trx, this.capabilities, statuses.map((s) => s.wamid));
      const inserted = await trx
        .insertInto('message_statuses')
        .values(
          statuses.map((s) => ({
            wamid: s.wamid,
            status: s.status,
            at: s.at.getTime(),
            error_code: s.errorCode,
            error_detail: s.errorDetail,
            callback_data: s.callbackData,
            applied: 0,
            received_at: receivedAt.getTime(),
          })),
        )
        .onConflict((oc) => oc.columns(['wamid', 'status']).doNothing())
        .returning(['wamid', 'status'])
        .execute();
      await this.applyPending(trx, [...new Set(inserted.map((r) => r.wamid))], receivedAt);
      const fresh = new Set(inserted.map((r) => `${r.wamid}\u0000${r.status}`));
      return statuses.filter((s) => fresh.has(`${s.wamid}\u0000${s.status}`));
    });
  }

  /** Applies unapplied statuses of these wamids to their messages, if the messages are known. */
  private async applyPending(trx: Transaction<Database>, wamids: string[], now: Date): Promise<void> {
    if (wamids.length === 0) return;
    // By wamid only (the primary key): these wamids' statuses are few, applied or not.
    const pending = (await trx.selectFrom('message_statuses').selectAll().where('wamid', 'in', wamids).execute()).filter(
      (row) => row.applied === 0,
    );
    if (pending.length === 0) return;
    const messages = await trx.selectFrom('messages').selectAll().where('wamid', 'in', [...new Set(pending.map((p) => p.wamid))]).execute();
    const byWamid = new Map(messages.map((m) => [m.wamid!, m]));
    for (const [wamid, message] of byWamid) {
      let state = message.state as MessageState;
      const changes: Partial<Record<'sent_at' | 'delivered_at' | 'read_at' | 'failed_at', number>> = {};
      let errorCode = message.error_code;
      let errorDetail = message.error_detail;
      // In the order they happened, whatever order they came in or were stored in: the
      // outcome must not depend on how Meta batched them.
      const statuses = pending.filter((p) => p.wamid === wamid).sort((a, b) => inLifeOrder(statusFromRow(a), statusFromRow(b)));
      for (const status of statuses) {
        const name = status.status as StatusReport['status'];
        const before = state;
        state = afterStatus(state, name);
        if (name !== 'failed') {
          changes[TIME_COLUMN[name]] = status.at;
        } else if (state === 'failed' && before !== 'failed') {
          // A failure that changed nothing (the customer has the message) leaves no error on it.
          changes.failed_at = status.at;
          errorCode = status.error_code;
          errorDetail = status.error_detail;
        }
      }
      await trx
        .updateTable('messages')
        .set({ state, ...changes, error_code: errorCode, error_detail: errorDetail, updated_at: now.getTime() })
        .where('id', '=', message.id)
        .execute();
    }
    if (byWamid.size === 0) return;
    await trx.updateTable('message_statuses').set({ applied: 1 }).where('wamid', 'in', [...byWamid.keys()]).execute();
  }

  async statusesOf(wamid: string): Promise<StatusRecord[]> {
    const rows = await this.db.selectFrom('message_statuses').selectAll().where('wamid', '=', wamid).execute();
    return rows.map(statusFromRow).sort(inLifeOrder);
  }

  async statusByCallback(messageId: string): Promise<StatusRecord | undefined> {
    const row = await this.db.selectFrom('message_statuses').selectAll().where('callback_data', '=', messageId).executeTakeFirst();
    return row === undefined ? undefined : statusFromRow(row);
  }

  async purgeWaitingStatuses(before: Date): Promise<number> {
    const result = await this.statements.purgeWaitingStatuses.execute({ before: before.getTime() });
    return Number(result.numAffectedRows ?? 0n);
  }

  async recentToCustomer(
    tenantId: string,
    recipient: string,
    kinds: readonly string[],
    since: Date,
  ): Promise<{ kind: string; dedupeKey: string; state: MessageState }[]> {
    if (kinds.length === 0) return [];
    const rows = await this.db
      .selectFrom('messages')
      .select(['kind', 'dedupe_key', 'state'])
      .where('tenant_id', '=', tenantId)
      .where('recipient', '=', recipient)
      .where('kind', 'in', [...kinds])
      .where('created_at', '>=', since.getTime())
      .execute();
    return rows.map((r) => ({ kind: r.kind, dedupeKey: r.dedupe_key, state: r.state as MessageState }));
  }

  async counts(tenantId: string): Promise<{ kind: string; state: string; errorCode: number | null; n: number }[]> {
    const rows = await this.db
      .selectFrom('messages')
      .select(['kind', 'state', 'error_code'])
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenantId)
      .groupBy(['kind', 'state', 'error_code'])
      .execute();
    return rows.map((r) => ({ kind: r.kind, state: r.state, errorCode: r.error_code, n: Number(r.n) }));
  }
}
