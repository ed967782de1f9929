/**
 * Sends one planned message, exactly once as far as the Cloud API allows:
 * - Meta already has it (accepted, or any later status): done, nothing is sent again.
 * - A previous attempt started and its answer was lost (state "sending"): the send is in
 *   doubt. We wait for a status webhook carrying the message id as callback data, which
 *   Meta sends within seconds for an accepted message; only if none comes within
 *   `inDoubtWaitMs` is the message sent again (docs/notifications.md).
 * - Opt-outs, a paused tenant, per-customer order and pacing are checked right before sending.
 */
import type { Clock } from '../domain/ports/clock.js';
import type { CustomerStore } from '../domain/ports/customer-store.js';
import type { AlertStore } from '../domain/ports/alert-store.js';
import type { IdGenerator } from '../domain/ports/ids.js';
import type { JobQueue } from '../domain/ports/job-queue.js';
import type { MessageSender, OutgoingMessage, SendOutcome, SenderAccount } from '../domain/ports/message-sender.js';
import type { MessageRecord, MessageStore } from '../domain/ports/message-store.js';
import type { SendSlots } from '../domain/ports/send-slots.js';
import { acceptedByMeta } from '../domain/messages/message-state.js';
import { Permits } from '../shared/permits.js';
import type { SendWindow } from '../shared/send-window.js';
import type { JobResult } from '../worker/job-runner.js';
import { SEND_MESSAGE_JOB } from './plan-notifications.js';

export interface SendAccounts {
  /** How to send for a tenant (Meta or the sandbox), or null when it cannot send. */
  forTenant(tenantId: string): Promise<(SenderAccount & { messagesPerSecond: number }) | null>;
}

export interface SendObserver {
  sent(message: MessageRecord, latencyMs: number): void;
  outcome(message: MessageRecord, outcome: SendOutcome): void;
}

export interface SendDeps {
  messages: MessageStore;
  customers: CustomerStore;
  alerts: AlertStore;
  accounts: SendAccounts;
  sender: MessageSender;
  slots: SendSlots;
  window: SendWindow;
  clock: Clock;
  ids: IdGenerator;
  observer?: SendObserver;
  inDoubtWaitMs?: number;
  /** Pair rate: about one message per 6 s to one customer, with a small burst. */
  perCustomer?: { perSecond: number; burst: number };
  /** Waits up to this long in process for a pacing slot; longer waits postpone the job. */
  maxInlineWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Requests waiting for Meta's answer, per phone number (MAX_IN_FLIGHT_PER_NUMBER by default). */
  maxInFlightPerNumber?: number;
}

const DAY = 86_400_000;

/**
 * The share of a number's cap that is sent, counted on our side: slots are spaced for it and
 * no sliding second of actual sends holds more. Meta counts where it receives, after the way
 * there: when it slows and catches up (a stall at either end), sends of more than one of our
 * seconds land in one of Meta's. The 4% left is 40 ms of such spread per second; the most
 * seen at the benchmark's sandbox was 31 ms (1,002 in one second at 97%).
 */
export const PACING_SHARE = 0.96;

/**
 * Requests per phone number waiting for Meta's answer: a stall on the way
 * bunches at most this many into one of Meta's seconds (64 let 1,012 into one at the
 * benchmark's sandbox), whatever WORKER_CONCURRENCY is.
 */
const MAX_IN_FLIGHT_PER_NUMBER = 32;

/** Why a send waits while its tenant's sending is paused (the jobs' postpone reason). */
export const PAUSED_REASON = 'sending paused: ';

/**
 * The fix for a paused tenant (a new access token) is in: sending resumes, and the sends that
 * were waiting for it come back now rather than at their next look (up to 5 minutes later),
 * one paced slot apart in the order they came, so each finds its slot as it arrives and none
 * overtakes another (a send finding no slot near is postponed without keeping one).
 */
