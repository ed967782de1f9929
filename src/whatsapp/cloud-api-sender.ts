/**
 * The MessageSender over Meta's WhatsApp Cloud API (or the sandbox, which speaks the same
 * protocol): one `POST {graphUrl}/{version}/{phoneNumberId}/messages` per message.
 *
 * Promised: every call resolves to a SendOutcome and never throws; Meta's errors are sorted
 * by `error.code` only (error-classification.ts); anything that leaves the outcome unknown
 * (network error, timeout, an answer that is not Meta's JSON) is `retry` with scope
 * `message`. The Cloud API has no idempotency key, so a timeout after the request was sent
 * may still have delivered the message: deciding what "in doubt" means is the worker's job,
 * not this adapter's. The access token goes into the Authorization header and nowhere else:
 * no outcome reason and no error text carries it.
 *
 * Left out on purpose: retries, pacing and rate limits (they wrap the port once, elsewhere),
 * media upload and template management.
 */
import { Agent, request } from 'undici';
import type { MessageSender, OutgoingMessage, SendOutcome, SenderAccount } from '../domain/ports/message-sender.js';
import { isPlainObject } from '../shared/merge-patch.js';
import { classifyMetaError } from './error-classification.js';

export interface CloudApiSenderOptions {
  /** Graph API version in the path, e.g. `v21.0`. */
  apiVersion: string;
  /** Whole-request deadline (connect, headers and body), default 10 000 ms. */
  timeoutMs?: number;
  /** Keep-alive connections per origin (Meta, or the sandbox), default 50. */
  connectionsPerOrigin?: number;
}

/** Meta's answers are a few hundred bytes; a bigger one is not Meta's and is not read whole. */
const MAX_RESPONSE_BYTES = 1_048_576;

type Failure = Exclude<SendOutcome, { kind: 'accepted' }>;

function inDoubt(reason: string): Failure {
  return { kind: 'retry', code: null, reason: reason.slice(0, 500), scope: 'message', retryAfterMs: null };
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : `${error.name}: ${error.message}`;
  }
  return String(error);
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function stringAt(value: unknown, key: string): string | undefined {
  if (!isPlainObject(value)) return undefined;
  const field = value[key];
  return typeof field === 'string' && field !== '' ? field : undefined;
}

function firstOf(value: unknown, key: string): unknown {
  if (!isPlainObject(value)) return undefined;
  const list = value[key];
  return Array.isArray(list) ? (list[0] as unknown) : undefined;
}

/** Meta's `{error:{code, message, error_data:{details}, fbtrace_id}}` as an outcome. */
function metaFailure(status: number, error: Record<string, unknown>): Failure {
  const code = typeof error.code === 'number' && Number.isInteger(error.code) ? error.code : null;
  const details = isPlainObject(error.error_data) ? stringAt(error.error_data, 'details') : undefined;
  const trace = stringAt(error, 'fbtrace_id');
  // Meta's message is often generic ("(#131009) Parameter value is not valid"); the details
  // say what was wrong, and the trace id is what Meta support asks for.
  const message = [
    stringAt(error, 'message') ?? 'no message',
    details !== undefined ? `: ${details}` : '',
    trace !== undefined ? ` (fbtrace_id ${trace})` : '',
  ].join('');
  return classifyMetaError(status, code, message);
}

export class CloudApiSender implements MessageSender {
  private readonly agent: Agent;
  private readonly apiVersion: string;
  private readonly timeoutMs: number;

  constructor(options: CloudApiSenderOptions) {
    if (!/^v\d+\.\d+$/.test(options.apiVersion)) throw new Error(`apiVersion must look like "v21.0", got "${options.apiVersion}"`);
    this.apiVersion = options.apiVersion;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.agent = new Agent({
      connections: options.connectionsPerOrigin ?? 50,
      // One request per connection at a time: a slow answer never holds up the next message.
      pipelining: 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
      connect: { timeout: this.timeoutMs },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      maxResponseSize: MAX_RESPONSE_BYTES,
    });
  }

  /** `{graphUrl}/{version}/{phoneNumberId}/messages`; graphUrl may carry a path (the sandbox's does). */
  private urlFor(account: SenderAccount): string {
    const base = account.graphUrl.replace(/\/+$/, '');
    return `${base}/${this.apiVersion}/${encodeURIComponent(account.phoneNumberId)}/messages`;
  }

  async send(account: SenderAccount, message: OutgoingMessage, signal?: AbortSignal): Promise<SendOutcome> {
    if (signal?.aborted === true) return inDoubt('cancelled before sending');
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const abort = signal === undefined ? deadline : AbortSignal.any([signal, deadline]);
    let status: number;
    let text: string;
    try {
      const response = await request(this.urlFor(account), {
        method: 'POST',
        dispatcher: this.agent,
        headers: {
          authorization: `Bearer ${account.accessToken}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify(message),
        signal: abort,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      status = response.statusCode;
      // Read to the end even when unused, so the connection goes back to the pool.
      text = await response.body.text();
    } catch (error) {
      if (deadline.aborted) return inDoubt(`no answer within ${this.timeoutMs} ms`);
      // Not the deadline, so the caller's signal ended it.
      if (abort.aborted) return inDoubt('cancelled while sending');
      return inDoubt(`network error: ${errorText(error)}`);
    }
    return this.outcomeOf(status, text, message.to);
  }

  private outcomeOf(status: number, text: string, to: string): SendOutcome {
    const body = tryParse(text);
    if (status >= 200 && status < 300) {
      const messageId = stringAt(firstOf(body, 'messages'), 'id');
      if (messageId === undefined) return inDoubt(`HTTP ${status} without a message id: ${text.slice(0, 200)}`);
      // wa_id may differ from what we sent (Brazil, Mexico, Argentina): it is the one to keep.
      return { kind: 'accepted', messageId, recipientId: stringAt(firstOf(body, 'contacts'), 'wa_id') ?? to };
    }
    if (isPlainObject(body) && isPlainObject(body.error)) return metaFailure(status, body.error);
    if (body === undefined) return inDoubt(`HTTP ${status} with a body that is not JSON: ${text.slice(0, 200)}`);
    // JSON but not Meta's error shape (a proxy in between): the status is all there is.
    return classifyMetaError(status, null, `unexpected answer: ${text.slice(0, 200)}`);
  }

  /** Closes the pooled connections; sends after this fail as network errors (retry). */
  async close(): Promise<void> {
    await this.agent.close();
  }
}
