import { describe, expect, it } from 'vitest';
import { normalizeCart } from './cart.js';
import { businessOnBotCart, okValue, shopifyCheckout } from './fixtures.js';

const received = new Date('2024-03-08T00:00:00.000Z');
const cart = (body: unknown) => okValue(normalizeCart(body, received));

describe('normalizeCart: Shopify checkout', () => {
  it('maps the checkout', () => {
    const c = cart(shopifyCheckout());
    expect(c).toMatchObject({
      key: 'b1946ac92492d2347c6235b4d2611184',
      token: 'b1946ac92492d2347c6235b4d2611184',
      cartToken: 'Z2NwLXVzLWVhc3Q',
      checkoutId: '35871234567890',
      cartTime: '2024-03-05T10:12:30.000Z',
      completedAt: null,
      orderId: null,
      recovered: false,
      total: '899.00',
      currency: 'INR',
      recoveryUrl: 'https://shop.example.com/60000/checkouts/b1946/recover?key=r',
    });
    expect(c.customer).toEqual({ firstName: 'Meera', lastName: 'Nair', email: 'meera@example.com', phone: '+919000000001', phoneCountry: null });
    expect(c.lineItems).toEqual([{ title: 'Silk Scarf', variantTitle: 'Red', quantity: 1, price: '899.00', sku: 'SCARF-R', productId: '9', variantId: '10', imageUrl: null }]);
  });

  it('is recovered once completed_at is set', () => {
    const c = cart(shopifyCheckout({ completed_at: '2024-03-05T11:00:00Z' }));
    expect(c).toMatchObject({ completedAt: '2024-03-05T11:00:00.000Z', recovered: true });
  });

  it('counts an unreadable completed_at as completed', () => {
    expect(cart(shopifyCheckout({ completed_at: 'yes' }))).toMatchObject({ completedAt: null, recovered: true });
  });
});

describe('normalizeCart: BusinessOnBot cart', () => {
  it('maps the WooCommerce plugin fields', () => {
    const c = cart(businessOnBotCart());
    expect(c).toMatchObject({
      key: '812',
      token: null,
      cartToken: null,
      checkoutId: null,
      cartTime: '2024-03-05T10:10:00.000Z',
      recovered: false,
      recoveryUrl: 'https://woo.example.com/checkout/?recover=812',
    });
    expect(c.customer).toEqual({ firstName: 'Kabir', lastName: 'Shah', email: 'kabir@example.com', phone: '09876543210', phoneCountry: null });
    expect(c.lineItems).toEqual([{ title: 'Steel Bottle', variantTitle: null, quantity: 2, price: '349', sku: null, productId: '55', variantId: null, imageUrl: null }]);
  });

  it('is recovered when order_id arrives, and reads total', () => {
    const c = cart(businessOnBotCart({ order_id: 9911, total: '698.00' }));
    expect(c).toMatchObject({ orderId: '9911', recovered: true, total: '698.00' });
  });

  it('reads abandoned_cart_info as a JSON string holding items and totals', () => {
    const info = JSON.stringify({ items: [{ name: 'Mug', quantity: 1 }], total: '250.00', currency: 'inr' });
    const c = cart(businessOnBotCart({ abandoned_cart_info: info }));
    expect(c.lineItems.map((i) => i.title)).toEqual(['Mug']);
    expect(c).toMatchObject({ total: '250.00', currency: 'INR' });
  });

  it("reads WooCommerce's cart keyed by item hash", () => {
    const info = { a1b2: { product_id: 5, quantity: 3, product_name: 'Pen' }, c3d4: { product_id: 6, quantity: 1, product_name: 'Ink' } };
    expect(cart(businessOnBotCart({ abandoned_cart_info: info })).lineItems.map((i) => [i.title, i.quantity])).toEqual([['Pen', 3], ['Ink', 1]]);
  });

  it('reads totals nested under totals and ignores unusable cart info', () => {
    expect(cart(businessOnBotCart({ abandoned_cart_info: { cart_items: [], totals: { total: '10' } } })).total).toBe('10');
    for (const junk of ['{broken json', 'plain text', 42, { note: 'hi', meta: { a: 1 } }]) {
      const c = cart(businessOnBotCart({ abandoned_cart_info: junk }));
      expect(c.lineItems, JSON.stringify(junk)).toEqual([]);
    }
  });

  it('reads flat billing_phone when there is no customer_phone', () => {
    expect(cart(businessOnBotCart({ customer_phone: '', billing_phone: '+91 70000 00000' })).customer.phone).toBe('+91 70000 00000');
  });
});

