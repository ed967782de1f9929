/**
 * Realistic guest API bodies, one builder per payload family and kind, for tests here and
 * in other folders (HTTP, notifications). Each returns a fresh object so tests can mutate
 * it; `overrides` replace top-level keys, and an `undefined` override removes a key for the
 * normalisers (they treat undefined as absent).
 *
 * Ids are as the guest API's lossless JSON parser hands them over: Shopify's 64-bit ids
 * above 2^53 as strings.
 */
import type { JsonObject } from './fields.js';
import type { NormalizeResult } from './model.js';

/** Shopify REST order (orders/create), a prepaid order whose top-level `phone` is null. */
export function shopifyOrder(overrides: JsonObject = {}): JsonObject {
  return {
    id: '5735266369709823012',
    admin_graphql_api_id: 'gid://shopify/Order/5735266369709823012',
    name: '#1001',
    order_number: 1001,
    email: 'asha@example.com',
    phone: null,
    created_at: '2024-03-05T18:42:11+05:30',
    cancelled_at: null,
    cancel_reason: null,
    total_price: '1499.00',
    current_total_price: '1499.00',
    currency: 'INR',
    presentment_currency: 'INR',
    financial_status: 'paid',
    payment_gateway_names: ['razorpay'],
    order_status_url: 'https://shop.example.com/60000/orders/abc123/authenticate?key=k',
    checkout_token: 'c1f0e6a1b2',
    cart_token: 'Z2NwLXVz',
    note: 'Leave at the door',
    line_items: [
      {
        id: 13550000000000001,
        title: 'Cotton Kurta',
        variant_title: 'M / Blue',
        quantity: 2,
        price: '599.00',
        sku: 'KURTA-M-BLU',
        product_id: '7412345678901234567',
        variant_id: 42876543210987,
      },
      {
        title: 'Gift wrap',
        variant_title: 'Default Title',
        quantity: 1,
        price: '301.00',
        sku: null,
        product_id: 7412345678,
        variant_id: null,
      },
    ],
    shipping_address: {
      first_name: 'Asha',
      last_name: 'Verma',
      name: 'Asha Verma',
      address1: '12 MG Road',
      address2: null,
      city: 'Bengaluru',
      province: 'Karnataka',
      country: 'India',
      zip: '560001',
      phone: '+91 98123 45678',
    },
    billing_address: {
      first_name: 'Asha',
      last_name: 'Verma',
      name: 'Asha Verma',
      address1: '12 MG Road',
      city: 'Bengaluru',
      province: 'Karnataka',
      country: 'India',
      zip: '560001',
      phone: '+91 90000 11111',
    },
    customer: {
      id: '6712345678901234567',
      first_name: 'Asha',
      last_name: 'Verma',
      email: 'asha.customer@example.com',
      phone: '+919999900000',
    },
    discount_codes: [],
    ...overrides,
  };
}

/** BusinessOnBot's own order body (reference payloads.md §1): a COD order. */
export function businessOnBotOrder(overrides: JsonObject = {}): JsonObject {
  return {
    id: '4331283087516',
    name: '#1581',
    email: 'ravi@example.com',
    createdAt: '2021-10-23T15:40:19Z',
    fullyPaid: false,
    cancelReason: null,
    cancelledAt: null,
    note: '',
    channel: 'shopify',
    shippingAddress: {
      name: 'Ravi Kumar Singh',
      phone: '9812345678',
      address1: 'Flat 4, Lake View',
      address2: 'Sector 5',
      city: 'Noida',
      province: 'Uttar Pradesh',
      country: null,
      zip: null,
    },
    total_amount: '180.0',
    currencyCode: 'INR',
    lineItems: [
      {
        image: { originalSrc: 'https://cdn.example.com/tea.png' },
        product: { id: 'gid://shopify/Product/111', title: 'Masala Tea' },
        variant: { id: 'gid://shopify/ProductVariant/222', title: '250 g', price: '90.00', weight: 0.25, sku: 'TEA-250' },
        variantTitle: '250 g',
        quantity: 2,
      },
    ],
    shipment_details: { status: 'delivered', tracking_info: 'https://track.example.com/AWB123' },
    ...overrides,
  };
}

