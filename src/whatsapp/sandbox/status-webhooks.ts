/**
 * After the sandbox accepts a message it tells the account's webhook what happened to it, as
 * Meta would: `sent`, then `delivered`, then `read` (unless read receipts are off), or a single
 * `failed` with the error for numbers that cannot receive it. Each step waits its delay after
 * the previous step's webhook was taken (or given up on), so they arrive in order; the
 * defaults (100, 200 and 500 ms) put them about 0.1, 0.3 and 0.8 s after the send.
 * Optionally statuses are batched: all those due within `batchMs` for one account go in one
 * POST (benchmarks use it to spare the receiver).
 *
 * Steps are chained by callbacks, never by awaiting a later scheduled task, so a manual
 * scheduler can run everything with one `runAll()`.
 */
import type { Clock } from '../../domain/ports/clock.js';
import type { SandboxAccount } from './sandbox-directory.js';
import type { SandboxState } from './sandbox-state.js';
import type { Scheduler } from './scheduler.js';
import type { WebhookPoster } from './webhook-poster.js';
import { statusError, unixSeconds, webhookPayload, type PricingCategory, type WebhookStatus } from './webhook-payload.js';

export interface StatusDelays {
  sent: number;
  delivered: number;
  read: number;
}

export const DEFAULT_STATUS_DELAYS: StatusDelays = Object.freeze({ sent: 100, delivered: 200, read: 500 });

export interface StatusWebhookOptions {
  scheduler: Scheduler;
  poster: WebhookPoster;
  state: SandboxState;
  clock: Clock;
  delays?: Partial<StatusDelays>;
  /** Whether the customer "reads" messages (a `read` status follows `delivered`). Default true. */
  readReceipts?: boolean;
  /** 0 (default): one status per POST. Otherwise statuses of one account are gathered for this long. */
  batchMs?: number;
  /** The most statuses in one POST; a full batch goes at once. Default 100. */
  maxBatch?: number;
}

/** An accepted message whose statuses are to be reported. */
export interface TrackedMessage {
  account: SandboxAccount;
  wamid: string;
  recipientId: string;
  category: PricingCategory;
  callbackData?: string;
}

type Step = 'sent' | 'delivered' | 'read';

interface Batch {
  account: SandboxAccount;
  statuses: WebhookStatus[];
  settled: (() => void)[];
}

export class StatusWebhooks {
  private readonly delays: StatusDelays;
  private readonly steps: Step[];
  private readonly batches = new Map<string, Batch>();

  constructor(private readonly options: StatusWebhookOptions) {
    this.delays = { ...DEFAULT_STATUS_DELAYS, ...options.delays };
    this.steps = options.readReceipts === false ? ['sent', 'delivered'] : ['sent', 'delivered', 'read'];
  }

  /** Reports a delivered message step by step. */
  deliver(message: TrackedMessage): void {
    this.next(message, 0);
  }

  /** Reports a message that could not be delivered: one `failed` status with `code`. */
  fail(message: TrackedMessage, code: number): void {
    this.options.scheduler.after(this.delays.sent, () => this.emit(message, 'failed', code, () => undefined));
  }

  private next(message: TrackedMessage, index: number): void {
    const step = this.steps[index];
    if (step === undefined) return;
    this.options.scheduler.after(this.delays[step], () => this.emit(message, step, undefined, () => this.next(message, index + 1)));
  }

  private status(message: TrackedMessage, status: WebhookStatus['status'], now: Date, code?: number): WebhookStatus {
    const out: WebhookStatus = { id: message.wamid, status, timestamp: unixSeconds(now), recipient_id: message.recipientId };
    if (message.callbackData !== undefined) out.biz_opaque_callback_data = message.callbackData;
    if (status === 'failed') {
      out.errors = [statusError(code ?? 131000)];
    } else {
      const service = message.category === 'service';
      out.pricing = { billable: !service, pricing_model: 'PMP', type: service ? 'free_customer_service' : 'regular', category: message.category };
    }
    return out;
  }

  /** Records the status in the chat, then posts it alone or with its batch; `settled` runs after. */
  private async emit(
    message: TrackedMessage,
    name: WebhookStatus['status'],
    code: number | undefined,
    settled: () => void,
  ): Promise<void> {
    const { state } = this.options;
    const now = this.options.clock.now();
    const status = this.status(message, name, now, code);
    state.advance(message.wamid, name, now.toISOString(), status.errors?.[0]?.code);
    state.counters.statuses[name]++;
    const batchMs = this.options.batchMs ?? 0;
    if (batchMs <= 0) {
      await this.options.poster.post(message.account, webhookPayload(message.account, { statuses: [status] }), settled);
      return;
    }
    const key = `${message.account.phoneNumberId}\u0000${message.account.webhookUrl}`;
    let batch = this.batches.get(key);
    if (batch === undefined) {
      const created: Batch = { account: message.account, statuses: [], settled: [] };
      batch = created;
      this.batches.set(key, created);
      this.options.scheduler.after(batchMs, () => this.flush(key, created));
    }
    batch.statuses.push(status);
    batch.settled.push(settled);
    if (batch.statuses.length >= (this.options.maxBatch ?? 100)) await this.flush(key, batch);
  }

  private async flush(key: string, batch: Batch): Promise<void> {
    // The timer of a batch that already went out because it was full finds it gone.
    if (this.batches.get(key) !== batch) return;
    this.batches.delete(key);
    await this.options.poster.post(batch.account, webhookPayload(batch.account, { statuses: batch.statuses }), () => {
      for (const settled of batch.settled) settled();
    });
  }
}
