/**
 * What operators see and do with messages: lists with status history, retrying a failed
 * message, and per-kind statistics (sent, delivered, read, failed by code, link clicks).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { Clock } from '../domain/ports/clock.js';
import type { LinkStore } from '../domain/ports/link-store.js';
import type { MessageFilter, MessageStore } from '../domain/ports/message-store.js';
import type { Page, PageRequest } from '../domain/ports/page.js';
import { ConflictError, NotFoundError } from './errors.js';
import { messageDetail, messageView, type MessageDetail, type MessageView } from './message-view.js';
import { sendJobFor } from './plan-notifications.js';

const count = (description: string) => Type.Integer({ minimum: 0, description });

/** One kind of message in the stats; each count includes what went further (a read message was also sent). */
export const KindStats = Type.Object({
  queued: count('Waiting to be sent'),
  sending: count('Being sent now'),
  sent: count('Accepted by Meta, including those delivered and read'),
  delivered: count('Reached the phone, including those read'),
  read: count('Read'),
  failed: count('Failed'),
  skipped: count('Not sent, with a reason'),
  linkClicks: count('Taps on the links of these messages'),
  failedByCode: Type.Record(Type.String(), Type.Integer(), { description: "Failures by Meta's error code (\"none\": no code)" }),
});
export type KindStats = Static<typeof KindStats>;

/** Stats per message kind, by the kind's name. */
export const MessageStats = Type.Record(Type.String(), KindStats);
export type MessageStats = Static<typeof MessageStats>;

export class MessageOperations {
  constructor(
    private readonly messages: MessageStore,
    private readonly links: LinkStore,
    private readonly clock: Clock,
  ) {}

  async list(tenantId: string, page: PageRequest, filter: MessageFilter): Promise<Page<MessageView>> {
    const result = await this.messages.list(tenantId, page, filter);
    return { items: result.items.map((m) => messageView(m)), nextCursor: result.nextCursor };
  }

  async get(tenantId: string | null, id: string): Promise<MessageDetail> {
    const message = await this.messages.get(id);
    if (message === undefined || (tenantId !== null && message.tenantId !== tenantId)) throw new NotFoundError(`message ${id}`);
    return messageDetail(message, message.wamid === null ? [] : await this.messages.statusesOf(message.wamid));
  }

  /** Sends a failed message again (a dead letter an operator has looked at). */
  async retry(id: string): Promise<MessageDetail> {
    const message = await this.messages.get(id);
    if (message === undefined) throw new NotFoundError(`message ${id}`);
    if (message.state !== 'failed' || message.wamid !== null || message.body === null) {
      throw new ConflictError(
        message.state === 'failed' && message.wamid !== null
          ? `message ${id} was accepted by Meta and then failed; sending it again could reach the customer twice, so only a failed message Meta never accepted can be retried`
          : `message ${id} is ${message.state}: only a failed message that Meta never accepted can be retried`,
      );
    }
    const now = this.clock.now();
    await this.messages.requeue(id, sendJobFor(message.tenantId, id, now), now);
    return this.get(null, id);
  }

  async stats(tenantId: string): Promise<MessageStats> {
    const byKind: MessageStats = {};
    const of = (kind: string): KindStats =>
      (byKind[kind] ??= { queued: 0, sending: 0, sent: 0, delivered: 0, read: 0, failed: 0, skipped: 0, linkClicks: 0, failedByCode: {} });
    for (const row of await this.messages.counts(tenantId)) {
      const stats = of(row.kind);
      // "sent" counts everything Meta took, "delivered" everything that reached the phone, and so on.
      switch (row.state) {
        case 'read':
          stats.read += row.n;
          stats.delivered += row.n;
          stats.sent += row.n;
          break;
        case 'delivered':
          stats.delivered += row.n;
          stats.sent += row.n;
          break;
        case 'sent':
        case 'accepted':
          stats.sent += row.n;
          break;
        case 'failed': {
          stats.failed += row.n;
          const code = String(row.errorCode ?? 'none');
          stats.failedByCode[code] = (stats.failedByCode[code] ?? 0) + row.n;
          break;
        }
        case 'queued':
          stats.queued += row.n;
          break;
        case 'sending':
          stats.sending += row.n;
          break;
        case 'skipped':
          stats.skipped += row.n;
          break;
      }
    }
    for (const { kind, clicks } of await this.links.clicksByKind(tenantId)) of(kind).linkClicks += clicks;
    return byKind;
  }
}
