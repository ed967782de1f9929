/**
 * The BrandApi port over one tenant's brand APIs (BRIEF.md, "Brand APIs").
 *
 * Promised: every call resolves to a typed result and never throws for anything the brand
 * does (a caller's non-E.164 phone throws InvalidPhoneError: that is a bug, not an answer).
 * GETs get a deadline per attempt and are retried with backoff on timeouts, network errors,
 * 5xx, 408 and 429; the cancel POST is sent once, because a cancel whose answer was lost
 * may have happened and the brand's API has no idempotency key. A circuit breaker per
 * tenant makes calls fail at once while the brand is down, so a customer waiting on
 * WhatsApp gets the polite answer in milliseconds rather than after every retry.
 *
 * The key travels in the `x-guest-id` header only; causes name endpoints by their template
 * label (brand-endpoints.ts), never a customer's phone or email, and what a brand's answer
 * says in them has phones and emails masked (brand-answer.ts, `excerpt`).
 */
import type { Dispatcher } from 'undici';
import {
  RECENT_ORDERS_LIMIT,
  type BrandApi,
  type BrandCallOptions,
  type BrandCancelResult,
  type BrandCustomer,
  type BrandFailure,
  type BrandFailureKind,
  type BrandLookup,
} from '../domain/ports/brand-api.js';
import type { Order } from '../domain/events/model.js';
import { failure, judgeCancel, judgeGet, type Judged } from './brand-answer.js';
import { customerFromBody, orderFromBody, ordersFromBody, type Parsed } from './brand-bodies.js';
import { BRAND_ENDPOINTS, brandPaths, cancelOrderBody, type BrandEndpoint } from './brand-endpoints.js';
import { BrandHttp, type BrandExchange } from './brand-http.js';
import { CircuitBreaker, type CallVerdict, type CircuitBreakerOptions } from './circuit-breaker.js';
import { phonePathSegment, type PhoneFormat } from './phone-path.js';

/** One attempt as it happened, for metrics, logs and `orderline brand-check`. */
export interface BrandAttempt {
  endpoint: BrandEndpoint;
  /** 1 for the first try; 0 when the circuit refused the call without a request. */
  attempt: number;
  httpStatus: number | null;
  latencyMs: number;
  outcome: 'found' | 'not_found' | 'cancelled' | BrandFailureKind;
  cause: string | null;
  willRetry: boolean;
}

export interface BrandApiClientOptions {
  baseUrl: string;
  /** Sent as `x-guest-id`; null: no header. */
  apiKey: string | null;
  /** Per attempt; default 5000 ms. */
  timeoutMs?: number;
  /** How the brand's paths spell a phone; default `digits`. */
  phoneFormat?: PhoneFormat;
  /** Waits before the 2nd, 3rd, … attempt of a GET; default [200, 600]. `[]`: no retries. */
  retryDelaysMs?: readonly number[];
  /** A breaker of the caller's (shared, or with an injected clock) or options for a new one. */
  breaker?: CircuitBreaker | CircuitBreakerOptions;
  /** Connections to share between tenants; default: the client's own keep-alive agent. */
  dispatcher?: Dispatcher;
  /** Waits between attempts; tests pass one that does not sleep. Resolves early on abort. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called after every attempt (and for calls the open circuit refused). Must not throw. */
  observer?: (attempt: BrandAttempt) => void;
  /** Milliseconds for latency; default performance.now. */
  elapsed?: () => number;
}

export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [200, 600];

/** A timer that ends early when the signal aborts (the caller then stops retrying). */
function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

type GetResult<T> = BrandLookup<T>;

function verdictOf(judged: Judged<unknown>): CallVerdict {
  if (judged.cancelled) return 'neutral';
  return judged.brandFault ? 'failure' : 'success';
}

function outcomeOf(result: GetResult<unknown> | BrandCancelResult): BrandAttempt['outcome'] {
  return result.kind === 'failure' ? result.failure : result.kind;
}

export class BrandApiClient implements BrandApi {
  readonly baseUrl: string;
  readonly phoneFormat: PhoneFormat;
  readonly breaker: CircuitBreaker;
  private readonly http: BrandHttp;
  private readonly retryDelaysMs: readonly number[];
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly observer: (attempt: BrandAttempt) => void;

  constructor(options: BrandApiClientOptions) {
    this.http = new BrandHttp({
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs ?? 5000,
      ...(options.dispatcher !== undefined ? { dispatcher: options.dispatcher } : {}),
      ...(options.elapsed !== undefined ? { elapsed: options.elapsed } : {}),
    });
    this.baseUrl = this.http.baseUrl;
    this.phoneFormat = options.phoneFormat ?? 'digits';
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.breaker = options.breaker instanceof CircuitBreaker ? options.breaker : new CircuitBreaker(options.breaker);
    this.sleep = options.sleep ?? sleepUnlessAborted;
    this.observer = options.observer ?? (() => undefined);
  }

  async getOrder(orderId: string, options: BrandCallOptions = {}): Promise<BrandLookup<Order>> {
    const path = brandPaths.order(orderId);
    // Customers can type or forge ids ("track:.."): one no path can name is simply not found.
    if (path === null) return { kind: 'not_found' };
    return this.get('order', path, orderFromBody, options);
  }

  customerByPhone(e164: string, options: BrandCallOptions = {}): Promise<BrandLookup<BrandCustomer>> {
    const path = brandPaths.customerByPhone(phonePathSegment(e164, this.phoneFormat));
    return this.get('customerByPhone', path, customerFromBody, options);
  }

