/**
 * Tracking details (carrier, number, link) from the shapes brands use: Shopify REST
 * fulfillments (`tracking_company`, `tracking_numbers[]`, `tracking_urls[]`), their camelCase
 * copies, Shopify GraphQL's `trackingInfo` (one object or a list), and BusinessOnBot's
 * `shipment_details.tracking_info`, which is a bare URL.
 */
import { isRecord, pickStr, str, type JsonObject } from './fields.js';
import type { Tracking } from './model.js';

function firstStr(v: unknown): string | null {
  if (!Array.isArray(v)) return null;
  for (const item of v) {
    const s = str(item);
    if (s !== null) return s;
  }
  return null;
}

/**
 * Every number of a shipment sent in several parcels (Shopify's `tracking_numbers`, GraphQL's
 * `trackingInfo` list), joined:
 * its singular `tracking_number` is only the first, and a customer told one number looks for
 * the other parcels in vain. Null when the list holds fewer than two.
 */
function allNumbers(v: unknown): string | null {
  if (!Array.isArray(v)) return null;
  // Parcels with different carriers: the carrier named beside the numbers would be wrong for some.
  const carriers = new Set(v.map((item) => (isRecord(item) ? pickStr(item, 'company', 'carrier') : null)).filter((c) => c !== null));
  if (carriers.size > 1) return null;
  const numbers = [...new Set(v.map((item) => (isRecord(item) ? pickStr(item, 'number', 'tracking_number') : str(item))).filter((s): s is string => s !== null))];
  return numbers.length > 1 ? numbers.join(', ') : null;
}

/** `trackingInfo` may be one object or a list of them; the first useful entry wins. */
function trackingInfo(v: unknown): JsonObject | null {
  const list: unknown[] = Array.isArray(v) ? v : [v];
  for (const entry of list) if (isRecord(entry)) return entry;
  return null;
}

/** Tracking from a fulfillment-shaped object; null when it names no carrier, number or link. */
export function trackingOf(f: JsonObject): Tracking | null {
  const info = trackingInfo(f.trackingInfo ?? f.tracking_info);
  const t: Tracking = {
    company:
      pickStr(f, 'tracking_company', 'trackingCompany') ?? pickStr(info, 'company', 'carrier'),
    number:
      allNumbers(f.tracking_numbers ?? f.trackingNumbers) ??
      allNumbers(f.trackingInfo ?? f.tracking_info) ??
      pickStr(f, 'tracking_number', 'trackingNumber') ??
      firstStr(f.tracking_numbers ?? f.trackingNumbers) ??
      pickStr(info, 'number', 'tracking_number'),
    url:
      pickStr(f, 'tracking_url', 'trackingUrl') ??
      firstStr(f.tracking_urls ?? f.trackingUrls) ??
      pickStr(info, 'url', 'tracking_url'),
  };
  return t.company === null && t.number === null && t.url === null ? null : t;
}

const URL_RE = /^https?:\/\//i;

/**
 * BusinessOnBot's `tracking_info`: documented as the tracking URL, but a brand may put a bare
 * tracking number there or send an object; a non-URL string is kept as the number rather than
 * dropped or turned into a broken link.
 */
export function trackingFromInfo(v: unknown): Tracking | null {
  if (isRecord(v)) {
    const t: Tracking = {
      company: pickStr(v, 'company', 'carrier', 'tracking_company', 'trackingCompany'),
      number: pickStr(v, 'number', 'tracking_number', 'trackingNumber', 'awb'),
      url: pickStr(v, 'url', 'tracking_url', 'trackingUrl'),
    };
    return t.company === null && t.number === null && t.url === null ? null : t;
  }
  const s = str(v);
  if (s === null) return null;
  return URL_RE.test(s)
    ? { company: null, number: null, url: s }
    : { company: null, number: s, url: null };
}