/**
 * The log line of a send Meta did not accept. Only a retry without a code is in doubt (no
 * answer: Meta may have sent it); a refusal without one (an HTTP 404 from a wrong Graph URL)
 * is a refusal all the same.
 */
export function unacceptedSendNote(outcome: Exclude<SendOutcome, { kind: 'accepted' }>): string {
  if (outcome.kind === 'rejected') return 'the WhatsApp API refused a send';
  return outcome.code === null ? 'a send got no answer from the WhatsApp API (in doubt); it is settled or sent again' : 'the WhatsApp API did not accept a send; it is retried';
}

export async function resumeSending(alerts: AlertStore, queue: JobQueue, tenantId: string, messagesPerSecond: number, now: Date): Promise<number> {
  await alerts.resumeSending(tenantId);
  return queue.bringForward(SEND_MESSAGE_JOB, tenantId, PAUSED_REASON, now, 1000 / (messagesPerSecond * PACING_SHARE));
}

export class MessageDispatcher {
  private readonly inDoubtWaitMs: number;
  private readonly perCustomer: { perSecond: number; burst: number };
  private readonly maxInlineWaitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxInFlight: number;
  private readonly inFlight = new Map<string, Permits>();

  constructor(private readonly deps: SendDeps) {
    this.inDoubtWaitMs = deps.inDoubtWaitMs ?? 60_000;
    this.perCustomer = deps.perCustomer ?? { perSecond: 1 / 6, burst: 5 };
    this.maxInlineWaitMs = deps.maxInlineWaitMs ?? 2_000;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.maxInFlight = deps.maxInFlightPerNumber ?? MAX_IN_FLIGHT_PER_NUMBER;
  }

  /**
   * `jobId`: the send job running this, removed in the commit that records Meta's acceptance
   * (the result then says `jobRemoved`), so an accepted send costs its job no write of its own.
   */
  async send(messageId: string, attempt: number, maxAttempts: number, jobId?: string): Promise<JobResult> {
    const { messages, alerts, clock } = this.deps;
    const message = await messages.get(messageId);
    if (message === undefined) return { kind: 'dead', error: `message ${messageId} not found` };
    if (acceptedByMeta(message.state) || message.state === 'failed' || message.state === 'skipped') return { kind: 'done' };
    const body = message.body;
    if (body === null || message.recipient === null) {
      await messages.markSkipped(message.id, 'nothing_to_send', clock.now());
      return { kind: 'done' };
    }

    if (message.state === 'sending') {
      const settled = await this.settleInDoubt(message);
      if (settled !== null) return settled;
    }

    const skipReason = await this.suppression(message);
    if (skipReason !== null) {
      await messages.markSkipped(message.id, skipReason, clock.now());
      return { kind: 'done' };
    }
    const paused = await alerts.sendingPaused(message.tenantId);
    if (paused !== null) return { kind: 'postpone', afterMs: 5 * 60_000, reason: `${PAUSED_REASON}${paused}` };
    if (await messages.hasEarlierPending(message.tenantId, message.recipient, message.sequence)) {
      return { kind: 'postpone', afterMs: 1_000, reason: 'an earlier message to this customer goes first' };
    }
    const account = await this.deps.accounts.forTenant(message.tenantId);
    if (account === null) return { kind: 'postpone', afterMs: 60_000, reason: 'tenant has no WhatsApp account' };

    const sent = await this.paceAndSend(message, body, account);
    if (!('outcome' in sent)) return sent;
    this.deps.observer?.outcome(message, sent.outcome);
    return this.record(message, sent.outcome, sent.startedAt, attempt, maxAttempts, jobId ?? null);
  }

  private inFlightFor(phoneNumberId: string): Permits {
    let permits = this.inFlight.get(phoneNumberId);
    if (permits === undefined) {
      permits = new Permits(this.maxInFlight);
      this.inFlight.set(phoneNumberId, permits);
    }
    return permits;
  }

