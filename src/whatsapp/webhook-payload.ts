/**
 * Meta's webhook body (reference: whatsapp-cloud-api.md, Webhooks) read into what Orderline
 * acts on: statuses, customers' messages and marketing preferences, per phone number id
 * (account-level changes: account-webhook-payload.ts).
 * Schema first: the shapes below validate, type and document the parts we read; anything
 * else in the body is ignored, and an entry that does not fit is skipped, not fatal.
 */
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { isDeliveryStatus } from '../domain/messages/message-state.js';
import { customerOfWaId } from '../domain/recipients/phone.js';
import { isPlainObject } from '../shared/merge-patch.js';
import type { ReceivedMessage, WebhookNotices } from '../domain/messages/webhook-notices.js';
import type { StatusReport } from '../domain/ports/message-store.js';
import { ACCOUNT_FIELDS, entryAccountId, isAccountLevel } from './account-webhook-payload.js';

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

/** Meta's timestamps are unix seconds (a number, or digits in a string); anything else is null. */
function unixSeconds(value: string | number | undefined): Date | null {
  const seconds = typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return null;
  const at = new Date(seconds * 1000);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** PostgreSQL's text cannot hold U+0000: a customer's text keeps its place with U+FFFD instead. */
function storable(text: string | null): string | null {
  return text === null || !text.includes('\u0000') ? text : text.replaceAll('\u0000', '\ufffd');
}

/** A status that does not fit (no usable time) is skipped, as a change that does not fit is. */
function status(s: WebhookStatus): StatusReport | null {
  if (!isDeliveryStatus(s.status)) return null;
  const at = unixSeconds(s.timestamp);
  if (at === null) return null;
  const error = s.errors?.[0];
  return {
    wamid: s.id,
    status: s.status,
    at,
    errorCode: error?.code ?? null,
    errorDetail: error === undefined ? null : (error.message ?? error.title ?? null),
    callbackData: s.biz_opaque_callback_data ?? null,
    recipientId: s.recipient_id === undefined ? null : customerOfWaId(s.recipient_id),
  };
}

function message(m: WebhookMessage, contacts: WebhookContact[], receivedAt: Date): ReceivedMessage | null {
  const contact = contacts.find((c) => c.wa_id !== undefined && c.wa_id === m.from) ?? contacts[0];
  const sender = m.from ?? contact?.wa_id ?? m.user_id ?? contact?.user_id;
  if (sender === undefined) return null;
  const customer = customerOfWaId(sender);
  const reply = m.interactive?.button_reply ?? m.interactive?.list_reply;
  return {
    wamid: m.id,
    customer,
    waId: m.from ?? contact?.wa_id ?? null,
    userId: m.user_id ?? contact?.user_id ?? null,
    profileName: storable(contact?.profile?.name ?? null),
    type: m.type,
    text: storable(m.text?.body ?? reply?.title ?? m.button?.text ?? null),
    choice: storable(reply?.id ?? m.button?.payload ?? null),
    replyTo: m.context?.id ?? null,
    // A customer's message is never dropped for its timestamp: one that does not read is when it came.
    sentAt: unixSeconds(m.timestamp) ?? receivedAt,
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
      messages: change.messages.map((m) => message(m, change.contacts, receivedAt)).filter((m): m is ReceivedMessage => m !== null),
      preferences: change.preferences
        .filter((p): p is WebhookPreference & { value: 'stop' | 'resume' } => p.value === 'stop' || p.value === 'resume')
        .map((p) => ({ customer: customerOfWaId(p.wa_id), category: p.category, value: p.value, at: unixSeconds(p.timestamp) ?? receivedAt })),
    });
  }
  return notices;
}

/** Per-number fields Orderline acts on (statuses and customers' messages; marketing preferences). */
const NUMBER_FIELDS: readonly string[] = ['messages', 'user_preferences'];

export interface WebhookSubjects {
  phoneNumberIds: string[];
  businessAccountIds: string[];
  /** The field of each change Orderline takes and ignores (one entry per change), for the metrics. */
  ignoredFields: string[];
}

/**
 * What a webhook is about, to find the tenants and their app secrets: the phone number ids of
 * per-number changes (read from every change's metadata even where the rest of the change does
 * not fit: a signed body with one malformed item is still its tenant's, checked with its
 * tenant's secret), and the WABA ids (`entry[].id`) of entries with account-level changes,
 * which name no number.
 */
export function webhookSubjects(body: unknown): WebhookSubjects {
  const numbers = new Set<string>();
  const accounts = new Set<string>();
  const ignoredFields: string[] = [];
  for (const entry of listAt(body, 'entry')) {
    for (const change of listAt(entry, 'changes')) {
      const field = fieldOf(change, 'field');
      if (typeof field === 'string' && !NUMBER_FIELDS.includes(field) && !ACCOUNT_FIELDS.includes(field)) ignoredFields.push(field);
      if (isAccountLevel(change)) {
        const account = entryAccountId(entry);
        if (account !== null) accounts.add(account);
        continue;
      }
      const id = fieldOf(fieldOf(fieldOf(change, 'value'), 'metadata'), 'phone_number_id');
      if (typeof id === 'string' || typeof id === 'number') numbers.add(String(id));
    }
  }
  return { phoneNumberIds: [...numbers], businessAccountIds: [...accounts], ignoredFields };
}

function fieldOf(value: unknown, key: string): unknown {
  return isPlainObject(value) ? value[key] : undefined;
}

function listAt(value: unknown, key: string): unknown[] {
  const list = fieldOf(value, key);
  return Array.isArray(list) ? list : [];
}
