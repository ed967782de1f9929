import { describe, expect, it } from 'vitest';
import { businessOnBotOrder, okValue, shopifyOrder } from './fixtures.js';
import { normalizeOrder } from './order.js';

const order = (body: unknown) => okValue(normalizeOrder(body));

describe('normalizeOrder: Shopify REST order', () => {
  it('maps the order, keeping the 64-bit id exactly', () => {
    const o = order(shopifyOrder());
    expect(o).toMatchObject({
      id: '5735266369709823012',
      number: '#1001',
      createdAt: '2024-03-05T13:12:11.000Z',
      cancelledAt: null,
      cancelReason: null,
      total: '1499.00',
      currency: 'INR',
      payment: 'prepaid',
      statusUrl: 'https://shop.example.com/60000/orders/abc123/authenticate?key=k',
      checkoutToken: 'c1f0e6a1b2',
      cartToken: 'Z2NwLXVz',
      channel: null,
      tracking: null,
      note: 'Leave at the door',
    });
    expect(o.customer).toEqual({
      firstName: 'Asha',
      lastName: 'Verma',
      email: 'asha@example.com',
      phone: '+91 98123 45678',
      // The shipping address's `country: "India"`, by name.
      phoneCountry: 'IN',
    });
    expect(o.lineItems).toHaveLength(2);
    expect(o.lineItems[0]).toMatchObject({ title: 'Cotton Kurta', variantTitle: 'M / Blue', quantity: 2, productId: '7412345678901234567', variantId: '42876543210987' });
    expect(o.lineItems[1]).toMatchObject({ title: 'Gift wrap', variantTitle: null, productId: '7412345678' });
    expect(o.shippingAddress).toMatchObject({ city: 'Bengaluru', zip: '560001' });
    expect(o.billingAddress?.phone).toBe('+91 90000 11111');
  });

  it('accepts a numeric id and a body wrapped as {order: ...}', () => {
    expect(order(shopifyOrder({ id: 450789469 })).id).toBe('450789469');
    expect(order({ order: shopifyOrder() }).id).toBe('5735266369709823012');
  });

  it('reads a cancellation', () => {
    const o = order(shopifyOrder({ cancelled_at: '2024-03-06T09:00:00+05:30', cancel_reason: 'customer' }));
    expect(o.cancelledAt).toBe('2024-03-06T03:30:00.000Z');
    expect(o.cancelReason).toBe('customer');
  });

  it('falls back to #order_number when there is no name', () => {
    expect(order(shopifyOrder({ name: undefined })).number).toBe('#1001');
    expect(order(shopifyOrder({ name: '', order_number: undefined })).number).toBeNull();
  });

  it('takes the currency from currency, then presentment_currency, upper-cased', () => {
    expect(order(shopifyOrder({ currency: 'usd' })).currency).toBe('USD');
    expect(order(shopifyOrder({ currency: null, presentment_currency: 'EUR' })).currency).toBe('EUR');
  });

  it('finds a total under the other spellings, including GraphQL money objects', () => {
    expect(order(shopifyOrder({ total_price: undefined, current_total_price: '10.00' })).total).toBe('10.00');
    const gql = order({ id: '1', totalPriceSet: { shopMoney: { amount: '55.00', currencyCode: 'AED' } } });
    expect(gql.total).toBe('55.00');
    expect(gql.currency).toBe('AED');
  });

  it('takes tracking from the latest fulfillment of an order fetched from a brand API', () => {
    const o = order(shopifyOrder({
      fulfillments: [
        { id: 1, tracking_company: 'Old', tracking_number: 'A' },
        { id: 2, tracking_company: 'Delhivery', tracking_number: 'B', tracking_url: 'https://t/B' },
      ],
    }));
    expect(o.tracking).toEqual({ company: 'Delhivery', number: 'B', url: 'https://t/B' });
  });
});

