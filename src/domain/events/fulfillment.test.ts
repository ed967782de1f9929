import { describe, expect, it } from 'vitest';
import { okValue, shopifyFulfillment } from './fixtures.js';
import { normalizeFulfillment } from './fulfillment.js';

const fulfillment = (body: unknown) => okValue(normalizeFulfillment(body));

describe('normalizeFulfillment: Shopify REST shape', () => {
  it('maps the fulfillment, keeping 64-bit ids exactly', () => {
    expect(fulfillment(shopifyFulfillment())).toEqual({
      id: '4876543210987654321',
      orderId: '5735266369709823012',
      name: '#1001.1',
      status: 'success',
      tracking: { company: 'Delhivery', number: '1234567890', url: 'https://www.delhivery.com/track/package/1234567890' },
      lineItems: [{ title: 'Cotton Kurta', variantTitle: null, quantity: 2, price: '599.00', sku: 'KURTA-M-BLU', productId: null, variantId: null, imageUrl: null }],
      phone: '+91 98123 45678',
      phoneCountry: null,
      email: 'asha@example.com',
    });
  });

  it('uses tracking_numbers[] / tracking_urls[] when the singular fields are empty', () => {
    const f = fulfillment(shopifyFulfillment({ tracking_number: null, tracking_url: '', tracking_numbers: ['', 'N2'], tracking_urls: ['https://t/N2'] }));
    expect(f.tracking).toEqual({ company: 'Delhivery', number: 'N2', url: 'https://t/N2' });
  });

  it('gives empty tracking, not null, when the carrier is not known yet', () => {
    const f = fulfillment({ id: 1, order_id: 2 });
    expect(f.tracking).toEqual({ company: null, number: null, url: null });
    expect(f).toMatchObject({ id: '1', orderId: '2', lineItems: [], phone: null, email: null });
  });

  it('takes destination.phone before a top-level phone', () => {
    expect(fulfillment(shopifyFulfillment({ phone: '+1 555 0100' })).phone).toBe('+91 98123 45678');
    expect(fulfillment(shopifyFulfillment({ phone: '+1 555 0100', destination: null })).phone).toBe('+1 555 0100');
  });

  it("names the destination's country for its phone", () => {
    expect(fulfillment(shopifyFulfillment({ destination: { phone: '050 123 4567', country_code: 'AE' } })).phoneCountry).toBe('AE');
    expect(fulfillment(shopifyFulfillment({ destination: { phone: '050 123 4567', country: 'United Arab Emirates' } })).phoneCountry).toBe('AE');
  });

  it('unwraps {fulfillment: {...}} and reports paths inside it', () => {
    expect(fulfillment({ fulfillment: shopifyFulfillment() }).id).toBe('4876543210987654321');
    expect(normalizeFulfillment({ fulfillment: { id: 1 } })).toEqual({ ok: false, issues: [{ path: '/fulfillment/order_id', message: 'is required' }] });
  });
});

describe('normalizeFulfillment: camelCase variants', () => {
  it('reads orderId, trackingCompany, trackingNumber, trackingUrl and lineItems', () => {
    const f = fulfillment({ id: 'F1', orderId: 4331283087516, trackingCompany: 'Bluedart', trackingNumber: 'BD1', trackingUrl: 'https://bd/1', lineItems: [{ title: 'Tea', quantity: 1 }] });
    expect(f).toMatchObject({ orderId: '4331283087516', tracking: { company: 'Bluedart', number: 'BD1', url: 'https://bd/1' } });
    expect(f.lineItems.map((i) => i.title)).toEqual(['Tea']);
  });
  it('reads trackingInfo as one object', () => {
    expect(fulfillment({ id: 1, orderId: 2, trackingInfo: { company: 'DTDC', number: 'D9', url: 'https://d/9' } }).tracking).toEqual({ company: 'DTDC', number: 'D9', url: 'https://d/9' });
  });
  it('reads trackingInfo as a GraphQL list: the first entry when its parcels have different carriers', () => {
    expect(fulfillment({ id: 1, orderId: 2, trackingInfo: [{ company: 'Ekart', number: 'E1', url: null }, { company: 'X', number: 'X2' }] }).tracking).toEqual({ company: 'Ekart', number: 'E1', url: null });
  });
});

describe('normalizeFulfillment: refusals', () => {
  it('requires both the fulfillment id and the order id, reporting both at once', () => {
    expect(normalizeFulfillment({ tracking_company: 'X' })).toEqual({
      ok: false,
      issues: [
        { path: '/id', message: 'is required' },
        { path: '/order_id', message: 'is required' },
      ],
    });
  });
  it('reports a bad orderId at its own key', () => {
    expect(normalizeFulfillment({ id: 1, orderId: [] })).toEqual({ ok: false, issues: [{ path: '/orderId', message: 'must be a string or number' }] });
  });
  it('refuses a non-object body', () => {
    expect(normalizeFulfillment('x')).toEqual({ ok: false, issues: [{ path: '', message: 'must be a JSON object' }] });
  });
});
