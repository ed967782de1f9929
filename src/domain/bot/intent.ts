/**
 * What a customer's message asks for. Taps carry our own ids (menu:…, track:…, cancel:…,
 * reason:…, cod_confirm:… from the COD template); typed text is matched for greetings,
 * menu words and order numbers ("#2207", "where is 2207").
 */
export type Intent =
  | { kind: 'menu' }
  | { kind: 'track' }
  | { kind: 'cancel' }
  | { kind: 'details' }
  | { kind: 'human' }
  | { kind: 'track_order'; orderRef: string }
  | { kind: 'cancel_order'; orderId: string }
  /** "cancel order #3002": a number the customer typed, found as the tracking look-up finds it. */
  | { kind: 'cancel_typed'; orderRef: string }
  | { kind: 'cancel_yes'; orderId: string }
  | { kind: 'cancel_no'; orderId: string }
  | { kind: 'cancel_reason'; orderId: string; reason: string }
  | { kind: 'cod_confirm'; orderId: string }
  | { kind: 'cod_cancel'; orderId: string }
  | { kind: 'unknown' };

const GREETING = /^(hi|hello|hey|hii+|namaste|menu|start over|help|options|good (morning|afternoon|evening))\b/i;
const TRACK_WORDS = /\b(track|where|status|order|ord)\b/i;

/**
 * The value of a decimal digit of any script. Unicode puts each script's digits 0-9 in a row,
 * and some rows follow one another (the mathematical digits): the value is the offset from the
 * start of the run, modulo 10.
 */
function digitValue(digit: string): number {
  const code = digit.codePointAt(0)!;
  let start = code;
  while (start > 0 && /\p{Nd}/u.test(String.fromCodePoint(start - 1))) start--;
  return (code - start) % 10;
}
const ORDER_NUMBER = /#?\b(\d{3,20})\b/;

export function intentOf(choice: string | null, text: string | null): Intent {
  if (choice !== null) {
    const [verb, ...rest] = choice.split(':');
    const arg = rest.join(':');
    // An id the assistant never offers (no order id, a reason without its order) is not a
    // request to look anything up at the brand: it is read like any other unclear message.
    if (verb !== 'menu' && arg === '') return { kind: 'unknown' };
    switch (verb) {
      case 'menu':
        return arg === 'track' ? { kind: 'track' } : arg === 'cancel' ? { kind: 'cancel' } : arg === 'details' ? { kind: 'details' } : arg === 'human' ? { kind: 'human' } : { kind: 'menu' };
      case 'track':
        return { kind: 'track_order', orderRef: arg };
      case 'cancel':
        return { kind: 'cancel_order', orderId: arg };
      case 'cancel_yes':
        return { kind: 'cancel_yes', orderId: arg };
      case 'cancel_no':
        return { kind: 'cancel_no', orderId: arg };
      case 'reason': {
        const cut = arg.lastIndexOf(':');
        if (cut <= 0 || cut === arg.length - 1) return { kind: 'unknown' };
        return { kind: 'cancel_reason', orderId: arg.slice(0, cut), reason: arg.slice(cut + 1) };
      }
      case 'cod_confirm':
        return { kind: 'cod_confirm', orderId: arg };
      case 'cod_cancel':
        return { kind: 'cod_cancel', orderId: arg };
    }
  }
  if (text === null) return { kind: 'unknown' };
  // Digits in any script ("#२२०७") read as the ASCII ones order numbers are written in.
  const trimmed = text.trim().replace(/\p{Nd}/gu, (d) => String(digitValue(d)));
  // An order number outranks the greeting around it ("Hi, where is order 2207?").
  const number = ORDER_NUMBER.exec(trimmed)?.[1];
  const cancel = /\bcancel\b/i.test(trimmed);
  if (number !== undefined && cancel) return { kind: 'cancel_typed', orderRef: number };
  if (number !== undefined && (trimmed.startsWith('#') || TRACK_WORDS.test(trimmed) || /^\d+$/.test(trimmed))) {
    return { kind: 'track_order', orderRef: number };
  }
  if (GREETING.test(trimmed)) return { kind: 'menu' };
  if (cancel) return { kind: 'cancel' };
  if (/\b(track|where is my order|status|my orders?)\b/i.test(trimmed)) return { kind: 'track' };
  if (/\b(human|agent|person|support|call me)\b/i.test(trimmed)) return { kind: 'human' };
  return { kind: 'unknown' };
}
