import { describe, expect, it } from 'vitest';
import { normalizeCart } from '../events/cart.js';
import { normalizeDelivery } from '../events/delivery.js';
import {
  businessOnBotCart,
  businessOnBotOrder,
  okValue,
  seedDeliveryEvent,
  shopifyCheckout,
  shopifyFulfillment,
  shopifyOrder,
} from '../events/fixtures.js';
import type { JsonObject } from '../events/fields.js';
import { normalizeFulfillment } from '../events/fulfillment.js';
import { normalizeOrder } from '../events/order.js';
import { lookupPath } from './template-text.js';
import { SAMPLE_TEMPLATE_CONTEXT, TEMPLATE_PATHS, buildTemplateContext, isTemplatePath } from './template-context.js';

const RECEIVED = new Date('2024-03-05T10:20:00Z');
const order = (o: JsonObject = {}) => okValue(normalizeOrder(businessOnBotOrder(o)));
const shopify = (o: JsonObject = {}) => okValue(normalizeOrder(shopifyOrder(o)));
const fulfillment = (o: JsonObject = {}) => okValue(normalizeFulfillment(shopifyFulfillment(o)));
const delivery = (o: JsonObject = {}) => okValue(normalizeDelivery(seedDeliveryEvent(o), RECEIVED));
const cart = (body: JsonObject) => okValue(normalizeCart(body, RECEIVED));

