/**
 * Messages Orderline sends (or decided not to send), and the statuses Meta reports for them.
 * Planning is idempotent through `dedupeKey`; sending records each step before and after
 * the call so a re-run after a crash can tell whether Meta already has the message.
 */
import type { MessageState } from '../messages/message-state.js';
import type { JobSpec } from './job-queue.js';
import type { OutgoingMessage } from './message-sender.js';
import type { Page, PageRequest } from './page.js';

export type MessageCategory = 'utility' | 'marketing' | 'service';

export interface NewMessage {
  id: string;
  tenantId: string;
  eventId: string | null;
  dedupeKey: string;
  /** Sorts one customer's messages in the order their causes happened; they go out in this order. */
  sequence: string;
  kind: string;
  category: MessageCategory;
  orderId: string | null;
  recipient: string | null;
  state: 'queued' | 'skipped';
  skipReason: string | null;
  body: OutgoingMessage | null;
  createdAt: Date;
}

export interface MessageRecord extends Omit<NewMessage, 'state'> {
  state: MessageState;
  waId: string | null;
  wamid: string | null;
  errorCode: number | null;
  errorDetail: string | null;
  attempts: number;
  sendStartedAt: Date | null;
  sentAt: Date | null;
  deliveredAt: Date | null;
  readAt: Date | null;
  failedAt: Date | null;
  updatedAt: Date;
}

export interface StatusReport {
  wamid: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  at: Date;
  errorCode: number | null;
  errorDetail: string | null;
  /** `biz_opaque_callback_data`: the message id we sent it with. */
  callbackData: string | null;
  /** The customer it was sent to (`recipient_id`), when Meta says. */
  recipientId?: string | null;
}

export interface StatusRecord extends StatusReport {
  receivedAt: Date;
}

export interface MessageFilter {
  state?: MessageState;
  kind?: string;
  orderId?: string;
}

export interface MessageStore {
  /**
   * Stores a planned message and, in the same transaction, its send job; false when
   * `dedupeKey` was already planned. `finishing`: the queued job doing the planning, removed
   * in that same commit (whether or not the plan was new), so planning is done exactly once
   * and costs no separate write to finish the job. The job must live in this store's database.
   */
  plan(message: NewMessage, sendJob: JobSpec | null, finishing?: string | null): Promise<boolean>;
  get(id: string): Promise<MessageRecord | undefined>;
  list(tenantId: string, page: PageRequest, filter?: MessageFilter): Promise<Page<MessageRecord>>;
  /** Whether a message to the same customer that comes earlier in sequence is still waiting to go out. */
  hasEarlierPending(tenantId: string, recipient: string, sequence: string): Promise<boolean>;
  /** How many of the tenant's messages are still to be sent (queued or sending), counted up to `atMost`. */
  countUnsent(tenantId: string, atMost: number): Promise<number>;
  markSending(id: string, at: Date): Promise<void>;
  /**
   * Meta accepted it: stores its ids and applies any statuses that arrived before them.
   * `finishing`: the send job, removed in the same commit (as in `plan`).
   */
  markAccepted(id: string, wamid: string, waId: string, at: Date, finishing?: string | null): Promise<MessageState>;
  /** Back to queued after a retryable failure, keeping the error. */
  markRetrying(id: string, code: number | null, detail: string, at: Date): Promise<void>;
  markFailed(id: string, code: number | null, detail: string, at: Date): Promise<void>;
  markSkipped(id: string, reason: string, at: Date): Promise<void>;
  /** Queues a failed message again with a new send job (operator retry). */
  requeue(id: string, sendJob: JobSpec, at: Date): Promise<boolean>;
  /**
   * Records statuses (deduplicated on (wamid, status)) and applies them, forward only, to
   * the messages they name; statuses of unknown wamids wait until `markAccepted` stores them.
   * Returns how many were new.
   */
  /** Stores and applies statuses; resolves to those not seen before (a redelivery is none). */
  recordStatuses(statuses: readonly StatusReport[], receivedAt: Date): Promise<StatusReport[]>;
  statusesOf(wamid: string): Promise<StatusRecord[]>;
  /** A status carrying this message id as callback data (settles a send whose answer was lost). */
  statusByCallback(messageId: string): Promise<StatusRecord | undefined>;
  /** Deletes statuses received before `before` that never found their message; returns how many. */
  purgeWaitingStatuses(before: Date): Promise<number>;
  /** Messages of these kinds planned for a customer since a time (suppression rules). */
  recentToCustomer(tenantId: string, recipient: string, kinds: readonly string[], since: Date): Promise<{ kind: string; dedupeKey: string; state: MessageState }[]>;
  /** Counts by kind and state, and failures by error code, for stats. */
  counts(tenantId: string): Promise<{ kind: string; state: string; errorCode: number | null; n: number }[]>;
}