  /** Takes the customer's and the number's pacing slots and sends, or says to come back later. */
  private async paceAndSend(
    message: MessageRecord,
    body: OutgoingMessage,
    account: SenderAccount & { messagesPerSecond: number },
  ): Promise<{ outcome: SendOutcome; startedAt: Date } | JobResult> {
    const { messages, clock } = this.deps;
    const customerKey = `${account.phoneNumberId}:${message.recipient}`;
    // Replies in a conversation go at the customer's own pace (one per message they send);
    // the pair-rate spacing is for what we start: notifications and reminders.
    const paced = message.category !== 'service';
    const numberKey = `number:${account.phoneNumberId}`;
    const slotsPerSecond = account.messagesPerSecond * PACING_SHARE;
    // Both slots are taken together or not at all, so no other send (of this process or
    // another) can take them; then the wait (at most maxInlineWaitMs) is spent here.
    const grant = await this.deps.slots.take([
      ...(paced ? [{ key: customerKey, perSecond: this.perCustomer.perSecond, burst: this.perCustomer.burst, maxWaitMs: 0 }] : []),
      { key: numberKey, perSecond: slotsPerSecond, maxWaitMs: this.maxInlineWaitMs },
    ]);
    if (!grant.taken) {
      const reason = grant.key === customerKey ? 'pair rate: spacing messages to this customer' : 'throughput: pacing this phone number';
      return { kind: 'postpone', afterMs: grant.waitMs, reason };
    }
    const wait = grant.waitMs;
    // The mark is written while the slot is awaited, not after: its commit waits on the write
    // lock for a varying time, and sends marked by one commit would start together, bunching
    // evenly spaced slots into bursts where Meta counts them. It records the slot's time,
    // when the request is due to go out.
    const slotAt = new Date(clock.now().getTime() + wait);
    await Promise.all([messages.markSending(message.id, slotAt), wait > 0 ? this.sleep(wait) : undefined]);
    // Meta counts where it receives: requests held up on the way (a stall at either end)
    // arrive together, and no more can arrive together than are in flight. The bound is on
    // requests, not on sends waiting for their slots: those are the sender's lookahead, and
    // a slot that comes with no send ready is lost.
    const release = await this.inFlightFor(account.phoneNumberId).acquire();
    try {
      // Timers fire late when the process is busy: the last word is the actual sends of the
      // last second, checked with nothing left to await before the request goes out. (A crash
      // while held here leaves the message "sending": it is then settled as in doubt, like any
      // send whose answer was lost.)
      // The window takes the paced rate as it is (19.2 for a cap of 20), not rounded up to the
      // whole cap: rounded up, a cap under 25 kept none of its 4% for the way to Meta.
      for (let held = this.deps.window.admit(numberKey, slotsPerSecond); held > 0; held = this.deps.window.admit(numberKey, slotsPerSecond)) {
        await this.sleep(held);
      }
      const startedAt = clock.now();
      return { outcome: await this.deps.sender.send(account, body), startedAt };
    } finally {
      release();
    }
  }

  /** A send whose answer was lost: adopt the wamid a status webhook brought, or wait for one. */
  private async settleInDoubt(message: MessageRecord): Promise<JobResult | null> {
    const { messages, clock } = this.deps;
    const status = await messages.statusByCallback(message.id);
    if (status !== null && status !== undefined) {
      await messages.markAccepted(message.id, status.wamid, message.recipient ?? '', clock.now());
      return { kind: 'done' };
    }
    const startedAt = message.sendStartedAt?.getTime() ?? 0;
    const waited = clock.now().getTime() - startedAt;
    if (waited < this.inDoubtWaitMs) {
      return { kind: 'postpone', afterMs: Math.max(1_000, this.inDoubtWaitMs - waited), reason: 'send in doubt: waiting for a status webhook' };
    }
    return null;
  }