  customerByEmail(email: string, options: BrandCallOptions = {}): Promise<BrandLookup<BrandCustomer>> {
    return this.get('customerByEmail', brandPaths.customerByEmail(email.trim()), customerFromBody, options);
  }

  async recentOrders(e164: string, options: BrandCallOptions = {}): Promise<BrandLookup<Order[]>> {
    const path = brandPaths.recentOrders(phonePathSegment(e164, this.phoneFormat));
    const result = await this.get('recentOrders', path, (body) => ordersFromBody(body, RECENT_ORDERS_LIMIT), options);
    // The port promises a non-empty list: a brand that lists nothing has nothing for us.
    return result.kind === 'found' && result.value.length === 0 ? { kind: 'not_found' } : result;
  }

  async cancelOrder(orderId: string, reason: string, options: BrandCallOptions = {}): Promise<BrandCancelResult> {
    const permit = this.breaker.tryAcquire();
    if (!permit.allowed) return this.circuitOpen('cancelOrder', permit.retryInMs, permit.consecutiveFailures);
    const exchange = await this.http.send({
      method: 'POST',
      path: brandPaths.cancelOrder(),
      body: cancelOrderBody(orderId, reason),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    });
    const judged = judgeCancel(exchange, (text) => this.http.redact(text));
    const result = this.labelled('cancelOrder', judged.result);
    this.report('cancelOrder', 1, exchange, result, false);
    this.breaker.settle(permit, verdictOf(judged));
    return result;
  }

  /** Closes this client's own connections (a shared dispatcher is closed by its owner). */
  close(): Promise<void> {
    return this.http.close();
  }

  /** One GET with retries, inside the circuit breaker. */
  private async get<T>(
    endpoint: BrandEndpoint,
    path: string,
    parse: (body: unknown) => Parsed<T>,
    options: BrandCallOptions,
  ): Promise<GetResult<T>> {
    const permit = this.breaker.tryAcquire();
    if (!permit.allowed) return this.circuitOpen(endpoint, permit.retryInMs, permit.consecutiveFailures);
    // A half-open trial is one request: a recovering brand should not get a burst.
    const attempts = permit.trial ? 1 : 1 + this.retryDelaysMs.length;
    let attempt = 0;
    for (;;) {
      attempt += 1;
      const exchange = await this.http.send({ method: 'GET', path, ...(options.signal !== undefined ? { signal: options.signal } : {}) });
      const judged = this.read(endpoint, exchange, parse);
      const delay = this.retryDelaysMs[attempt - 1];
      const willRetry = judged.retryable && attempt < attempts && delay !== undefined;
      this.report(endpoint, attempt, exchange, judged.result, willRetry);
      if (!willRetry) {
        this.breaker.settle(permit, verdictOf(judged));
        return judged.result;
      }
      await this.sleep(delay, options.signal);
      if (options.signal?.aborted === true) {
        this.breaker.settle(permit, 'neutral');
        return this.labelled(endpoint, failure('timeout', 'cancelled by the caller between retries', null));
      }
    }
  }

  /** The answer read as far as the port's value: envelope first, then the body's shape. */
  private read<T>(endpoint: BrandEndpoint, exchange: BrandExchange, parse: (body: unknown) => Parsed<T>): Judged<GetResult<T>> {
    const judged = judgeGet(exchange, (text) => this.http.redact(text));
    const answer = judged.result;
    if (answer.kind === 'not_found') return { ...judged, result: answer };
    if (answer.kind === 'failure') return { ...judged, result: this.labelled(endpoint, answer) };
    const parsed = parse(answer.body);
    if (parsed.ok) return { ...judged, result: { kind: 'found', value: parsed.value } };
    const status = exchange.kind === 'answered' ? exchange.status : null;
    return { ...judged, result: this.labelled(endpoint, failure('malformed', `wrong shape: ${parsed.problem}`, status)) };
  }

  /** Causes start with the endpoint, so an operator reading a log knows which call failed. */
  private labelled<R extends GetResult<unknown> | BrandCancelResult>(endpoint: BrandEndpoint, result: R): R {
    if (result.kind !== 'failure') return result;
    return { ...result, cause: `${BRAND_ENDPOINTS[endpoint]}: ${this.http.redact(result.cause)}` };
  }

  private circuitOpen(endpoint: BrandEndpoint, retryInMs: number, failures: number): BrandFailure {
    const when = retryInMs > 0 ? `a trial call in ${Math.ceil(retryInMs / 1000)} s` : 'a trial call is in flight';
    const result = this.labelled(
      endpoint,
      failure('unavailable', `circuit open after ${failures} consecutive failures; ${when}`, null),
    );
    this.observer({ endpoint, attempt: 0, httpStatus: null, latencyMs: 0, outcome: 'unavailable', cause: result.cause, willRetry: false });
    return result;
  }

  private report(
    endpoint: BrandEndpoint,
    attempt: number,
    exchange: BrandExchange,
    result: GetResult<unknown> | BrandCancelResult,
    willRetry: boolean,
  ): void {
    this.observer({
      endpoint,
      attempt,
      httpStatus: exchange.kind === 'answered' ? exchange.status : null,
      latencyMs: exchange.latencyMs,
      outcome: outcomeOf(result),
      cause: result.kind === 'failure' ? result.cause : null,
      willRetry,
    });
  }
}