describe('normalizeOrder: BusinessOnBot order', () => {
  it('maps the camelCase body', () => {
    const o = order(businessOnBotOrder());
    expect(o).toMatchObject({
      id: '4331283087516',
      number: '#1581',
      createdAt: '2021-10-23T15:40:19.000Z',
      total: '180.0',
      currency: 'INR',
      payment: 'cod',
      channel: 'shopify',
      note: null,
      tracking: { company: null, number: null, url: 'https://track.example.com/AWB123' },
    });
    // Only a full name in the shipping address: split into first word and the rest.
    expect(o.customer).toEqual({ firstName: 'Ravi', lastName: 'Kumar Singh', email: 'ravi@example.com', phone: '9812345678', phoneCountry: null });
    expect(o.shippingAddress).toMatchObject({ name: 'Ravi Kumar Singh', country: null, zip: null });
    expect(o.lineItems).toEqual([{
      title: 'Masala Tea', variantTitle: '250 g', quantity: 2, price: '90.00', sku: 'TEA-250',
      productId: 'gid://shopify/Product/111', variantId: 'gid://shopify/ProductVariant/222',
      imageUrl: 'https://cdn.example.com/tea.png',
    }]);
  });

  it('reads orders-cancelled fields', () => {
    const o = order(businessOnBotOrder({ cancelledAt: '2021-10-24T10:00:00Z', cancelReason: 'user cancellation request' }));
    expect(o.cancelledAt).toBe('2021-10-24T10:00:00.000Z');
    expect(o.cancelReason).toBe('user cancellation request');
  });

  it('keeps a non-URL tracking_info as the tracking number, and none as null', () => {
    expect(order(businessOnBotOrder({ shipment_details: { tracking_info: 'AWB123' } })).tracking).toEqual({ company: null, number: 'AWB123', url: null });
    expect(order(businessOnBotOrder({ shipment_details: { status: 'pending', tracking_info: null } })).tracking).toBeNull();
  });

  it('reads totalAmount and orderStatusUrl camelCase spellings', () => {
    const o = order(businessOnBotOrder({ total_amount: undefined, totalAmount: 99, orderStatusUrl: 'https://s/1' }));
    expect(o.total).toBe('99');
    expect(o.statusUrl).toBe('https://s/1');
  });
});

describe('normalizeOrder: phone precedence', () => {
  const phones = {
    phone: '+91 1111111111',
    shippingAddress: { phone: '+91 2222222222' },
    shipping_address: { phone: '+91 3333333333' },
    billingAddress: { phone: '+91 4444444444' },
    billing_address: { phone: '+91 5555555555' },
    customer: { phone: '+91 6666666666' },
  };
  const phoneOf = (body: Record<string, unknown>) => order({ id: 1, ...body }).customer.phone;

  it('takes top-level phone first', () => {
    expect(phoneOf(phones)).toBe('+91 1111111111');
  });
  it('then shippingAddress.phone, then shipping_address.phone', () => {
    expect(phoneOf({ ...phones, phone: null })).toBe('+91 2222222222');
    expect(phoneOf({ ...phones, phone: '', shippingAddress: undefined })).toBe('+91 3333333333');
  });
  it('then the billing address (either spelling)', () => {
    expect(phoneOf({ ...phones, phone: null, shippingAddress: { phone: ' ' }, shipping_address: null })).toBe('+91 4444444444');
    expect(phoneOf({ ...phones, phone: null, shippingAddress: null, shipping_address: null, billingAddress: null })).toBe('+91 5555555555');
  });
  it('then customer.phone', () => {
    expect(phoneOf({ customer: phones.customer, shipping_address: { city: 'Pune' } })).toBe('+91 6666666666');
  });
  it('passes over a placeholder with fewer than 5 digits ("N/A", "-", "0") to the next source', () => {
    for (const placeholder of ['N/A', '-', '0', 'none', '+91']) expect(phoneOf({ ...phones, phone: placeholder })).toBe('+91 2222222222');
    expect(phoneOf({ phone: 'N/A', customer: { phone: 'n/a' } })).toBeNull();
  });
  it('keeps the raw string and accepts a numeric phone', () => {
    expect(phoneOf({ phone: 919812345678 })).toBe('919812345678');
  });
  it('is not an error when missing', () => {
    const r = normalizeOrder({ id: '7' });
    expect(r.ok).toBe(true);
    expect(okValue(r).customer).toEqual({ firstName: null, lastName: null, email: null, phone: null, phoneCountry: null });
  });
});

describe('normalizeOrder: the country a phone is read in', () => {
  const countryOf = (body: Record<string, unknown>) => order({ id: 1, ...body }).customer.phoneCountry;
  const dubai = { phone: '050 123 4567', country_code: 'AE', country: 'United Arab Emirates' };
  const india = { phone: '98123 45678', country: 'India' };

  it("is a shipping address phone's own address's country", () => {
    expect(countryOf({ shipping_address: dubai, billing_address: india })).toBe('AE');
    expect(countryOf({ shippingAddress: { phone: '050 123 4567', countryCodeV2: 'AE' } })).toBe('AE');
  });
  it("is a billing address phone's own address's country, not the shipping address's", () => {
    expect(countryOf({ shipping_address: { city: 'Dubai', country_code: 'AE' }, billing_address: india })).toBe('IN');
  });
  it('is the shipping address\'s country for the top-level or customer phone, else the billing address\'s', () => {
    expect(countryOf({ phone: '050 123 4567', shipping_address: dubai, billing_address: india })).toBe('AE');
    expect(countryOf({ customer: { phone: '050 123 4567' }, shipping_address: { country: 'AE' }, billing_address: { country: 'India' } })).toBe('AE');
    expect(countryOf({ phone: '050 123 4567', billing_address: { city: 'Dubai', countryCode: 'AE' } })).toBe('AE');
  });
  it('is null when no address names a country it can read, or there is no phone', () => {
    expect(countryOf({ phone: '050 123 4567', shipping_address: { country: 'Narnia' } })).toBeNull();
    expect(countryOf({ shipping_address: { country_code: 'AE' } })).toBeNull();
  });
});

