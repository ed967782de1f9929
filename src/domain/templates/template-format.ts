/**
 * How model values read in a customer's message: money, dates, item lists, delivery
 * statuses. Pure functions of their input and a locale, so a message renders the same
 * way every time it is retried.
 */
import type { DeliveryStatus, LineItem, Order, PaymentMethod } from '../events/model.js';
import { truncate } from './template-text.js';

export const DEFAULT_LOCALE = 'en-IN';
export const DEFAULT_TIME_ZONE = 'UTC';

/** The longest item summary: it is one parameter among several in a 1024-character body. */
export const ITEMS_SUMMARY_MAX = 100;

/** The locale's canonical spelling ("en-us" → "en-US") if Intl formats numbers and dates in it, else null. */
export function supportedLocale(locale: string): string | null {
  try {
    const canonical = Intl.getCanonicalLocales(locale)[0];
    if (canonical === undefined) return null;
    const numbers = Intl.NumberFormat.supportedLocalesOf([canonical], { localeMatcher: 'lookup' });
    const dates = Intl.DateTimeFormat.supportedLocalesOf([canonical], { localeMatcher: 'lookup' });
    return numbers.length === 1 && dates.length === 1 ? canonical : null;
  } catch {
    // RangeError: not a well-formed language tag.
    return null;
  }
}

/** A usable BCP 47 locale: a malformed one (a typo in tenant settings) must not stop a notification. */
export function safeLocale(locale: string | undefined): string {
  if (locale === undefined) return DEFAULT_LOCALE;
  try {
    return Intl.getCanonicalLocales(locale)[0] ?? DEFAULT_LOCALE;
  } catch {
    return DEFAULT_LOCALE;
  }
}

/** A decimal amount as sent ("180.0", "1,499.00", " 55 ") as a number, or null. */
function amountOf(amount: string): number | null {
  const n = Number(amount.replace(/[,\s]/g, ''));
  return amount.trim() !== '' && Number.isFinite(n) ? n : null;
}

/**
 * What Intl formats: the amount's own decimal digits when it is written as a plain decimal
 * (Intl reads such a string exactly), else the number. A double keeps about 16 digits, so
 * "12345678901234567.89" as a number showed the customer ₹…34,568.00.
 */
function exactAmount(amount: string, n: number): Intl.StringNumericLiteral | number {
  const digits = amount.replace(/[,\s]/g, '');
  return /^[+-]?\d+(\.\d+)?$/.test(digits) ? (digits as Intl.StringNumericLiteral) : n;
}

