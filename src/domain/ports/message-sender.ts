/**
 * Sending one WhatsApp message. The worker branches on the outcome's kind and effect, never
 * on message text. Deliberately left out: media upload, template management and batching
 * (the Cloud API has no batch send).
 */

export interface SenderAccount {
  tenantId: string;
  /** Base URL of the Graph API for this account: Meta's, or the sandbox's for sandbox tenants. */
  graphUrl: string;
  phoneNumberId: string;
  accessToken: string;
}

/** A message body exactly as the Cloud API's `/messages` endpoint takes it. */
export type OutgoingMessage = Record<string, unknown> & { messaging_product: 'whatsapp'; to: string; type: string };

export type RetryScope =
  /** Only this message: try again later. */
  | 'message'
  /** This recipient is rate limited (pair rate): hold their messages. */
  | 'recipient'
  /** The sending number is over its throughput: slow the number down. */
  | 'sender';

export type RejectionEffect =
  | 'none'
  /** Not on WhatsApp, blocked or an old app: mark the contact undeliverable. */
  | 'undeliverable'
  /** The customer stopped marketing messages (131050): record the opt-out. */
  | 'marketing_opt_out'
  /** Per-user marketing limit (131049): not again within 24 hours. */
  | 'marketing_limit'
  /** Outside the 24-hour window (131047): only a template may be sent. */
  | 'outside_window'
  /** The access token is invalid or expired (190): pause the tenant's sending, alert. */
  | 'pause_sender'
  /** Template, quality or policy problem: an operator must act. */
  | 'alert';

export type SendOutcome =
  | { kind: 'accepted'; messageId: string; recipientId: string }
  | { kind: 'retry'; code: number | null; reason: string; scope: RetryScope; retryAfterMs: number | null }
  | { kind: 'rejected'; code: number | null; reason: string; effect: RejectionEffect };

export interface MessageSender {
  send(account: SenderAccount, message: OutgoingMessage, signal?: AbortSignal): Promise<SendOutcome>;
}