/** Shopify REST fulfillment (fulfillments/create). */
export function shopifyFulfillment(overrides: JsonObject = {}): JsonObject {
  return {
    id: '4876543210987654321',
    order_id: '5735266369709823012',
    name: '#1001.1',
    status: 'success',
    tracking_company: 'Delhivery',
    tracking_number: '1234567890',
    tracking_numbers: ['1234567890'],
    tracking_url: 'https://www.delhivery.com/track/package/1234567890',
    tracking_urls: ['https://www.delhivery.com/track/package/1234567890'],
    shipment_status: null,
    email: 'asha@example.com',
    destination: { first_name: 'Asha', last_name: 'Verma', name: 'Asha Verma', phone: '+91 98123 45678' },
    line_items: [{ title: 'Cotton Kurta', quantity: 2, price: '599.00', sku: 'KURTA-M-BLU' }],
    ...overrides,
  };
}

/** The seed's delivery event (fulfillments-events-create). */
export function seedDeliveryEvent(overrides: JsonObject = {}): JsonObject {
  return {
    delivery_id: 'DLV-77',
    id: '4331283087516',
    id_alias: '#1581',
    fulfillment_id: 'F-9001',
    status: 'Delivered',
    delivered_at: '2021-10-26T09:15:00Z',
    ...overrides,
  };
}

/** Shopify REST fulfillment event (fulfillment_events/create). */
export function shopifyFulfillmentEvent(overrides: JsonObject = {}): JsonObject {
  return {
    id: 27310977892491,
    fulfillment_id: '4876543210987654321',
    order_id: '5735266369709823012',
    status: 'out_for_delivery',
    happened_at: '2024-03-07T08:01:00-04:00',
    estimated_delivery_at: null,
    created_at: '2024-03-07T12:02:00Z',
    ...overrides,
  };
}

/** Shopify REST checkout (checkouts/update), not completed. */
export function shopifyCheckout(overrides: JsonObject = {}): JsonObject {
  return {
    id: 35871234567890,
    token: 'b1946ac92492d2347c6235b4d2611184',
    cart_token: 'Z2NwLXVzLWVhc3Q',
    email: 'meera@example.com',
    phone: null,
    created_at: '2024-03-05T10:00:00Z',
    updated_at: '2024-03-05T10:12:30Z',
    completed_at: null,
    currency: 'INR',
    abandoned_checkout_url: 'https://shop.example.com/60000/checkouts/b1946/recover?key=r',
    total_price: '899.00',
    line_items: [{ title: 'Silk Scarf', variant_title: 'Red', quantity: 1, price: '899.00', sku: 'SCARF-R', product_id: 9, variant_id: 10 }],
    customer: { id: 5551, first_name: 'Meera', last_name: 'Nair', email: 'meera.c@example.com', phone: '+919000000003' },
    shipping_address: { first_name: 'Meera', last_name: 'Nair', phone: '+919000000001' },
    billing_address: { first_name: 'Meera', last_name: 'Nair', phone: '+919000000002' },
    ...overrides,
  };
}

/** BusinessOnBot's WooCommerce plugin cart (payloads.md §4). */
export function businessOnBotCart(overrides: JsonObject = {}): JsonObject {
  return {
    abandoned_cart_id: 812,
    abandoned_cart_info: [
      { product_id: 55, product_name: 'Steel Bottle', quantity: '2', price: '349' },
    ],
    abandoned_cart_time: 1709633400,
    customer_email_id: 'kabir@example.com',
    customer_phone: '09876543210',
    billing_first_name: 'Kabir',
    billing_last_name: 'Shah',
    billing_city: 'Pune',
    user_type: 'GUEST',
    recovery_url: 'https://woo.example.com/checkout/?recover=812',
    ...overrides,
  };
}

/** The value of a successful normalisation; a failure throws with its issues, failing the test. */
export function okValue<T>(result: NormalizeResult<T>): T {
  if (!result.ok) throw new Error(`expected ok, got issues ${JSON.stringify(result.issues)}`);
  return result.value;
}
