/**
 * Which country goes with which phone, for phones read after normalisation (the customer's
 * own is paired with its country by the normaliser, see events/customer.ts `firstPhone`):
 * a phone in an address goes with that address's country, anything else with the order's
 * (shipping address, else billing address). Planning, cart recovery and the assistant build
 * their WrittenPhones here so that they read one phone one way.
 */
import type { Address, Customer, Fulfillment, Order } from '../events/model.js';
import type { BrandCustomer } from '../ports/brand-api.js';
import type { WrittenPhone } from './customer-phone.js';

/** The country an order ships to, else the one it bills to. */
export function orderCountry(order: Order | null): string | null {
  return order?.shippingAddress?.countryCode ?? order?.billingAddress?.countryCode ?? null;
}

export function customerPhone(customer: Customer): WrittenPhone {
  return { phone: customer.phone, country: customer.phoneCountry };
}

export function addressPhone(address: Address | null, order: Order | null): WrittenPhone {
  return { phone: address?.phone ?? null, country: address?.countryCode ?? orderCountry(order) };
}

/** The customer's phone, else (an order from a brand that left it out) its shipping, else billing address's. */
export function orderPhone(order: Order): WrittenPhone {
  if (order.customer.phone !== null) return customerPhone(order.customer);
  if ((order.shippingAddress?.phone ?? null) !== null) return addressPhone(order.shippingAddress, order);
  return addressPhone(order.billingAddress, order);
}

/**
 * Every phone the order names, in the brief's order: the customer's, the shipping address's,
 * the billing address's. Planning sends to the first usable one (a junk top-level phone, such
 * as Shopify's "1234567", falls through to the address's), so the customer it messaged may
 * answer from any of them.
 */
export function orderPhones(order: Order): WrittenPhone[] {
  return [customerPhone(order.customer), addressPhone(order.shippingAddress, order), addressPhone(order.billingAddress, order)].filter((w) => w.phone !== null);
}

export function fulfillmentPhone(fulfillment: Fulfillment, order: Order | null): WrittenPhone {
  return { phone: fulfillment.phone, country: fulfillment.phoneCountry ?? orderCountry(order) };
}

/**
 * A brand's customer record: the country its addresses name, when they name one country.
 * Addresses in several countries say nothing about the phone's, so the default applies.
 */
export function brandCustomerPhone(customer: BrandCustomer): WrittenPhone {
  const named = new Set(customer.addresses.map((a) => a.countryCode).filter((c): c is string => c !== null));
  return { phone: customer.phone, country: named.size === 1 ? [...named][0]! : null };
}
