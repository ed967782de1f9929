/**
 * Meta's error codes sorted into what the worker should do (reference: whatsapp-cloud-api.md).
 * Branch on `error.code` only, never on the text.
 */
import type { SendOutcome } from '../domain/ports/message-sender.js';

type Failure = Exclude<SendOutcome, { kind: 'accepted' }>;

const RETRY: Record<number, { scope: 'message' | 'recipient' | 'sender'; retryAfterMs: number | null }> = {
  130429: { scope: 'sender', retryAfterMs: null },
  131056: { scope: 'recipient', retryAfterMs: null },
  131000: { scope: 'message', retryAfterMs: null },
  131016: { scope: 'message', retryAfterMs: null },
  131057: { scope: 'sender', retryAfterMs: 60_000 },
  4: { scope: 'sender', retryAfterMs: 60_000 },
  80007: { scope: 'sender', retryAfterMs: 60_000 },
};

const REJECT: Record<number, Extract<Failure, { kind: 'rejected' }>['effect']> = {
  131047: 'outside_window',
  131026: 'undeliverable',
  131048: 'alert',
  131049: 'marketing_limit',
  131050: 'marketing_opt_out',
  131051: 'none',
  131008: 'none',
  131009: 'none',
  132000: 'alert',
  132001: 'alert',
  132005: 'alert',
  132012: 'alert',
  132015: 'alert',
  132016: 'alert',
  131030: 'none',
  190: 'pause_sender',
  368: 'alert',
  131031: 'alert',
};

export function classifyMetaError(httpStatus: number, code: number | null, message: string): Failure {
  const reason = `${code ?? `HTTP ${httpStatus}`}: ${message}`.slice(0, 500);
  if (code !== null) {
    const retry = RETRY[code];
    if (retry !== undefined) return { kind: 'retry', code, reason, ...retry };
    const effect = REJECT[code];
    if (effect !== undefined) return { kind: 'rejected', code, reason, effect };
  }
  // Unknown codes: server-side trouble is worth retrying, a client error is not.
  if (httpStatus >= 500 || httpStatus === 429) return { kind: 'retry', code, reason, scope: 'message', retryAfterMs: null };
  if (httpStatus === 401) return { kind: 'rejected', code, reason, effect: 'pause_sender' };
  return { kind: 'rejected', code, reason, effect: 'none' };
}
