/**
 * What a brand's HTTP answer means, before its body is read as an order or a customer.
 * The rules are BRIEF.md's: "not found" is a 404, the seed's failure envelope with 400
 * (`{"status":"failure","statusCode":400,"error":"Bad Request!!"}`), or an empty 200 (`{}`,
 * `[]`, `null`, an empty body); a cancel succeeded on a 2xx unless the body says
 * `"status":"failure"`. Everything else is sorted into the port's failure kinds, with a
 * flag saying whether trying again could help (only for GETs; the cancel is never retried).
 */
import type { BrandFailure, BrandFailureKind } from '../domain/ports/brand-api.js';
import { isRecord } from '../domain/events/fields.js';
import { maskContacts } from '../domain/recipients/mask-contacts.js';
import { parseJsonLossless } from '../shared/lossless-json.js';
import type { BrandExchange } from './brand-http.js';

/** The answer of a GET, read as far as the envelope. */
export type GetAnswer = { kind: 'body'; body: unknown } | { kind: 'not_found' } | BrandFailure;

export type CancelAnswer = { kind: 'cancelled' } | { kind: 'not_found' } | BrandFailure;

/** How the retry loop and the circuit breaker should treat an answer. */
export interface Judged<T> {
  result: T;
  /** Worth another attempt (GETs only): timeout, network error, 5xx, 408, 429. */
  retryable: boolean;
  /** Counts against the brand for the circuit breaker. */
  brandFault: boolean;
  /** The caller cancelled: neither the brand's fault nor a sign it is up. */
  cancelled: boolean;
}

export function failure(kind: BrandFailureKind, cause: string, httpStatus: number | null): BrandFailure {
  return { kind: 'failure', failure: kind, cause, httpStatus };
}

/** Removes the tenant's key from brand-supplied text (BrandHttp.redact); judging does not know the key. */
export type Redact = (text: string) => string;
const unchanged: Redact = (text) => text;

/**
 * Brand-supplied text (a body, a failure envelope's error) as it may appear in a cause: one
 * short line (bodies can be huge or binary), with customers' phones and emails masked, since
 * brands echo them in errors ("lookup failed for phone 9199…") and causes reach logs and
 * operators' alerts. Masked before cutting, so a cut cannot leave part of a number unmasked.
 */
export function excerpt(text: string, redact: Redact = unchanged, max = 120): string {
  // The key is blotted out first: masking a digit run inside it would leave the rest showing.
  const flat = maskContacts(redact(text).replace(/\s+/g, ' ').trim());
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** The JSON body, or undefined when the text is not JSON. Large ids survive exactly. */
function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: parseJsonLossless(text) };
  } catch {
    // Not JSON is an answer in its own right (reported as malformed), not an error to raise.
    return { ok: false };
  }
}

/** `{status: "failure", statusCode, error}`: the seed's envelope for every error. */
interface FailureEnvelope {
  statusCode: number | null;
  error: string;
}

function failureEnvelope(body: unknown): FailureEnvelope | null {
  if (!isRecord(body) || typeof body.status !== 'string' || body.status.toLowerCase() !== 'failure') return null;
  const code = typeof body.statusCode === 'number' ? body.statusCode : Number(body.statusCode);
  const parts = [body.error, body.message].filter((p): p is string => typeof p === 'string' && p.trim() !== '');
  return { statusCode: Number.isInteger(code) ? code : null, error: parts.join(': ') || 'no error text' };
}

/** `{}`, `[]`, `null`, or a wrapper holding nothing: "I have nothing for you". */
export function isEmptyJson(body: unknown): boolean {
  if (body === null) return true;
  if (Array.isArray(body)) return body.length === 0;
  if (!isRecord(body)) return false;
  const keys = Object.keys(body).filter((k) => k !== 'status' && k !== 'statusCode');
  if (keys.length === 0) return true;
  // `{"order": null}`, `{"customer": {}}`, `{"orders": []}`, possibly beside a success status.
  return keys.length === 1 && ['order', 'customer', 'orders', 'data'].includes(keys[0] ?? '') && isEmptyJson(body[keys[0] ?? '']);
}

function judged<T>(result: T, retryable: boolean, brandFault: boolean): Judged<T> {
  return { result, retryable, brandFault, cancelled: false };
}

