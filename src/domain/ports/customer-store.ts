/**
 * What Orderline knows of a brand's customers on WhatsApp: their messages to us (deduped by
 * wamid), when they last wrote (the 24-hour window), opt-outs with source and time, and
 * delivery problems Meta reported. Customers are keyed by their number as digits.
 */

export type OptOutScope = 'all' | 'marketing';
export type OptOutSource = 'keyword' | 'user_preferences' | 'error_131050' | 'operator';

export interface OptOut {
  scope: OptOutScope;
  source: OptOutSource;
  at: Date;
}

export interface InboundMessage {
  wamid: string;
  tenantId: string;
  customer: string;
  waId: string | null;
  userId: string | null;
  profileName: string | null;
  type: string;
  /** Text, or a tapped button's / list row's title. */
  text: string | null;
  /** The id of a tapped reply button or list row, or a template quick-reply payload. */
  choice?: string | null;
  /** The message as Meta sent it. */
  payload: unknown;
  sentAt: Date;
  receivedAt: Date;
}

/**
 * A customer's message as stored: `new` the first time; `unhandled` when it was stored before
 * but its handling never finished (a fault: it is handled again, not dropped); `handled`.
 */
export type InboundRecord = 'new' | 'unhandled' | 'handled';

export interface Contact {
  customer: string;
  waId: string | null;
  profileName: string | null;
  lastInboundAt: Date | null;
  undeliverableAt: Date | null;
  marketingPausedUntil: Date | null;
}

export interface CustomerStore {
  /** Stores a customer's message once (by wamid) and updates the contact. */
  recordInbound(message: InboundMessage): Promise<InboundRecord>;
  /** The message is answered (or needs no answer): a redelivery of it is a duplicate. */
  markHandled(wamid: string, at: Date): Promise<void>;
  contact(tenantId: string, customer: string): Promise<Contact | undefined>;
  /**
   * Records an opt-out made at `at`; true when it is new. Meta's webhooks come in any order:
   * an opt-out made before the customer's latest opt-in of that scope changes nothing (false).
   */
  optOut(tenantId: string, customer: string, scope: OptOutScope, source: OptOutSource, at: Date): Promise<boolean>;
  /**
   * Records an opt-in made at `at` and removes the opt-out of that scope made before it; true
   * when there was one. An opt-out made after `at` (it arrived first) stays.
   */
  optIn(tenantId: string, customer: string, scope: OptOutScope, at: Date): Promise<boolean>;
  optOuts(tenantId: string, customer: string): Promise<OptOut[]>;
  markUndeliverable(tenantId: string, customer: string, at: Date): Promise<void>;
  pauseMarketing(tenantId: string, customer: string, until: Date): Promise<void>;
}
