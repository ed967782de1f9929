/**
 * The values a template parameter can name (BRIEF.md, Templates): a plain nested object
 * built from the normalised model, so a mapping path such as `order.totalFormatted` is a
 * look-up, never code. Every leaf is text, a number or null (no value: the parameter's
 * fallback applies). TEMPLATE_PATHS documents each leaf; the type below keeps the two in
 * step, so a path cannot be added to one and forgotten in the other.
 */
import type { Cart, Customer, DeliveryStatus, DeliveryUpdate, Fulfillment, Order } from '../events/model.js';
import {
  DEFAULT_TIME_ZONE,
  cancelReasonText,
  deliveryStatusText,
  formatDate,
  formatMoney,
  itemCount,
  paymentMethodText,
  plainAmount,
  safeLocale,
  summarizeItems,
} from './template-format.js';

type Text = string | null;

export interface TemplateContext {
  customer: { firstName: Text; lastName: Text; name: Text };
  order: {
    id: Text;
    number: Text;
    total: Text;
    currency: Text;
    totalFormatted: Text;
    itemsSummary: Text;
    itemCount: number | null;
    statusUrl: Text;
    cancelReason: Text;
    paymentMethod: Text;
  };
  tracking: { company: Text; number: Text; url: Text };
  delivery: { status: DeliveryStatus | null; statusText: Text; date: Text };
  cart: { itemsSummary: Text; totalFormatted: Text; recoveryUrl: Text };
  store: { name: Text };
  link: { token: Text };
  discount: { code: Text };
}

/** "a.b" for every leaf of T. */
type LeafPaths<T> = {
  [K in keyof T & string]: T[K] extends Record<string, unknown> ? `${K}.${LeafPaths<T[K]>}` : K;
}[keyof T & string];

export type TemplatePath = LeafPaths<TemplateContext>;

/** Every path a mapping may use, with what it holds. Shown in docs and checked when a mapping is saved. */
export const TEMPLATE_PATHS: Readonly<Record<TemplatePath, string>> = {
  'customer.firstName': "Customer's first name (order, else cart)",
  'customer.lastName': "Customer's last name",
  'customer.name': "Customer's full name: first and last name",
  'order.id': "The store's order id (also known from a fulfillment or delivery event)",
  'order.number': 'The number customers know, e.g. "#1581"; else the delivery alias, else the order id',
  'order.total': 'Order total as a plain decimal, e.g. "180.00"',
  'order.currency': 'ISO currency code, e.g. "INR"',
  'order.totalFormatted': 'Order total with its currency, e.g. "₹180.00" ("180.00" without a currency)',
  'order.itemsSummary': 'Items in the order, e.g. "Blue Tee × 2, Cap and 3 more" (at most 100 characters)',
  'order.itemCount': 'Number of units in the order',
  'order.statusUrl': "The store's order status page",
  'order.cancelReason': 'Why the order was cancelled, in words (Shopify codes are translated)',
  'order.paymentMethod': '"Prepaid" or "Cash on delivery"; empty when unknown',
  'tracking.company': 'Courier, e.g. "Delhivery"',
  'tracking.number': 'Tracking (AWB) number (several parcels: each, joined with ", ")',
  'tracking.url': "Courier's tracking page",
  'delivery.status': 'dispatched, in_transit, delivered or returned',
  'delivery.statusText': '"Dispatched", "In transit", "Delivered" or "Returned"',
  'delivery.date': 'When the delivery status changed, e.g. "26 Oct 2021" in the tenant\'s time zone',
  'cart.itemsSummary': 'Items left in the cart, e.g. "Steel Bottle × 2" (at most 100 characters)',
  'cart.totalFormatted': 'Cart total with its currency, e.g. "₹899.00"',
  'cart.recoveryUrl': "The store's link back to the cart",
  'store.name': "The brand's name as registered with Orderline",
  'link.token': 'Token of the Orderline redirect made for this message: URL buttons `{PUBLIC_URL}/r/{{1}}`',
  'discount.code': 'Discount code of a cart reminder step',
};

export function isTemplatePath(path: string): path is TemplatePath {
  return Object.hasOwn(TEMPLATE_PATHS, path);
}