/** Timeouts, network errors and the caller's cancel: the same for every endpoint. */
function unanswered(exchange: Exclude<BrandExchange, { kind: 'answered' }>): Judged<BrandFailure> {
  switch (exchange.kind) {
    case 'timeout':
      return judged(failure('timeout', exchange.cause, null), true, true);
    case 'cancelled':
      return { result: failure('timeout', exchange.cause, null), retryable: false, brandFault: false, cancelled: true };
    case 'network':
      return judged(failure('unavailable', exchange.cause, null), true, true);
    case 'oversized':
      return judged(failure('malformed', exchange.cause, null), false, false);
  }
}

/** Statuses that are neither success, not-found nor a refusal. */
function unexpectedStatus(status: number, text: string, redact: Redact): Judged<BrandFailure> {
  const body = text.trim() === '' ? '' : `: ${excerpt(text, redact)}`;
  if (status === 401 || status === 403) {
    return judged(failure('unavailable', `HTTP ${status}: the brand refused our key (check brandApi.apiKey)${body}`, status), false, true);
  }
  const transient = status >= 500 || status === 408 || status === 429;
  const kind = transient ? 'unavailable' : 'malformed';
  const what = transient ? 'the brand is failing' : 'a status the contract does not use';
  return judged(failure(kind, `HTTP ${status} (${what})${body}`, status), transient, transient);
}

export function judgeGet(exchange: BrandExchange, redact: Redact = unchanged): Judged<GetAnswer> {
  if (exchange.kind !== 'answered') return unanswered(exchange);
  const { status, text } = exchange;
  if (status === 404) return judged({ kind: 'not_found' }, false, false);
  const parsed = text.trim() === '' ? ({ ok: true, value: null } as const) : parseJson(text);
  const envelope = parsed.ok ? failureEnvelope(parsed.value) : null;
  if (status >= 200 && status < 300) {
    if (!parsed.ok) return judged(failure('malformed', `HTTP ${status} with a body that is not JSON: ${excerpt(text, redact)}`, status), false, false);
    if (isEmptyJson(parsed.value)) return judged({ kind: 'not_found' }, false, false);
    if (envelope !== null) {
      // A failure envelope inside a 200: believe the envelope's own status code.
      if (envelope.statusCode === 400 || envelope.statusCode === 404) return judged({ kind: 'not_found' }, false, false);
      const transient = envelope.statusCode === null || envelope.statusCode >= 500;
      return judged(failure('unavailable', `HTTP ${status} carrying a failure: ${excerpt(envelope.error, redact)}`, status), transient, true);
    }
    return judged({ kind: 'body', body: parsed.value }, false, false);
  }
  if (status === 400) {
    if (envelope !== null) return judged({ kind: 'not_found' }, false, false);
    return judged(failure('malformed', `HTTP 400 without the failure envelope: ${excerpt(text, redact)}`, status), false, false);
  }
  return unexpectedStatus(status, text, redact);
}

/** Statuses with which a brand says "no" to a cancel (rather than "I am broken"). */
const REFUSING_STATUSES = new Set([400, 409, 412, 422]);

export function judgeCancel(exchange: BrandExchange, redact: Redact = unchanged): Judged<CancelAnswer> {
  if (exchange.kind !== 'answered') return unanswered(exchange);
  const { status, text } = exchange;
  const parsed = text.trim() === '' ? null : parseJson(text);
  const envelope = parsed?.ok === true ? failureEnvelope(parsed.value) : null;
  if (status >= 200 && status < 300) {
    if (envelope === null) return judged({ kind: 'cancelled' }, false, false);
    if (envelope.statusCode === 404) return judged({ kind: 'not_found' }, false, false);
    return judged(failure('refused', `the brand declined the cancel: ${excerpt(envelope.error, redact)}`, status), false, false);
  }
  if (status === 404) return judged({ kind: 'not_found' }, false, false);
  if (REFUSING_STATUSES.has(status)) {
    const why = excerpt(envelope?.error ?? text, redact) || 'no reason given';
    return judged(failure('refused', `HTTP ${status}: the brand declined the cancel: ${why}`, status), false, false);
  }
  return unexpectedStatus(status, text, redact);
}