/** Every leaf path of a nested object, "a.b". */
function leafPaths(value: object, prefix = ''): string[] {
  return Object.entries(value).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null ? leafPaths(v as object, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

const EMPTY_SECTIONS = {
  tracking: { company: null, number: null, url: null },
  delivery: { status: null, statusText: null, date: null },
  cart: { itemsSummary: null, totalFormatted: null, recoveryUrl: null },
  link: { token: null },
  discount: { code: null },
};

describe('buildTemplateContext', () => {
  it('builds the whole context of a BusinessOnBot COD order', () => {
    const ctx = buildTemplateContext({ order: order(), storeName: 'Chai Point', linkToken: 'k3Yb9', locale: 'en-IN' });
    expect(ctx).toEqual({
      ...EMPTY_SECTIONS,
      customer: { firstName: 'Ravi', lastName: 'Kumar Singh', name: 'Ravi Kumar Singh' },
      order: {
        id: '4331283087516',
        number: '#1581',
        total: '180.00',
        currency: 'INR',
        totalFormatted: '₹180.00',
        itemsSummary: 'Masala Tea × 2',
        itemCount: 2,
        statusUrl: null,
        cancelReason: null,
        paymentMethod: 'Cash on delivery',
      },
      // BusinessOnBot's shipment_details.tracking_info is the order's tracking link.
      tracking: { company: null, number: null, url: 'https://track.example.com/AWB123' },
      store: { name: 'Chai Point' },
      link: { token: 'k3Yb9' },
    });
  });

  it("takes tracking from the shipment's fulfillment before the order's", () => {
    const ctx = buildTemplateContext({
      order: shopify({ fulfillments: [{ id: 1, tracking_company: 'Old', tracking_number: 'A' }] }),
      fulfillment: fulfillment(),
      storeName: 'Kurta Co',
    });
    expect(ctx.tracking).toEqual({
      company: 'Delhivery',
      number: '1234567890',
      url: 'https://www.delhivery.com/track/package/1234567890',
    });
    expect(ctx.order).toMatchObject({ number: '#1001', totalFormatted: '₹1,499.00', paymentMethod: 'Prepaid' });
    expect(ctx.order.itemsSummary).toBe('Cotton Kurta × 2 and Gift wrap');
  });

  it('formats a USD order in a US locale and an order without currency plainly', () => {
    expect(buildTemplateContext({ order: shopify({ currency: 'USD', total_price: '1499.5' }), storeName: 's', locale: 'en-US' }).order.totalFormatted).toBe('$1,499.50');
    expect(buildTemplateContext({ order: order({ currencyCode: null }), storeName: 's' }).order.totalFormatted).toBe('180.00');
  });

  it('reads a delivery event alone: order id, alias as the number, status words and date in the zone', () => {
    const ctx = buildTemplateContext({ delivery: delivery({ delivered_at: '2021-10-25T20:00:00Z' }), storeName: 'Chai Point', timeZone: 'Asia/Kolkata' });
    expect(ctx.order).toMatchObject({ id: '4331283087516', number: '#1581', totalFormatted: null });
    expect(ctx.delivery).toEqual({ status: 'delivered', statusText: 'Delivered', date: '26 Oct 2021' });
    expect(ctx.customer).toEqual({ firstName: null, lastName: null, name: null });
  });

  it.each([
    ['Dispatched', 'dispatched', 'Dispatched'],
    ['in-transit', 'in_transit', 'In transit'],
    ['DELIVERED', 'delivered', 'Delivered'],
    ['returned', 'returned', 'Returned'],
  ])('words the delivery status %s', (sent, status, text) => {
    const ctx = buildTemplateContext({ delivery: delivery({ status: sent }), storeName: 's' });
    expect(ctx.delivery).toMatchObject({ status, statusText: text });
  });

  it('falls back to the order id for the number when there is no alias', () => {
    const ctx = buildTemplateContext({ delivery: delivery({ id_alias: undefined }), storeName: 's' });
    expect(ctx.order.number).toBe('4331283087516');
    expect(buildTemplateContext({ fulfillment: fulfillment(), storeName: 's' }).order).toMatchObject({
      id: '5735266369709823012',
      number: '5735266369709823012',
    });
  });

  it('builds a cart reminder context: customer, items, total, recovery link, discount', () => {
    const ctx = buildTemplateContext({ cart: cart(shopifyCheckout()), storeName: 'Scarves', linkToken: 't1', discountCode: 'COMEBACK10' });
    expect(ctx.customer.name).toBe('Meera Nair');
    expect(ctx.cart).toEqual({
      itemsSummary: 'Silk Scarf',
      totalFormatted: '₹899.00',
      recoveryUrl: 'https://shop.example.com/60000/checkouts/b1946/recover?key=r',
    });
    expect(ctx.discount.code).toBe('COMEBACK10');
    expect(ctx.order.id).toBeNull();
    const woo = buildTemplateContext({ cart: cart(businessOnBotCart()), storeName: 's' });
    expect(woo.cart.itemsSummary).toBe('Steel Bottle × 2');
    expect(woo.customer.firstName).toBe('Kabir');
  });

  it('translates cancellation codes', () => {
    const ctx = buildTemplateContext({ order: shopify({ cancel_reason: 'inventory' }), storeName: 's' });
    expect(ctx.order.cancelReason).toBe('Items unavailable');
  });

  it('treats blank text as no value', () => {
    const ctx = buildTemplateContext({ storeName: '  ', linkToken: '', discountCode: ' ', order: order({ name: ' ' }) });
    expect(ctx.store.name).toBeNull();
    expect(ctx.link.token).toBeNull();
    expect(ctx.discount.code).toBeNull();
    expect(ctx.order.number).toBe('4331283087516');
  });

  it('builds an empty context from nothing but the store', () => {
    const ctx = buildTemplateContext({ storeName: 'S' });
    expect(leafPaths(ctx).filter((p) => lookupPath(ctx, p) !== null)).toEqual(['store.name']);
  });
});

describe('TEMPLATE_PATHS', () => {
  it('documents exactly the leaves of the context, each in one line', () => {
    const ctx = buildTemplateContext({ storeName: 'S' });
    expect(Object.keys(TEMPLATE_PATHS).sort()).toEqual(leafPaths(ctx).sort());
    for (const description of Object.values(TEMPLATE_PATHS)) {
      expect(description.length).toBeGreaterThan(5);
      expect(description).not.toMatch(/\n/);
    }
  });

  it('has a value for every path in the sample context', () => {
    for (const path of Object.keys(TEMPLATE_PATHS)) expect(lookupPath(SAMPLE_TEMPLATE_CONTEXT, path), path).not.toBeNull();
  });

  it('knows its paths and nothing else', () => {
    expect(isTemplatePath('order.totalFormatted')).toBe(true);
    expect(isTemplatePath('order')).toBe(false);
    expect(isTemplatePath('order.constructor')).toBe(false);
    expect(isTemplatePath('toString')).toBe(false);
  });
});
