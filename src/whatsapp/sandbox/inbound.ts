/**
 * Playing the customer: turns what an operator types or taps into the incoming-message
 * webhook Meta would send (whatsapp-cloud-api.md, Incoming), records it in the chat and
 * POSTs it signed to the account's webhook.
 *   - `text` → `type: "text"`;
 *   - `buttonId` → a reply-button tap (`interactive.button_reply`, title looked up in the chat's
 *     interactive messages), or, when it is the payload of a quick reply of a template sent to
 *     this chat, a template button tap (`type: "button"`, `{payload, text}`);
 *   - `listRowId` → `interactive.list_reply` with the row's title and description.
 * The newest message offering the id wins, and the reply quotes it in `context`, as Meta does.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { Clock } from '../../domain/ports/clock.js';
import { Nullable } from '../../shared/answer-types.js';
import { newWamid } from './graph-ids.js';
import type { ChatSummary } from './message-summary.js';
import type { SandboxAccount } from './sandbox-directory.js';
import type { ChatEntry, SandboxState } from './sandbox-state.js';
import type { WebhookPoster } from './webhook-poster.js';
import { unixSeconds, webhookPayload, type InboundMessage } from './webhook-payload.js';

export type CustomerAction = { text: string } | { buttonId: string } | { listRowId: string };

/** The answer of POST /sandbox/tenants/{id}/inbound; the schema documents it (sandbox-routes.ts). */
export const InboundResult = Type.Object({
  wamid: Type.String({ description: 'The id of the message the customer sent' }),
  webhookStatus: Nullable(Type.Integer(), { description: "The HTTP status the tenant's webhook answered the first attempt with; null when unreachable (retried later)" }),
  webhookError: Type.Optional(Type.String({ description: 'Why the first attempt failed' })),
});
export type InboundResult = Static<typeof InboundResult>;

export const DEFAULT_CUSTOMER_NAME = 'Sandbox Customer';

/** A customer's number as digits: "+91 98123 45678" and "919812345678" alike; undefined when it is not one. */
export function customerDigits(raw: string): string | undefined {
  const digits = raw.trim().replace(/^\+/, '').replace(/[\s().-]/g, '');
  return /^[1-9]\d{7,14}$/.test(digits) ? digits : undefined;
}

/** The newest outgoing entry that offered `id` as a reply button / quick reply, or as a list row. */
export function offeredIn(entries: readonly ChatEntry[], id: string, kind: 'button' | 'row'): ChatEntry | undefined {
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i];
    if (entry === undefined || entry.direction !== 'out') continue;
    const offered = kind === 'button' ? entry.summary.buttons : entry.summary.list;
    if (offered?.some((b) => b.id === id) === true) return entry;
  }
  return undefined;
}

export interface InboundDeps {
  state: SandboxState;
  poster: WebhookPoster;
  clock: Clock;
}

function reply(account: SandboxAccount, entries: readonly ChatEntry[], action: CustomerAction): {
  fields: Pick<InboundMessage, 'type' | 'context' | 'text' | 'interactive' | 'button'>;
  summary: ChatSummary;
} {
  if ('text' in action) return { fields: { type: 'text', text: { body: action.text } }, summary: { text: action.text } };
  const business = account.displayPhoneNumber.replace(/\D/g, '');
  if ('buttonId' in action) {
    const id = action.buttonId;
    const source = offeredIn(entries, id, 'button');
    const title = source?.summary.buttons?.find((b) => b.id === id)?.title ?? id;
    const context = source === undefined ? undefined : { from: business, id: source.wamid };
    if (source?.type === 'template') {
      return { fields: { type: 'button', context, button: { payload: id, text: title } }, summary: { text: title } };
    }
    return {
      fields: { type: 'interactive', context, interactive: { type: 'button_reply', button_reply: { id, title } } },
      summary: { text: title },
    };
  }
  const id = action.listRowId;
  const source = offeredIn(entries, id, 'row');
  const row = source?.summary.list?.find((r) => r.id === id);
  const listReply = row?.description === undefined ? { id, title: row?.title ?? id } : { id, title: row.title, description: row.description };
  return {
    fields: {
      type: 'interactive',
      context: source === undefined ? undefined : { from: business, id: source.wamid },
      interactive: { type: 'list_reply', list_reply: listReply },
    },
    summary: { text: listReply.title },
  };
}

export async function receiveFromCustomer(
  deps: InboundDeps,
  account: SandboxAccount,
  customer: { phone: string; name?: string },
  action: CustomerAction,
): Promise<InboundResult> {
  const now = deps.clock.now();
  const wamid = newWamid(customer.phone);
  const { fields, summary } = reply(account, deps.state.entries(account.tenantId, customer.phone), action);
  const message: InboundMessage = { from: customer.phone, id: wamid, timestamp: unixSeconds(now), type: fields.type };
  if (fields.context !== undefined) message.context = fields.context;
  if (fields.text !== undefined) message.text = fields.text;
  if (fields.interactive !== undefined) message.interactive = fields.interactive;
  if (fields.button !== undefined) message.button = fields.button;

  const at = now.toISOString();
  deps.state.append(account.tenantId, customer.phone, {
    direction: 'in',
    wamid,
    type: message.type,
    at,
    status: 'received',
    statuses: [{ status: 'received', at }],
    summary,
    body: message,
  });
  deps.state.counters.inbound++;
  const contacts = [{ profile: { name: customer.name ?? DEFAULT_CUSTOMER_NAME }, wa_id: customer.phone }];
  const attempt = await deps.poster.post(account, webhookPayload(account, { contacts, messages: [message] }));
  return attempt.error === undefined
    ? { wamid, webhookStatus: attempt.status }
    : { wamid, webhookStatus: attempt.status, webhookError: attempt.error };
}