const PLAIN = new Intl.NumberFormat('en-US', { useGrouping: false, minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** "180.0" and " 1,499.5 " as "180.00" and "1499.50": the plain decimal a template shows; null if not a number. */
export function plainAmount(amount: string | null): string | null {
  if (amount === null) return null;
  const n = amountOf(amount);
  return n === null ? null : PLAIN.format(exactAmount(amount, n));
}

/**
 * "₹180.00", "$1,499.50"; "180.00" without a currency. An amount that is not a number gives
 * null (so the parameter's fallback is used) rather than a misleading figure. A currency code
 * Intl refuses ("Rs.") is shown in front of the plain amount instead of failing.
 */
export function formatMoney(amount: string | null, currency: string | null, locale: string): string | null {
  if (amount === null) return null;
  const n = amountOf(amount);
  if (n === null) return null;
  const exact = exactAmount(amount, n);
  const plain = numberFormat(locale, null).format(exact);
  if (currency === null) return plain;
  try {
    return numberFormat(locale, currency).format(exact);
  } catch {
    return `${currency} ${plain}`;
  }
}

/** Building an Intl.NumberFormat costs far more than using one: keep them by locale and currency. */
const formats = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: string, currency: string | null): Intl.NumberFormat {
  const key = `${locale}|${currency ?? ''}`;
  let format = formats.get(key);
  if (format === undefined) {
    format = new Intl.NumberFormat(
      locale,
      currency === null ? { minimumFractionDigits: 2, maximumFractionDigits: 2 } : { style: 'currency', currency },
    );
    if (formats.size > 500) formats.clear();
    formats.set(key, format);
  }
  return format;
}

/** "26 Oct 2021" in the tenant's zone (en-IN); null for an unreadable time. */
export function formatDate(iso: string, locale: string, timeZone: string): string | null {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  const options: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric' };
  try {
    return new Intl.DateTimeFormat(locale, { ...options, timeZone }).format(date);
  } catch {
    // An unknown zone name in settings: the date in UTC is better than no message.
    return new Intl.DateTimeFormat(locale, { ...options, timeZone: DEFAULT_TIME_ZONE }).format(date);
  }
}

/** Items actually bought: a quantity of 0 is a removed line, not something to list. */
function bought(items: readonly LineItem[]): LineItem[] {
  return items.filter((i) => i.quantity > 0);
}

/** Units in the order or cart ("3 items"); null when there are no items. */
export function itemCount(items: readonly LineItem[]): number | null {
  const lines = bought(items);
  return lines.length === 0 ? null : lines.reduce((sum, i) => sum + i.quantity, 0);
}

/** With more lines than this, the summary names one fewer and counts the rest ("and 3 more"). */
const MAX_NAMED = 3;

function listText(names: string[], more: number): string {
  if (more > 0) return `${names.join(', ')} and ${more} more`;
  if (names.length === 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] ?? ''}`;
}

/**
 * "Blue Tee × 2, Cap and 3 more": the lines the customer will recognise, at most
 * ITEMS_SUMMARY_MAX characters. Up to three lines are named; a longer list names two and
 * counts the rest ("and 1 more" would say less than the name it replaces). Names are
 * dropped from the end until the text fits; a single name too long to fit is cut, keeping
 * its quantity.
 */
export function summarizeItems(items: readonly LineItem[], maxLength = ITEMS_SUMMARY_MAX): string | null {
  const lines = bought(items).map((i) => ({
    title: i.title.trim() === '' ? 'Item' : i.title.trim(),
    quantity: i.quantity > 1 ? ` × ${i.quantity}` : '',
  }));
  if (lines.length === 0) return null;
  const names = lines.map((l) => l.title + l.quantity);
  const firstTry = lines.length <= MAX_NAMED ? lines.length : MAX_NAMED - 1;
  for (let shown = firstTry; shown >= 1; shown--) {
    const text = listText(names.slice(0, shown), lines.length - shown);
    if (text.length <= maxLength) return text;
  }
  const first = lines[0];
  if (first === undefined) return null;
  const rest = lines.length - 1;
  const tail = `${first.quantity}${rest > 0 ? ` and ${rest} more` : ''}`;
  return truncate(first.title, maxLength - tail.length) + tail;
}

const STATUS_TEXT: Record<DeliveryStatus, string> = {
  dispatched: 'Dispatched',
  in_transit: 'In transit',
  delivered: 'Delivered',
  returned: 'Returned',
};

export function deliveryStatusText(status: DeliveryStatus): string {
  return STATUS_TEXT[status];
}

const PAYMENT_TEXT: Record<PaymentMethod, string | null> = {
  prepaid: 'Prepaid',
  cod: 'Cash on delivery',
  // Unknown is not something to tell a customer; the parameter's fallback applies.
  unknown: null,
};

export function paymentMethodText(payment: PaymentMethod): string | null {
  return PAYMENT_TEXT[payment];
}

/**
 * Shopify sends a cancellation reason as a code; customers should read words, and never
 * the word "fraud". Any other reason (BusinessOnBot sends free text) is shown as sent.
 */
const CANCEL_REASON_TEXT: Record<string, string> = {
  customer: 'Cancelled at your request',
  declined: 'Payment was declined',
  fraud: 'Payment could not be verified',
  inventory: 'Items unavailable',
  staff: 'Cancelled by the store',
  other: 'Cancelled by the store',
};

export function cancelReasonText(reason: Order['cancelReason']): string | null {
  if (reason === null) return null;
  const key = reason.trim().toLowerCase();
  return Object.hasOwn(CANCEL_REASON_TEXT, key) ? (CANCEL_REASON_TEXT[key] ?? null) : reason;
}
