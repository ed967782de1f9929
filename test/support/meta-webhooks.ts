/** Builders for Meta's webhook bodies (reference: whatsapp-cloud-api.md, Webhooks), and signing. */
import { createHmac } from 'node:crypto';
import { accountWebhookPayload } from '../../src/whatsapp/sandbox/webhook-payload.js';
import type { Harness } from './harness.js';

/** Meta's envelope around one change for one of our phone numbers. */
function webhook(phoneNumberId: string, field: string, value: Record<string, unknown>) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA1',
        changes: [
          {
            field,
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550000000', phone_number_id: phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  };
}

export function statusesWebhook(
  phoneNumberId: string,
  statuses: { id: string; status: string; timestamp?: number; recipient_id?: string; biz_opaque_callback_data?: string; errors?: { code: number; title: string }[] }[],
) {
  return webhook(phoneNumberId, 'messages', {
    statuses: statuses.map((s) => ({ timestamp: String(s.timestamp ?? 1_772_360_000), recipient_id: '919812345678', ...s })),
  });
}

/** One message from a customer (`content` is its type-specific part). */
function messageWebhook(phoneNumberId: string, from: string, wamid: string, content: Record<string, unknown>, timestamp = 1_772_360_000) {
  return wholeMessageWebhook(phoneNumberId, from, { from, id: wamid, timestamp: String(timestamp), ...content });
}

/** One message object taken as it is, e.g. a message the sandbox delivered, replayed. */
export function wholeMessageWebhook(phoneNumberId: string, from: string, message: Record<string, unknown>) {
  return webhook(phoneNumberId, 'messages', {
    contacts: [{ profile: { name: 'Asha' }, wa_id: from }],
    messages: [message],
  });
}

export function textWebhook(phoneNumberId: string, from: string, text: string, wamid: string, timestamp = 1_772_360_000) {
  return messageWebhook(phoneNumberId, from, wamid, { type: 'text', text: { body: text } }, timestamp);
}

export function preferencesWebhook(phoneNumberId: string, waId: string, value: 'stop' | 'resume', timestamp = 1_772_360_000) {
  return webhook(phoneNumberId, 'user_preferences', {
    user_preferences: [{ wa_id: waId, detail: 'User requested to stop marketing messages', category: 'marketing_messages', value, timestamp }],
  });
}

/** A customer's tap: a reply button, a list row, or a template quick-reply button. */
export function tapWebhook(phoneNumberId: string, from: string, tap: { kind: 'button_reply' | 'list_reply' | 'template_button'; id: string; title?: string }, wamid: string) {
  const title = tap.title ?? tap.id;
  const content =
    tap.kind === 'template_button'
      ? { type: 'button', button: { payload: tap.id, text: title } }
      : { type: 'interactive', interactive: tap.kind === 'button_reply' ? { type: 'button_reply', button_reply: { id: tap.id, title } } : { type: 'list_reply', list_reply: { id: tap.id, title } } };
  return messageWebhook(phoneNumberId, from, wamid, content);
}

export function sign(raw: string, secret: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(raw).digest('hex');
}

/** POSTs a webhook to the service signed with the tenant's secret (or `secret`). */
export async function postWebhook(h: Harness, phoneNumberId: string, body: unknown, secret?: string) {
  const raw = JSON.stringify(body);
  const known = await h.orderline.accounts.webhookSecret(phoneNumberId);
  const key = secret ?? known?.secret ?? 'none';
  return h.app.inject({
    method: 'POST',
    url: '/webhooks/whatsapp',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(raw, key) },
    payload: raw,
  });
}

/**
 * An account-level webhook (about the WhatsApp Business Account: `entry[].id` is the WABA id,
 * the value names no number), in the envelope the sandbox sends it in. `value` is Meta's for
 * the field (its webhook reference pages).
 */
export function accountWebhook(wabaId: string, field: string, value: Record<string, unknown>, at = new Date(1_772_360_000_000)) {
  return accountWebhookPayload(wabaId, field, value, at);
}

/** `message_template_status_update` as Meta sends it for a paused template. */
export function templatePausedWebhook(wabaId: string, name: string, language = 'en') {
  return accountWebhook(wabaId, 'message_template_status_update', {
    event: 'PAUSED',
    message_template_id: 1689556908129832,
    message_template_name: name,
    message_template_language: language,
    reason: 'NONE',
    other_info: { title: 'FIRST_PAUSE', description: 'Your WhatsApp message template has been paused for 3 hours.' },
  });
}

/** POSTs a body signed with `secret` (null: no signature header at all). */
export async function postSigned(h: Harness, body: unknown, secret: string | null) {
  const raw = JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (secret !== null) headers['x-hub-signature-256'] = sign(raw, secret);
  return h.app.inject({ method: 'POST', url: '/webhooks/whatsapp', headers, payload: raw });
}
