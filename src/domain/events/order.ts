/**
 * orders-create / orders-cancelled bodies → `Order`. Accepts BusinessOnBot's trimmed,
 * GraphQL-like order (camelCase with `total_amount` and `shipment_details` mixed in) and
 * Shopify's REST order. Only `id` is required: a brand that sends no phone still gets its
 * event stored; the notification planner records why nothing was sent.
 */
import { countryCodeOf } from './country-code.js';
import { customerNames, firstOf, firstPhone } from './customer.js';
import {
  NOT_AN_OBJECT,
  address,
  bool,
  currency,
  isRecord,
  isoTime,
  lineItems,
  listOf,
  money,
  moneyCurrency,
  obj,
  pick,
  pickStr,
  requireId,
  str,
  unwrap,
  type JsonObject,
} from './fields.js';
import type {
  Customer,
  NormalizeResult,
  Order,
  PayloadIssue,
  PaymentMethod,
  Tracking,
} from './model.js';
import { trackingFromInfo, trackingOf } from './tracking.js';

/** "Cash on Delivery (COD)", "cod", "cash_on_delivery"; not "code" or "Cashfree". */
const COD_RE = /\b(cash on delivery|cod)\b/;

function gatewayNames(o: JsonObject): string[] {
  const names = listOf(pick(o, 'payment_gateway_names', 'paymentGatewayNames'))
    .map(str)
    .filter((s): s is string => s !== null);
  // `gateway` is Shopify's older single-gateway field, still sent by many shops.
  const single = pickStr(o, 'gateway');
  return single === null ? names : [...names, single];
}

function gatewaySuggestsCod(o: JsonObject): boolean {
  return gatewayNames(o).some((g) => COD_RE.test(g.toLowerCase().replace(/[_-]+/g, ' ')));
}

/**
 * COD or prepaid decides which confirmation a customer gets (COD asks them to confirm).
 * BusinessOnBot states it outright (`fullyPaid`); for Shopify the gateway is the reliable
 * signal, because a COD order and an unpaid bank transfer are both `pending`.
 */
export function paymentMethod(o: JsonObject): PaymentMethod {
  const fullyPaid = bool(o.fullyPaid);
  if (fullyPaid === false) return 'cod';
  if (fullyPaid === true) return 'prepaid';
  if (gatewaySuggestsCod(o)) return 'cod';
  const status = pickStr(o, 'financial_status', 'financialStatus', 'displayFinancialStatus');
  switch (status?.toLowerCase()) {
    case 'paid':
    case 'partially_paid':
    case 'authorized':
      return 'prepaid';
    default:
      // `pending` without a COD gateway may be a bank transfer not yet paid: don't guess.
      return 'unknown';
  }
}

const TOTAL_KEYS = [
  'total_amount',
  'totalAmount',
  'total_price',
  'totalPrice',
  'currentTotalPrice',
  'current_total_price',
  'totalPriceSet',
  'currentTotalPriceSet',
  'totalPriceV2',
] as const;

function total(o: JsonObject): { amount: string | null; currency: string | null } {
  for (const key of TOTAL_KEYS) {
    const amount = money(o[key]);
    if (amount !== null) return { amount, currency: currency(moneyCurrency(o[key])) };
  }
  return { amount: null, currency: null };
}

function tracking(o: JsonObject): Tracking | null {
  const shipment = obj(pick(o, 'shipment_details', 'shipmentDetails'));
  const fromShipment = trackingFromInfo(pick(shipment, 'tracking_info', 'trackingInfo'));
  if (fromShipment !== null) return fromShipment;
  // An order fetched from a brand's API may carry its fulfillments; the latest one is current.
  const fulfillments = listOf(o.fulfillments).filter(isRecord).reverse();
  for (const f of fulfillments) {
    const t = trackingOf(f);
    if (t !== null) return t;
  }
  return null;
}

function shipmentStatus(o: JsonObject): string | null {
  const shipment = obj(pick(o, 'shipment_details', 'shipmentDetails'));
  const status = pickStr(shipment, 'status') ?? pickStr(o, 'fulfillment_status', 'fulfillmentStatus', 'displayFulfillmentStatus');
  return status === null ? null : status.toLowerCase();
}

function customer(o: JsonObject): Customer {
  const c = obj(o.customer);
  const shippingCamel = obj(o.shippingAddress);
  const shippingSnake = obj(o.shipping_address);
  const billingCamel = obj(o.billingAddress);
  const billingSnake = obj(o.billing_address);
  const names = customerNames(c, shippingCamel, shippingSnake, billingCamel, billingSnake);
  const orderCountry = firstOf(
    countryCodeOf(shippingCamel),
    countryCodeOf(shippingSnake),
    countryCodeOf(billingCamel),
    countryCodeOf(billingSnake),
  );
  return {
    ...names,
    email: firstOf(
      pickStr(o, 'email'),
      pickStr(c, 'email'),
      pickStr(o, 'contactEmail', 'contact_email'),
    ),
    // Precedence fixed by the brief; blank values fall through to the next source.
    ...firstPhone(
      [
        { obj: o, keys: ['phone'], address: false },
        { obj: shippingCamel, keys: ['phone'], address: true },
        { obj: shippingSnake, keys: ['phone'], address: true },
        { obj: billingCamel, keys: ['phone'], address: true },
        { obj: billingSnake, keys: ['phone'], address: true },
        { obj: c, keys: ['phone'], address: false },
      ],
      orderCountry,
    ),
  };
}

function orderNumber(o: JsonObject): string | null {
  const name = pickStr(o, 'name');
  if (name !== null) return name;
  const n = pickStr(o, 'order_number', 'orderNumber');
  return n === null ? null : `#${n}`;
}

export function normalizeOrder(body: unknown): NormalizeResult<Order> {
  if (!isRecord(body)) return { ok: false, issues: [NOT_AN_OBJECT] };
  const { obj: o, prefix } = unwrap(body, 'order');
  const issues: PayloadIssue[] = [];
  const id = requireId(o, ['id'], issues, { prefix });
  if (id === null) return { ok: false, issues };

  const t = total(o);
  return {
    ok: true,
    value: {
      id: id.id,
      number: orderNumber(o),
      createdAt: isoTime(pick(o, 'created_at', 'createdAt')),
      cancelledAt: isoTime(pick(o, 'cancelled_at', 'cancelledAt')),
      cancelReason: pickStr(o, 'cancel_reason', 'cancelReason'),
      customer: customer(o),
      total: t.amount,
      currency:
        currency(
          pickStr(o, 'currencyCode', 'currency', 'presentment_currency', 'presentmentCurrencyCode'),
        ) ?? t.currency,
      payment: paymentMethod(o),
      statusUrl: pickStr(o, 'order_status_url', 'orderStatusUrl', 'statusPageUrl'),
      lineItems: lineItems(pick(o, 'line_items', 'lineItems')),
      shippingAddress: address(pick(o, 'shippingAddress', 'shipping_address')),
      billingAddress: address(pick(o, 'billingAddress', 'billing_address')),
      checkoutToken: pickStr(o, 'checkout_token', 'checkoutToken'),
      cartToken: pickStr(o, 'cart_token', 'cartToken'),
      channel: pickStr(o, 'channel'),
      tracking: tracking(o),
      shipmentStatus: shipmentStatus(o),
    note: pickStr(o, 'note'),
    },
  };
}