  private async suppression(message: MessageRecord): Promise<string | null> {
    const optOuts = await this.deps.customers.optOuts(message.tenantId, message.recipient!);
    if (optOuts.some((o) => o.scope === 'all') && message.kind !== 'opt_out_confirmation') return 'opted_out';
    if (message.category === 'marketing') {
      if (optOuts.some((o) => o.scope === 'marketing')) return 'opted_out_marketing';
      const contact = await this.deps.customers.contact(message.tenantId, message.recipient!);
      if (contact?.marketingPausedUntil !== null && contact?.marketingPausedUntil !== undefined && contact.marketingPausedUntil > this.deps.clock.now()) {
        return 'marketing_limit';
      }
    }
    return null;
  }

  private async record(
    message: MessageRecord,
    outcome: SendOutcome,
    startedAt: Date,
    attempt: number,
    maxAttempts: number,
    jobId: string | null,
  ): Promise<JobResult> {
    const { messages, customers, alerts, clock, ids } = this.deps;
    const now = clock.now();
    switch (outcome.kind) {
      case 'accepted':
        await messages.markAccepted(message.id, outcome.messageId, outcome.recipientId, now, jobId);
        this.deps.observer?.sent(message, now.getTime() - startedAt.getTime());
        return jobId === null ? { kind: 'done' } : { kind: 'done', jobRemoved: true };
      case 'retry': {
        if (outcome.code === null) {
          // No answer from Meta (timeout, network, an unreadable reply): it may have sent the
          // message. The message stays "sending", so the next run settles it in doubt: adopt
          // the wamid a status webhook brings, or send again only after `inDoubtWaitMs`.
          if (message.attempts + 1 >= maxAttempts) {
            await messages.markFailed(message.id, null, `gave up after ${message.attempts + 1} sends without an answer: ${outcome.reason}`, now);
            return { kind: 'dead', error: outcome.reason };
          }
          return { kind: 'postpone', afterMs: 5_000, reason: `send in doubt: ${outcome.reason}` };
        }
        if (attempt >= maxAttempts) {
          await messages.markFailed(message.id, outcome.code, `gave up after ${attempt} attempts: ${outcome.reason}`, now);
          return { kind: 'dead', error: outcome.reason };
        }
        await messages.markRetrying(message.id, outcome.code, outcome.reason, now);
        // Pair rate: 4^n seconds for that customer (1, 4, 16, 64 …).
        const afterMs = outcome.scope === 'recipient' ? 4 ** Math.max(0, attempt - 1) * 1000 : (outcome.retryAfterMs ?? undefined);
        return afterMs === undefined ? { kind: 'retry', error: outcome.reason } : { kind: 'retry', afterMs, error: outcome.reason };
      }
      case 'rejected': {
        if (outcome.effect === 'pause_sender') {
          // The message is fine; the account is not. Keep it queued until an operator fixes the token.
          await messages.markRetrying(message.id, outcome.code, outcome.reason, now);
          await alerts.pauseSending(message.tenantId, outcome.reason);
          await alerts.raise({ id: ids.next('alr'), tenantId: message.tenantId, kind: 'sending_paused', detail: outcome.reason, createdAt: now });
          return { kind: 'postpone', afterMs: 5 * 60_000, reason: `${PAUSED_REASON}${outcome.reason}` };
        }
        await messages.markFailed(message.id, outcome.code, outcome.reason, now);
        const customer = message.recipient!;
        switch (outcome.effect) {
          case 'undeliverable':
            await customers.markUndeliverable(message.tenantId, customer, now);
            break;
          case 'marketing_opt_out':
            await customers.optOut(message.tenantId, customer, 'marketing', 'error_131050', now);
            break;
          case 'marketing_limit':
            await customers.pauseMarketing(message.tenantId, customer, new Date(now.getTime() + DAY));
            break;
          case 'alert':
            await alerts.raise({ id: ids.next('alr'), tenantId: message.tenantId, kind: `error_${outcome.code ?? 'unknown'}`, detail: outcome.reason, createdAt: now });
            break;
          case 'outside_window':
          case 'none':
            break;
        }
        return { kind: 'done' };
      }
    }
  }
}