export interface TemplateContextInput {
  order?: Order | null;
  fulfillment?: Fulfillment | null;
  delivery?: DeliveryUpdate | null;
  cart?: Cart | null;
  storeName: string;
  /** The `/r/{token}` redirect created for this message's link (tracking page, cart, status page). */
  linkToken?: string | null;
  discountCode?: string | null;
  /** BCP 47 locale for money and dates; default en-IN. */
  locale?: string;
  /** IANA zone for dates (the tenant's); default UTC. */
  timeZone?: string;
}

/** "" and whitespace are "no value" in the context, as null is in the model. */
function text(v: string | null | undefined): Text {
  if (v === null || v === undefined) return null;
  const t = v.trim();
  return t === '' ? null : t;
}

function fullName(c: Customer | null): Text {
  if (c === null) return null;
  return text([c.firstName, c.lastName].filter((p) => p !== null && p.trim() !== '').join(' '));
}

export function buildTemplateContext(input: TemplateContextInput): TemplateContext {
  const order = input.order ?? null;
  const fulfillment = input.fulfillment ?? null;
  const delivery = input.delivery ?? null;
  const cart = input.cart ?? null;
  const locale = safeLocale(input.locale);
  const customer = order?.customer ?? cart?.customer ?? null;
  const orderId = text(order?.id ?? fulfillment?.orderId ?? delivery?.orderId);
  // A fulfillment's tracking is the one for this shipment; the order's is its latest.
  const tracking = fulfillment?.tracking ?? order?.tracking ?? null;

  return {
    customer: { firstName: text(customer?.firstName), lastName: text(customer?.lastName), name: fullName(customer) },
    order: {
      id: orderId,
      number: text(order?.number) ?? text(delivery?.idAlias) ?? orderId,
      total: plainAmount(order?.total ?? null),
      currency: text(order?.currency),
      totalFormatted: order === null ? null : formatMoney(order.total, order.currency, locale),
      itemsSummary: order === null ? null : summarizeItems(order.lineItems),
      itemCount: order === null ? null : itemCount(order.lineItems),
      statusUrl: text(order?.statusUrl),
      cancelReason: order === null ? null : text(cancelReasonText(order.cancelReason)),
      paymentMethod: order === null ? null : paymentMethodText(order.payment),
    },
    tracking: { company: text(tracking?.company), number: text(tracking?.number), url: text(tracking?.url) },
    delivery: {
      status: delivery?.status ?? null,
      statusText: delivery === null ? null : deliveryStatusText(delivery.status),
      date: delivery === null ? null : formatDate(delivery.occurredAt, locale, input.timeZone ?? DEFAULT_TIME_ZONE),
    },
    cart: {
      itemsSummary: cart === null ? null : summarizeItems(cart.lineItems),
      totalFormatted: cart === null ? null : formatMoney(cart.total, cart.currency, locale),
      recoveryUrl: text(cart?.recoveryUrl),
    },
    store: { name: text(input.storeName) },
    link: { token: text(input.linkToken) },
    discount: { code: text(input.discountCode) },
  };
}

/**
 * A complete, realistic context: the example values Meta requires when a template is
 * submitted, and a preview for operators. Every path has a value.
 */
export const SAMPLE_TEMPLATE_CONTEXT: TemplateContext = {
  customer: { firstName: 'Asha', lastName: 'Verma', name: 'Asha Verma' },
  order: {
    id: '4331283087516',
    number: '#1581',
    total: '1499.00',
    currency: 'INR',
    totalFormatted: '₹1,499.00',
    itemsSummary: 'Cotton Kurta × 2 and Gift wrap',
    itemCount: 3,
    statusUrl: 'https://shop.example.com/orders/abc123',
    cancelReason: 'Cancelled at your request',
    paymentMethod: 'Prepaid',
  },
  tracking: { company: 'Delhivery', number: '1234567890', url: 'https://www.delhivery.com/track/package/1234567890' },
  delivery: { status: 'in_transit', statusText: 'In transit', date: '7 Mar 2024' },
  cart: {
    itemsSummary: 'Silk Scarf and Steel Bottle × 2',
    totalFormatted: '₹1,597.00',
    recoveryUrl: 'https://shop.example.com/checkouts/b1946/recover',
  },
  store: { name: 'Chai Point' },
  link: { token: 'abc123' },
  discount: { code: 'COMEBACK10' },
};
