/**
 * One HTTP request to a brand's API, and nothing more: the base URL, the key header, a
 * deadline, keep-alive connections. Interpreting the answer, retrying and circuit breaking
 * live above it (brand-api-client.ts).
 *
 * Promised: resolves for every outcome (an answer of any status, a timeout, a network error,
 * the caller's cancel) and never throws; the key goes into the `x-guest-id` header only, and
 * `redact` removes it from anything built from a brand's answer.
 */
import { Agent, request, type Dispatcher } from 'undici';

/** Brand answers are small JSON documents; anything bigger is not read whole. */
export const MAX_BRAND_RESPONSE_BYTES = 1_048_576;

export type BrandExchange =
  | { kind: 'answered'; status: number; text: string; latencyMs: number }
  | { kind: 'timeout'; cause: string; latencyMs: number }
  /** The caller's signal ended the request: says nothing about the brand. */
  | { kind: 'cancelled'; cause: string; latencyMs: number }
  | { kind: 'network'; cause: string; latencyMs: number }
  /** The brand answered with more than MAX_BRAND_RESPONSE_BYTES: not read, and no retry would change it. */
  | { kind: 'oversized'; cause: string; latencyMs: number };

export interface BrandRequest {
  method: 'GET' | 'POST';
  /** Path and query, already encoded, starting with "/". */
  path: string;
  /** JSON body (POST only). */
  body?: unknown;
  signal?: AbortSignal;
}

export interface BrandHttpOptions {
  baseUrl: string;
  /** Sent as `x-guest-id`; null sends no header at all (BRIEF: "no header when unset"). */
  apiKey: string | null;
  timeoutMs: number;
  /** Connections to share (one agent for all tenants); default: an agent of its own. */
  dispatcher?: Dispatcher;
  /** Milliseconds for latency; default performance.now. */
  elapsed?: () => number;
}

/** A keep-alive agent suited to brand APIs: a few connections per brand, idle ones kept 30 s. */
export function brandAgent(timeoutMs = 5000): Agent {
  return new Agent({
    connections: 16,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    connect: { timeout: timeoutMs },
    maxResponseSize: MAX_BRAND_RESPONSE_BYTES,
  });
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : `${error.name}: ${error.message}`;
  }
  return String(error);
}

export class BrandHttp {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  private readonly apiKey: string | null;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly elapsed: () => number;

  constructor(options: BrandHttpOptions) {
    // A base URL may carry a path ("https://shop.example/api"); endpoints are appended to it.
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey === null || options.apiKey === '' ? null : options.apiKey;
    this.timeoutMs = options.timeoutMs;
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher = options.dispatcher ?? brandAgent(options.timeoutMs);
    this.elapsed = options.elapsed ?? (() => performance.now());
  }

  async send(req: BrandRequest): Promise<BrandExchange> {
    const started = this.elapsed();
    const latency = () => Math.round(this.elapsed() - started);
    if (req.signal?.aborted === true) return { kind: 'cancelled', cause: 'cancelled before sending', latencyMs: 0 };
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const signal = req.signal === undefined ? deadline : AbortSignal.any([req.signal, deadline]);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.apiKey !== null) headers['x-guest-id'] = this.apiKey;
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    try {
      const response = await request(this.baseUrl + req.path, {
        method: req.method,
        dispatcher: this.dispatcher,
        headers,
        body: req.body === undefined ? null : JSON.stringify(req.body),
        signal,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      // Read to the end even when unused, so the connection returns to the pool.
      const text = await response.body.text();
      return { kind: 'answered', status: response.statusCode, text, latencyMs: latency() };
    } catch (error) {
      if (deadline.aborted) return { kind: 'timeout', cause: `no answer within ${this.timeoutMs} ms`, latencyMs: latency() };
      // Not the deadline, so the caller's signal ended it.
      if (signal.aborted) return { kind: 'cancelled', cause: 'cancelled by the caller', latencyMs: latency() };
      const text = errorText(error);
      if (text.includes('UND_ERR_RES_EXCEEDED_MAX_SIZE')) {
        return { kind: 'oversized', cause: `the answer was larger than ${MAX_BRAND_RESPONSE_BYTES} bytes`, latencyMs: latency() };
      }
      // undici's own header/body timers fire with these codes; they are timeouts too.
      if (/UND_ERR_(HEADERS|BODY|CONNECT)_TIMEOUT/.test(text)) {
        return { kind: 'timeout', cause: `no answer within ${this.timeoutMs} ms (${text})`, latencyMs: latency() };
      }
      return { kind: 'network', cause: `network error: ${text}`, latencyMs: latency() };
    }
  }

  /**
   * The text with the key blotted out: some brands echo request headers in their error
   * bodies, and causes built from those bodies end up in logs and operators' screens. A key
   * of under 4 characters is left alone: blotting out every "k" would garble the text.
   */
  redact(text: string): string {
    return this.apiKey === null || this.apiKey.length < 4 ? text : text.split(this.apiKey).join('[x-guest-id]');
  }

  /** Closes the connections if this client owns them (a shared agent is closed by its owner). */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }
}
