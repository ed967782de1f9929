/**
 * Where `GET /r/{token}` may send a customer. The target comes from the brand's data as sent
 * (a tracking URL, an order status page, a cart recovery link), and the redirect writes it into
 * a `Location` header: a value with a space or line break inside makes that header invalid (the
 * customer's tap got a 500), a value without a scheme ("www.delhivery.com/track/…") is read by
 * the browser as a path on Orderline's own host (a dead link), and a `javascript:` or other
 * non-web scheme is no page at all. So a target is kept only as an absolute http(s) URL, in the
 * WHATWG parser's ASCII form (spaces and non-ASCII percent-encoded, tabs and newlines dropped).
 */

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
/** "www.shop.com/x", "track.delhivery.com?awb=1": a host name first, as couriers' links often come. */
const BARE_HOST = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?::\d+)?([/?#]|$)/;

/** The brand's link as an absolute http(s) URL a `Location` header can carry, or null when it is none. */
export function redirectTarget(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const text = raw.trim();
  if (text === '') return null;
  let candidate = text;
  if (text.startsWith('//')) candidate = `https:${text}`;
  else if (!SCHEME.test(text) && BARE_HOST.test(text)) candidate = `https://${text}`;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  return url.href;
}

/** The first of the candidates that is a usable redirect target (the more specific page first). */
export function firstRedirectTarget(...candidates: (string | null | undefined)[]): string | null {
  for (const c of candidates) {
    const target = redirectTarget(c);
    if (target !== null) return target;
  }
  return null;
}
