/**
 * A message as the admin API shows it: in lists without its status history, alone (and after
 * a retry) with it, `statuses` before `body` as it has always been. The schemas are the
 * answers' contract (see tenant-view.ts).
 */
import { Type, type Static } from '@sinclair/typebox';
import { MESSAGE_KINDS } from '../domain/messages/message-kind.js';
import { MESSAGE_STATES } from '../domain/messages/message-state.js';
import type { MessageRecord, StatusRecord } from '../domain/ports/message-store.js';
import { IsoTime, Nullable, OpenJson, StringEnum } from '../shared/answer-types.js';

const fields = {
  id: Type.String(),
  tenantId: Type.String(),
  kind: Type.String({ description: `One of ${MESSAGE_KINDS.join(', ')}` }),
  category: StringEnum(['utility', 'marketing', 'service']),
  state: StringEnum(MESSAGE_STATES),
  skipReason: Nullable(Type.String(), { description: 'Why it was not sent (state skipped)' }),
  recipient: Nullable(Type.String(), { description: "The customer's number as international digits; null when none was usable" }),
  waId: Nullable(Type.String(), { description: 'The WhatsApp id Meta answered with' }),
  wamid: Nullable(Type.String(), { description: "Meta's message id, once Meta accepted it" }),
  orderId: Nullable(Type.String()),
  eventId: Nullable(Type.String(), { description: 'The guest event that caused it' }),
  eventUrl: Nullable(Type.String(), { description: 'Where the admin API shows that event' }),
  errorCode: Nullable(Type.Integer(), { description: "Meta's error code of the last failure" }),
  errorDetail: Nullable(Type.String()),
  attempts: Type.Integer(),
  createdAt: IsoTime(),
  sentAt: Nullable(IsoTime()),
  deliveredAt: Nullable(IsoTime()),
  readAt: Nullable(IsoTime()),
  failedAt: Nullable(IsoTime()),
  updatedAt: IsoTime(),
};
const body = OpenJson('The Cloud API request body it is sent with (template, text or interactive), or null for a skipped message');

const MessageStatus = Type.Object({
  status: StringEnum(['sent', 'delivered', 'read', 'failed']),
  at: IsoTime({ description: 'When it happened, as Meta says' }),
  receivedAt: IsoTime(),
  errorCode: Nullable(Type.Integer()),
  errorDetail: Nullable(Type.String()),
});

/** One row of a list of messages. */
export const MessageView = Type.Object({ ...fields, body });
export type MessageView = Static<typeof MessageView>;

/** One message with every status Meta reported for it, oldest first. */
export const MessageDetail = Type.Object({ ...fields, statuses: Type.Array(MessageStatus), body });
export type MessageDetail = Static<typeof MessageDetail>;

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

export function messageView(m: MessageRecord): MessageView {
  return {
    id: m.id,
    tenantId: m.tenantId,
    kind: m.kind,
    category: m.category,
    state: m.state,
    skipReason: m.skipReason,
    recipient: m.recipient,
    waId: m.waId,
    wamid: m.wamid,
    orderId: m.orderId,
    eventId: m.eventId,
    eventUrl: m.eventId === null ? null : `/admin/tenants/${m.tenantId}/events/${m.eventId}`,
    errorCode: m.errorCode,
    errorDetail: m.errorDetail,
    attempts: m.attempts,
    createdAt: m.createdAt.toISOString(),
    sentAt: iso(m.sentAt),
    deliveredAt: iso(m.deliveredAt),
    readAt: iso(m.readAt),
    failedAt: iso(m.failedAt),
    updatedAt: m.updatedAt.toISOString(),
    body: m.body,
  };
}

export function messageDetail(m: MessageRecord, statuses: readonly StatusRecord[]): MessageDetail {
  const { body, ...rest } = messageView(m);
  return {
    ...rest,
    statuses: statuses.map((s) => ({
      status: s.status,
      at: s.at.toISOString(),
      receivedAt: s.receivedAt.toISOString(),
      errorCode: s.errorCode,
      errorDetail: s.errorDetail,
    })),
    body,
  };
}