describe('normalizeCart: key precedence', () => {
  const all = { token: 'T', id: 1, cart_token: 'CT', abandoned_cart_id: 'A' };
  it('is token, then id, then cart_token, then abandoned_cart_id', () => {
    expect(cart(all).key).toBe('T');
    expect(cart({ ...all, token: null }).key).toBe('1');
    expect(cart({ ...all, token: '', id: undefined }).key).toBe('CT');
    expect(cart({ abandoned_cart_id: 'A' }).key).toBe('A');
  });
  it('keeps a big numeric-string id exactly', () => {
    expect(cart({ id: '35871234567890123456' }).key).toBe('35871234567890123456');
  });
  it('requires one of them, reported at /token', () => {
    expect(normalizeCart({ email: 'x@example.com', token: {} }, received)).toEqual({
      ok: false,
      issues: [{ path: '/token', message: 'is required: send one of token, id, cart_token or abandoned_cart_id' }],
    });
  });
  it('refuses a non-object body', () => {
    expect(normalizeCart(null, received)).toEqual({ ok: false, issues: [{ path: '', message: 'must be a JSON object' }] });
  });
});

describe('normalizeCart: cart time', () => {
  const times = { token: 'T', abandoned_cart_time: '2024-03-05 10:00:00', updated_at: '2024-03-05T11:00:00Z', created_at: '2024-03-05T09:00:00Z' };
  it('is abandoned_cart_time first', () => {
    expect(cart(times).cartTime).toBe('2024-03-05T10:00:00.000Z');
  });
  it('then updated_at, then created_at', () => {
    expect(cart({ ...times, abandoned_cart_time: undefined }).cartTime).toBe('2024-03-05T11:00:00.000Z');
    expect(cart({ ...times, abandoned_cart_time: 'garbage', updated_at: null }).cartTime).toBe('2024-03-05T09:00:00.000Z');
  });
  it('then the time received', () => {
    expect(cart({ token: 'T' }).cartTime).toBe('2024-03-08T00:00:00.000Z');
  });
  it('is the time received when given more than an hour after it', () => {
    expect(cart({ token: 'T', updated_at: '2099-01-01T00:00:00Z' })).toMatchObject({ cartTime: '2024-03-08T00:00:00.000Z', cartTimeGiven: true });
    expect(cart({ token: 'T', updated_at: '2024-03-08T01:00:01Z' }).cartTime).toBe('2024-03-08T00:00:00.000Z');
    // A brand's clock a little ahead is believed.
    expect(cart({ token: 'T', updated_at: '2024-03-08T00:59:00Z' }).cartTime).toBe('2024-03-08T00:59:00.000Z');
  });
});

describe('normalizeCart: phone precedence', () => {
  const base = {
    token: 'T',
    phone: '+91 11111 11111',
    shipping_address: { phone: '+91 22222 22222' },
    billing_address: { phone: '+91 33333 33333' },
    customer: { phone: '+91 44444 44444' },
  };
  it('is phone, then shipping, then billing, then customer', () => {
    expect(cart(base).customer.phone).toBe('+91 11111 11111');
    expect(cart({ ...base, phone: null }).customer.phone).toBe('+91 22222 22222');
    expect(cart({ ...base, phone: null, shipping_address: { phone: '' } }).customer.phone).toBe('+91 33333 33333');
    expect(cart({ ...base, phone: null, shipping_address: null, billing_address: null }).customer.phone).toBe('+91 44444 44444');
  });
  it('takes customer_phone at the same step as phone', () => {
    expect(cart({ ...base, phone: undefined, customer_phone: '+91 99999 99999' }).customer.phone).toBe('+91 99999 99999');
  });
  it("pairs the phone with its address's country, else the shipping address's, else the billing address's", () => {
    const dubai = { phone: '050 123 4567', country_code: 'AE' };
    expect(cart({ ...base, shipping_address: dubai }).customer.phoneCountry).toBe('AE');
    expect(cart({ ...base, phone: null, shipping_address: null, billing_address: { ...dubai, country_code: undefined, country: 'United Arab Emirates' } }).customer.phoneCountry).toBe('AE');
    expect(cart(base).customer.phoneCountry).toBeNull();
  });
  it("reads the WooCommerce plugin's flat shipping_country / billing_country", () => {
    expect(cart(businessOnBotCart({ customer_phone: '050 123 4567', billing_country: 'AE' })).customer).toMatchObject({ phone: '050 123 4567', phoneCountry: 'AE' });
    expect(cart(businessOnBotCart({ customer_phone: '050 123 4567', shipping_country: 'AE', billing_country: 'IN' })).customer.phoneCountry).toBe('AE');
  });
  it('takes email, then customer_email_id, then customer.email', () => {
    expect(cart(shopifyCheckout({ email: null })).customer.email).toBe('meera.c@example.com');
    expect(cart({ token: 'T', customer_email_id: 'k@example.com', customer: { email: 'c@example.com' } }).customer.email).toBe('k@example.com');
  });
});