describe('normalizeOrder: customer name and email', () => {
  it('prefers the customer object, then addresses, never mixing sources', () => {
    const o = order({ id: 1, customer: { firstName: 'Zoya' }, shipping_address: { first_name: 'Other', last_name: 'Person' } });
    expect(o.customer).toMatchObject({ firstName: 'Zoya', lastName: null });
  });
  it('falls back to billing names when shipping has none', () => {
    const o = order({ id: 1, shipping_address: { city: 'Pune' }, billing_address: { name: 'Meera Nair' } });
    expect(o.customer).toMatchObject({ firstName: 'Meera', lastName: 'Nair' });
  });
  it('takes email, then customer.email, then contactEmail', () => {
    expect(order(shopifyOrder({ email: null })).customer.email).toBe('asha.customer@example.com');
    expect(order({ id: 1, contactEmail: 'c@example.com' }).customer.email).toBe('c@example.com');
  });
});

describe('normalizeOrder: payment method', () => {
  const payment = (body: Record<string, unknown>) => order({ id: 1, ...body }).payment;

  it('follows fullyPaid when BusinessOnBot states it, above anything else', () => {
    expect(payment({ fullyPaid: false, financial_status: 'paid' })).toBe('cod');
    expect(payment({ fullyPaid: true, payment_gateway_names: ['Cash on Delivery (COD)'] })).toBe('prepaid');
  });
  it('detects COD gateways by word, any case or separator', () => {
    expect(payment({ financial_status: 'pending', payment_gateway_names: ['Cash on Delivery (COD)'] })).toBe('cod');
    expect(payment({ payment_gateway_names: ['cod'] })).toBe('cod');
    expect(payment({ gateway: 'cash_on_delivery' })).toBe('cod');
    expect(payment({ paymentGatewayNames: ['CASH ON DELIVERY'] })).toBe('cod');
  });
  it('does not mistake words containing "cod" for COD', () => {
    expect(payment({ financial_status: 'paid', payment_gateway_names: ['Codapay', 'barcode'] })).toBe('prepaid');
  });
  it('treats paid, partially_paid and authorized as prepaid', () => {
    for (const s of ['paid', 'partially_paid', 'authorized', 'PAID']) expect(payment({ financial_status: s }), s).toBe('prepaid');
  });
  it('leaves pending without a COD gateway, and anything else, unknown', () => {
    expect(payment({ financial_status: 'pending', payment_gateway_names: ['bank_deposit'] })).toBe('unknown');
    expect(payment({ financial_status: 'refunded' })).toBe('unknown');
    expect(payment({})).toBe('unknown');
  });
});

describe('normalizeOrder: refusals', () => {
  it('requires id', () => {
    expect(normalizeOrder(businessOnBotOrder({ id: undefined }))).toEqual({ ok: false, issues: [{ path: '/id', message: 'is required' }] });
    expect(normalizeOrder({ order: { name: '#1' } })).toEqual({ ok: false, issues: [{ path: '/order/id', message: 'is required' }] });
  });
  it('refuses ids of the wrong type, pointing into a wrapper', () => {
    expect(normalizeOrder({ id: { n: 1 } })).toEqual({ ok: false, issues: [{ path: '/id', message: 'must be a string or number' }] });
    expect(normalizeOrder({ order: { id: true } })).toEqual({ ok: false, issues: [{ path: '/order/id', message: 'must be a string or number' }] });
  });
  it('refuses a body that is not an object', () => {
    for (const body of [null, [], 'x', 3]) {
      expect(normalizeOrder(body)).toEqual({ ok: false, issues: [{ path: '', message: 'must be a JSON object' }] });
    }
  });
  it('ignores garbage in optional fields instead of failing', () => {
    const o = order({ id: 1, created_at: 'soon', line_items: 'none', shipping_address: 'x', total_price: {} });
    expect(o).toMatchObject({ createdAt: null, lineItems: [], shippingAddress: null, total: null });
  });
});
