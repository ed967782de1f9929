/**
 * What a WhatsApp webhook tells Orderline, in its own words: message statuses, customers'
 * messages and marketing preference changes, for one of our phone numbers.
 */
import type { StatusReport } from '../ports/message-store.js';

export interface ReceivedMessage {
  wamid: string;
  /** The customer's number as digits (or their business-scoped user id when Meta gives no number). */
  customer: string;
  waId: string | null;
  userId: string | null;
  profileName: string | null;
  type: string;
  /** Typed text, or the title of a tapped button or list row. */
  text: string | null;
  /** The id of a tapped reply button or list row, or a template quick-reply payload. */
  choice: string | null;
  /** The wamid of the message being replied to, if any. */
  replyTo: string | null;
  sentAt: Date;
  raw: unknown;
}

export interface PreferenceChange {
  customer: string;
  category: string;
  value: 'stop' | 'resume';
  at: Date;
}

export interface WebhookNotices {
  phoneNumberId: string;
  statuses: StatusReport[];
  messages: ReceivedMessage[];
  preferences: PreferenceChange[];
}
