/**
 * POSTs signed webhooks to an account's webhook URL as Meta does: the body is serialised
 * once and those exact bytes are signed and sent on every attempt; a non-2xx answer or a
 * network error is retried with growing waits (Meta keeps retrying for days; the sandbox a
 * few times), through the injected scheduler so tests run retries without sleeping.
 */
import { Agent, request } from 'undici';
import type { SandboxAccount } from './sandbox-directory.js';
import type { SandboxCounters } from './sandbox-state.js';
import type { Scheduler } from './scheduler.js';
import { hubSignature, type AccountWebhookPayload, type WebhookPayload } from './webhook-payload.js';

export interface SandboxLogger {
  warn(details: object, message: string): void;
}

export interface WebhookAttempt {
  /** The HTTP status the webhook answered with; null when it could not be reached. */
  status: number | null;
  error?: string;
}

export interface WebhookPosterOptions {
  scheduler: Scheduler;
  counters: SandboxCounters;
  logger?: SandboxLogger;
  /** Waits before each retry; their count is the number of retries. Default 1 s, 5 s, 30 s, 2 min. */
  retryDelaysMs?: readonly number[];
  timeoutMs?: number;
}

export class WebhookPoster {
  private readonly agent: Agent;
  private readonly retryDelays: readonly number[];
  private readonly timeoutMs: number;
  private closed = false;

  constructor(private readonly options: WebhookPosterOptions) {
    this.retryDelays = options.retryDelaysMs ?? [1_000, 5_000, 30_000, 120_000];
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.agent = new Agent({ connections: 20, pipelining: 1, keepAliveTimeout: 10_000, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs });
  }

  /**
   * Sends now and answers the first attempt's result; failed attempts are retried in the
   * background. `onSettled` runs once the webhook was taken (2xx) or given up on.
   */
  async post(account: SandboxAccount, payload: WebhookPayload | AccountWebhookPayload, onSettled?: () => void): Promise<WebhookAttempt> {
    const bytes = JSON.stringify(payload);
    const signature = hubSignature(bytes, account.appSecret);
    const first = await this.attempt(account.webhookUrl, bytes, signature);
    if (first.error === undefined) onSettled?.();
    else this.retryLater(account.webhookUrl, bytes, signature, 0, onSettled);
    return first;
  }

  private retryLater(url: string, bytes: string, signature: string, retry: number, onSettled?: () => void): void {
    // Shutting down: pending webhooks are dropped quietly (the sandbox's state goes with it).
    if (this.closed) return;
    const wait = this.retryDelays[retry];
    if (wait === undefined) {
      this.options.logger?.warn({ url, attempts: retry + 1 }, 'sandbox webhook given up after retries');
      onSettled?.();
      return;
    }
    this.options.scheduler.after(wait, async () => {
      if (this.closed) return;
      const result = await this.attempt(url, bytes, signature);
      if (result.error === undefined) onSettled?.();
      else this.retryLater(url, bytes, signature, retry + 1, onSettled);
    });
  }

  private async attempt(url: string, bytes: string, signature: string): Promise<WebhookAttempt> {
    const counters = this.options.counters;
    counters.webhookPosts++;
    try {
      const response = await request(url, {
        method: 'POST',
        dispatcher: this.agent,
        // Meta's webhook requests carry this user agent; some receivers log or filter on it.
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature, 'user-agent': 'facebookexternalua' },
        body: bytes,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await response.body.dump();
      if (response.statusCode >= 200 && response.statusCode < 300) return { status: response.statusCode };
      counters.webhookFailures++;
      return { status: response.statusCode, error: `HTTP ${response.statusCode}` };
    } catch (error) {
      counters.webhookFailures++;
      const text = error instanceof Error ? error.message : String(error);
      return { status: null, error: text.slice(0, 300) };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.agent.close();
  }
}
