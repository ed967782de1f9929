/**
 * Text rules shared by rendering, layout checks and the catalog: Meta's rules for template
 * parameters (reference/whatsapp-cloud-api.md, Sending), `{{path}}` placeholders in literal
 * parameters, and looking a path up in a template context.
 */

/** Meta's limits on template text, in characters. */
export const LIMITS = {
  body: 1024,
  header: 60,
  footer: 60,
  buttonLabel: 25,
  buttons: 10,
  quickReplyPayload: 256,
} as const;

/**
 * `{{ path }}` inside a literal parameter. A function rather than a shared regex constant:
 * a global regex carries `lastIndex` between calls.
 */
function placeholderPattern(): RegExp {
  return /\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g;
}

/** The paths named by `{{…}}` placeholders in a literal, in order of appearance. */
export function placeholderPaths(literal: string): string[] {
  return [...literal.matchAll(placeholderPattern())].map((m) => m[1] ?? '');
}

/**
 * A literal with each placeholder replaced by its value. Null when any placeholder has no
 * value: "Hi {{customer.firstName}}" without a name, or "cod_confirm:{{order.id}}" without
 * an id, is not worth sending half-filled, so the caller turns to the fallback instead.
 */
export function substitutePlaceholders(literal: string, valueOf: (path: string) => string | null): string | null {
  let unresolved = false;
  const text = literal.replace(placeholderPattern(), (_match, path: string) => {
    const value = valueOf(path);
    if (value === null) unresolved = true;
    return value ?? '';
  });
  return unresolved ? null : text;
}

/**
 * A parameter made acceptable to Meta, which answers HTTP 400 to a text parameter holding a
 * newline, a tab or more than 4 consecutive spaces. Other control characters would be
 * invisible or break the layout in the chat, so they become spaces too.
 */
export function sanitizeText(s: string): string {
  return (
    s
      // A line break and the spaces around it read as one space: "Flat 4 \n Lake View".
      .replace(/ *[\u0000-\u001f\u007f\u0085\u2028\u2029]+ */g, ' ')
      .replace(/ {5,}/g, ' ')
      .trim()
  );
}

/**
 * At most `max` characters, ending in "…" when cut. WhatsApp's limits (template parameters,
 * button and list titles) count characters, so this counts code points, not UTF-16 units: an
 * emoji is one character, and a cut never leaves half of one (a lone surrogate, which Meta
 * shows as a broken character or refuses).
 */
export function truncate(s: string, max: number): string {
  // A string is never longer in code points than in UTF-16 units: short ones need no counting.
  if (s.length <= max) return s;
  if (max <= 0) return '';
  let points = 0;
  let kept = 0;
  for (const point of s) {
    points += 1;
    if (points > max) return `${s.slice(0, kept).trimEnd()}…`;
    if (points < max) kept += point.length;
  }
  return s;
}

/**
 * The value at a dotted path of a plain nested object, as text. Only own properties are
 * followed (a path such as `order.constructor` finds nothing), and only strings and finite
 * numbers count as values: an object, null or blank text is "no value".
 */
export function lookupPath(context: unknown, path: string): string | null {
  let current: unknown = context;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return null;
    current = (current as Record<string, unknown>)[key];
  }
  if (typeof current === 'number') return Number.isFinite(current) ? String(current) : null;
  if (typeof current === 'string') return current.trim() === '' ? null : current;
  return null;
}
