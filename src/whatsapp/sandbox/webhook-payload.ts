/**
 * The webhooks the sandbox sends, in Meta's exact shape (whatsapp-cloud-api.md, Webhooks):
 * one entry, one `messages` change, statuses or (contacts + messages) in its value, signed
 * with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the exact bytes, app secret>`.
 */
import { createHmac } from 'node:crypto';
import { wabaIdFor } from './graph-ids.js';
import type { SandboxAccount } from './sandbox-directory.js';

export type PricingCategory = 'utility' | 'marketing' | 'authentication' | 'service';

export interface StatusError {
  code: number;
  title: string;
  message: string;
  error_data: { details: string };
  href: string;
}

export interface WebhookStatus {
  id: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  /** Unix seconds, as a string. */
  timestamp: string;
  recipient_id: string;
  biz_opaque_callback_data?: string;
  pricing?: { billable: boolean; pricing_model: 'PMP'; type: 'regular' | 'free_customer_service'; category: PricingCategory };
  errors?: StatusError[];
}

export interface InboundContact {
  profile: { name: string };
  wa_id: string;
}

/** An incoming message object (`value.messages[]`); the type decides which of the optional fields is set. */
export interface InboundMessage {
  from: string;
  id: string;
  timestamp: string;
  type: 'text' | 'interactive' | 'button';
  context?: { from: string; id: string };
  text?: { body: string };
  interactive?:
    | { type: 'button_reply'; button_reply: { id: string; title: string } }
    | { type: 'list_reply'; list_reply: { id: string; title: string; description?: string } };
  button?: { payload: string; text: string };
}

export type ChangeValue = { statuses: WebhookStatus[] } | { contacts: InboundContact[]; messages: InboundMessage[] };

export interface WebhookPayload {
  object: 'whatsapp_business_account';
  entry: {
    id: string;
    changes: {
      field: 'messages';
      value: {
        messaging_product: 'whatsapp';
        metadata: { display_phone_number: string; phone_number_id: string };
      } & ChangeValue;
    }[];
  }[];
}

export function webhookPayload(account: SandboxAccount, value: ChangeValue): WebhookPayload {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: account.wabaId ?? wabaIdFor(account.phoneNumberId),
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: account.displayPhoneNumber, phone_number_id: account.phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  };
}

/**
 * An account-level webhook: about the WhatsApp Business Account, not one of its numbers, so
 * `entry[].id` (the WABA id) is all that names it and the value has no `metadata`. The value
 * is Meta's for the field (template status, quality, account updates), given by the caller.
 */
export interface AccountWebhookPayload {
  object: 'whatsapp_business_account';
  entry: { id: string; time: number; changes: { field: string; value: Record<string, unknown> }[] }[];
}

export function accountWebhookPayload(wabaId: string, field: string, value: Record<string, unknown>, at: Date): AccountWebhookPayload {
  return { object: 'whatsapp_business_account', entry: [{ id: wabaId, time: Math.floor(at.getTime() / 1000), changes: [{ field, value }] }] };
}

/** The `X-Hub-Signature-256` header value for these exact bytes. */
export function hubSignature(bytes: string | Buffer, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(bytes).digest('hex')}`;
}

/** Meta's timestamps: unix seconds as a string. */
export function unixSeconds(date: Date): string {
  return String(Math.floor(date.getTime() / 1000));
}

const TITLES: Record<number, string> = {
  131026: 'Message undeliverable',
  131047: 'Re-engagement message',
  131049: 'This message was not delivered to maintain healthy ecosystem engagement.',
  131050: 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.',
  131051: 'Unsupported message type',
  131000: 'Something went wrong',
};

/** The `errors[]` item of a failed status. */
export function statusError(code: number): StatusError {
  const title = TITLES[code] ?? 'Message failed to send';
  return {
    code,
    title,
    message: title,
    error_data: { details: code === 131026 ? 'Message Undeliverable.' : title },
    href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
  };
}
