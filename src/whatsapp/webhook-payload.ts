/**
 * Meta's webhook body (reference: whatsapp-cloud-api.md, Webhooks) read into what Orderline
 * acts on: statuses, customers' messages and marketing preferences, per phone number id.
 * Schema first: the shapes below validate, type and document the parts we read; anything
 * else in the body is ignored, and an entry that does not fit is skipped, not fatal.
 */
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { isDeliveryStatus } from '../domain/messages/message-state.js';
import type { ReceivedMessage, WebhookNotices } from '../domain/messages/webhook-notices.js';
import type { StatusReport } from '../domain/ports/message-store.js';

const Str = Type.String();
const Id = Type.Union([Type.String(), Type.Number()]);

const Status = Type.Object({
  id: Str,
  status: Str,
  timestamp: Id,
  recipient_id: Type.Optional(Str),
  biz_opaque_callback_data: Type.Optional(Str),
  errors: Type.Optional(Type.Array(Type.Object({ code: Type.Number(), title: Type.Optional(Str), message: Type.Optional(Str) }))),
});

const IncomingMessage = Type.Object({
  from: Type.Optional(Str),
  id: Str,
  timestamp: Id,
  type: Str,
  text: Type.Optional(Type.Object({ body: Str })),
  interactive: Type.Optional(
    Type.Object({
      type: Str,
      button_reply: Type.Optional(Type.Object({ id: Str, title: Str })),
      list_reply: Type.Optional(Type.Object({ id: Str, title: Str, description: Type.Optional(Str) })),
    }),
  ),
  button: Type.Optional(Type.Object({ payload: Str, text: Type.Optional(Str) })),
  context: Type.Optional(Type.Object({ from: Type.Optional(Str), id: Type.Optional(Str) })),
  user_id: Type.Optional(Str),
});

const Contact = Type.Object({
  wa_id: Type.Optional(Str),
  user_id: Type.Optional(Str),
  profile: Type.Optional(Type.Object({ name: Type.Optional(Str) })),
});

const Preference = Type.Object({ wa_id: Str, category: Str, value: Str, timestamp: Type.Optional(Id) });

const Change = Type.Object({
  field: Str,
  value: Type.Object({
    metadata: Type.Optional(Type.Object({ phone_number_id: Id, display_phone_number: Type.Optional(Str) })),
    statuses: Type.Optional(Type.Array(Status)),
    messages: Type.Optional(Type.Array(IncomingMessage)),
    contacts: Type.Optional(Type.Array(Contact)),
    user_preferences: Type.Optional(Type.Array(Preference)),
  }),
});
const changeCheck = TypeCompiler.Compile(Change);

export type WebhookStatus = Static<typeof Status>;
export type WebhookMessage = Static<typeof IncomingMessage>;
export type WebhookContact = Static<typeof Contact>;
export type WebhookPreference = Static<typeof Preference>;

export interface WebhookChange {
  field: string;
  phoneNumberId: string | null;
  statuses: WebhookStatus[];
  messages: WebhookMessage[];
  contacts: WebhookContact[];
  preferences: WebhookPreference[];
}

export function readWebhook(body: unknown): { changes: WebhookChange[]; skipped: number } {
  const changes: WebhookChange[] = [];
  let skipped = 0;
  const entries = typeof body === 'object' && body !== null && 'entry' in body ? body.entry : undefined;
  if (!Array.isArray(entries)) return { changes, skipped };
  for (const entry of entries as unknown[]) {
    const list = typeof entry === 'object' && entry !== null && 'changes' in entry ? entry.changes : undefined;
    if (!Array.isArray(list)) continue;
    for (const change of list as unknown[]) {
      if (!changeCheck.Check(change)) {
        skipped++;
        continue;
      }
      const id = change.value.metadata?.phone_number_id;
      changes.push({
        field: change.field,
        phoneNumberId: id === undefined ? null : String(id),
        statuses: change.value.statuses ?? [],
        messages: change.value.messages ?? [],
        contacts: change.value.contacts ?? [],
        preferences: change.value.user_preferences ?? [],
      });
    }
  }
  return { changes, skipped };
}

const unixSeconds = (value: string | number): Date => new Date(Number(value) * 1000);

function status(s: WebhookStatus): StatusReport | null {
  if (!isDeliveryStatus(s.status)) return null;
  const error = s.errors?.[0];
  return {
    wamid: s.id,
    status: s.status,
    at: unixSeconds(s.timestamp),
    errorCode: error?.code ?? null,
    errorDetail: error === undefined ? null : (error.message ?? error.title ?? null),
    callbackData: s.biz_opaque_callback_data ?? null,
    recipientId: s.recipient_id ?? null,
  };
}

function message(m: WebhookMessage, contacts: WebhookContact[]): ReceivedMessage | null {
  const contact = contacts.find((c) => c.wa_id !== undefined && c.wa_id === m.from) ?? contacts[0];
  const customer = m.from ?? contact?.wa_id ?? m.user_id ?? contact?.user_id;
  if (customer === undefined) return null;
  const reply = m.interactive?.button_reply ?? m.interactive?.list_reply;
  return {
    wamid: m.id,
    customer,
    waId: m.from ?? contact?.wa_id ?? null,
    userId: m.user_id ?? contact?.user_id ?? null,
    profileName: contact?.profile?.name ?? null,
    type: m.type,
    text: m.text?.body ?? reply?.title ?? m.button?.text ?? null,
    choice: reply?.id ?? m.button?.payload ?? null,
    replyTo: m.context?.id ?? null,
    sentAt: unixSeconds(m.timestamp),
    raw: m,
  };
}

/** A webhook body as what it tells us, per phone number id. */
export function webhookNotices(body: unknown, receivedAt: Date): WebhookNotices[] {
  const notices: WebhookNotices[] = [];
  for (const change of readWebhook(body).changes) {
    if (change.phoneNumberId === null) continue;
    notices.push({
      phoneNumberId: change.phoneNumberId,
      statuses: change.statuses.map(status).filter((s): s is StatusReport => s !== null),
      messages: change.messages.map((m) => message(m, change.contacts)).filter((m): m is ReceivedMessage => m !== null),
      preferences: change.preferences
        .filter((p): p is WebhookPreference & { value: 'stop' | 'resume' } => p.value === 'stop' || p.value === 'resume')
        .map((p) => ({ customer: p.wa_id, category: p.category, value: p.value, at: p.timestamp === undefined ? receivedAt : unixSeconds(p.timestamp) })),
    });
  }
  return notices;
}

/** The phone number ids a webhook is about (to find the tenants and their app secrets). */
export function webhookPhoneNumberIds(body: unknown): string[] {
  return [...new Set(readWebhook(body).changes.flatMap((c) => (c.phoneNumberId === null ? [] : [c.phoneNumberId])))];
}
