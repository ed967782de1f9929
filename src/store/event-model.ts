/**
 * An event's model is derived from its raw body when read, the same way the guest API
 * derived it when the event came in (lossless JSON, then the kind's normaliser).
 */
import type { EventKind, NormalizedEvent } from '../domain/events/model.js';
import { normalizeEvent } from '../domain/events/normalize.js';
import { parseJsonLossless } from '../shared/lossless-json.js';

const KINDS: ReadonlySet<string> = new Set<EventKind>(['order_created', 'order_cancelled', 'fulfillment_created', 'delivery_updated', 'cart_abandoned']);

function isEventKind(kind: string): kind is EventKind {
  return KINDS.has(kind);
}

/**
 * Null when the body no longer reads as its kind: every stored body passed the normaliser
 * once, so only a stricter normaliser in a later version gets here, and readers then treat
 * the event as one they cannot act on rather than failing.
 */
export function modelOfStoredEvent(kind: string, rawBody: string, receivedAt: Date): NormalizedEvent | null {
  if (!isEventKind(kind)) return null;
  let body: unknown;
  try {
    body = parseJsonLossless(rawBody);
  } catch {
    // Stored bodies were parsed before they were stored; unparseable means not one of ours.
    return null;
  }
  const result = normalizeEvent(kind, body, receivedAt);
  return result.ok ? result.value : null;
}
