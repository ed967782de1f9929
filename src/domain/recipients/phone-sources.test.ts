import { describe, expect, it } from 'vitest';
import { normalizeFulfillment } from '../events/fulfillment.js';
import { okValue, shopifyFulfillment, shopifyOrder } from '../events/fixtures.js';
import { address } from '../events/fields.js';
import { normalizeOrder } from '../events/order.js';
import { readCustomerPhone } from './customer-phone.js';
import { addressPhone, brandCustomerPhone, fulfillmentPhone, orderPhone } from './phone-sources.js';

const dubai = { first_name: 'Omar', phone: '050 123 4567', country: 'United Arab Emirates', country_code: 'AE' };
const order = (body: Record<string, unknown>) => okValue(normalizeOrder(shopifyOrder(body)));

describe('phone sources', () => {
  it("reads an order's customer phone in the country it ships to", () => {
    const o = order({ phone: null, customer: null, billing_address: null, shipping_address: dubai });
    expect(orderPhone(o)).toEqual({ phone: '050 123 4567', country: 'AE' });
    expect(readCustomerPhone(orderPhone(o), 'IN')).toMatchObject({ ok: true, digits: '971501234567' });
  });

  it("pairs an address's phone with that address's country, else the order's", () => {
    const o = order({ shipping_address: dubai, billing_address: { phone: '055 765 4321', country: 'India' } });
    expect(addressPhone(o.billingAddress, o)).toEqual({ phone: '055 765 4321', country: 'IN' });
    const noCountry = order({ shipping_address: dubai, billing_address: { phone: '055 765 4321' } });
    expect(addressPhone(noCountry.billingAddress, noCountry)).toEqual({ phone: '055 765 4321', country: 'AE' });
  });

  it("reads a shipment's phone in its destination's country, else the order's", () => {
    const f = okValue(normalizeFulfillment(shopifyFulfillment({ destination: { phone: '050 123 4567', country_code: 'AE' } })));
    expect(fulfillmentPhone(f, null)).toEqual({ phone: '050 123 4567', country: 'AE' });
    const bare = okValue(normalizeFulfillment(shopifyFulfillment({ destination: { phone: '050 123 4567' } })));
    expect(fulfillmentPhone(bare, null)).toEqual({ phone: '050 123 4567', country: null });
    expect(fulfillmentPhone(bare, order({ shipping_address: dubai }))).toEqual({ phone: '050 123 4567', country: 'AE' });
  });

  it("reads a brand's customer record in the one country its addresses name, else in none", () => {
    const at = (...countries: string[]) => countries.map((country) => address({ city: 'x', country })!);
    const customer = (addresses: ReturnType<typeof at>) => ({ firstName: 'Omar', lastName: null, email: null, phone: '050 123 4567', addresses });
    expect(brandCustomerPhone(customer(at('AE', 'United Arab Emirates')))).toEqual({ phone: '050 123 4567', country: 'AE' });
    expect(brandCustomerPhone(customer(at('AE', 'India')))).toEqual({ phone: '050 123 4567', country: null });
    expect(brandCustomerPhone(customer([]))).toEqual({ phone: '050 123 4567', country: null });
  });
});
