/**
 * A few customers and orders to try the endpoints with (`--seed`). Indian numbers, rupees,
 * BusinessOnBot's camelCase order documents; one order shipped, one delivered, the rest
 * open. Asha has four orders, so `get-orders` shows that only the latest three come back.
 *
 *   Asha Rao      +919812345678  asha.rao@example.com      orders 1001 (delivered), 1002 (shipped), 1003 (open, COD), 1004 (open)
 *   Vikram Singh  +919876543210  vikram.singh@example.com  order 2001 (open)
 *   Meera Iyer    +917012345678  meera.iyer@example.com    no orders
 */
import type { BrandStore, CustomerRow, OrderStatus } from './brand-store.js';

export const SEED_CUSTOMERS: readonly CustomerRow[] = [
  {
    phone: '919812345678',
    firstName: 'Asha',
    lastName: 'Rao',
    email: 'asha.rao@example.com',
    addresses: [
      { first_name: 'Asha', last_name: 'Rao', address1: '12 MG Road', city: 'Bengaluru', province: 'Karnataka', country: 'India', zip: '560001', phone: '+919812345678' },
    ],
  },
  {
    phone: '919876543210',
    firstName: 'Vikram',
    lastName: 'Singh',
    email: 'vikram.singh@example.com',
    addresses: [
      { first_name: 'Vikram', last_name: 'Singh', address1: '4 Park Street', city: 'Kolkata', province: 'West Bengal', country: 'India', zip: '700016', phone: '+919876543210' },
    ],
  },
  {
    phone: '917012345678',
    firstName: 'Meera',
    lastName: 'Iyer',
    email: 'meera.iyer@example.com',
    addresses: [],
  },
];

interface SeedOrder {
  id: string;
  customer: CustomerRow;
  status: OrderStatus;
  createdAt: string;
  paid: boolean;
  items: { title: string; variant: string; price: string; quantity: number }[];
  trackingUrl?: string;
}

function customerAt(index: number): CustomerRow {
  const c = SEED_CUSTOMERS[index];
  if (c === undefined) throw new Error(`no seed customer ${index}`);
  return c;
}

const asha = customerAt(0);
const vikram = customerAt(1);

const SEED_ORDERS: readonly SeedOrder[] = [
  { id: '1001', customer: asha, status: 'delivered', createdAt: '2026-01-02T09:15:00Z', paid: true, items: [{ title: 'Cotton Kurta', variant: 'M / Indigo', price: '899.00', quantity: 1 }], trackingUrl: 'https://track.example.in/AWB1001' },
  { id: '1002', customer: asha, status: 'shipped', createdAt: '2026-01-08T14:40:00Z', paid: true, items: [{ title: 'Silk Dupatta', variant: 'Maroon', price: '1299.00', quantity: 1 }], trackingUrl: 'https://track.example.in/AWB1002' },
  { id: '1003', customer: asha, status: 'open', createdAt: '2026-01-10T18:05:00Z', paid: false, items: [{ title: 'Block Print Bedsheet', variant: 'Queen', price: '1499.00', quantity: 1 }, { title: 'Cushion Cover', variant: 'Set of 2', price: '399.00', quantity: 2 }] },
  { id: '1004', customer: asha, status: 'open', createdAt: '2026-01-12T11:30:00Z', paid: true, items: [{ title: 'Brass Diya', variant: 'Small', price: '249.00', quantity: 4 }] },
  { id: '2001', customer: vikram, status: 'open', createdAt: '2026-01-11T08:00:00Z', paid: true, items: [{ title: 'Leather Sandals', variant: '9 / Tan', price: '1799.00', quantity: 1 }] },
];

/** The order document as BusinessOnBot's trimmed order (reference/payloads.md §1) shapes it. */
function orderDocument(o: SeedOrder): Record<string, unknown> {
  const total = o.items.reduce((sum, i) => sum + Number(i.price) * i.quantity, 0);
  const address = o.customer.addresses[0] ?? {};
  return {
    id: o.id,
    name: `#${o.id}`,
    email: o.customer.email,
    createdAt: o.createdAt,
    fullyPaid: o.paid,
    cancelReason: null,
    cancelledAt: null,
    note: '',
    channel: 'shopify',
    shippingAddress: { name: `${o.customer.firstName ?? ''} ${o.customer.lastName ?? ''}`.trim(), phone: `+${o.customer.phone}`, ...address },
    total_amount: total.toFixed(2),
    currencyCode: 'INR',
    lineItems: o.items.map((i, n) => ({
      product: { id: `${o.id}-p${n + 1}`, title: i.title },
      variant: { id: `${o.id}-v${n + 1}`, title: i.variant, price: i.price, sku: `SKU-${o.id}-${n + 1}` },
      variantTitle: i.variant,
      quantity: i.quantity,
    })),
    shipment_details: { status: o.status, tracking_info: o.trackingUrl ?? null },
  };
}

/** Fills an empty store; running it again leaves existing rows alone. */
export function seedBrandStore(store: BrandStore): void {
  for (const c of SEED_CUSTOMERS) {
    if (store.customerByPhone(c.phone) === null) store.putCustomer(c);
  }
  for (const o of SEED_ORDERS) {
    store.addOrder({ id: o.id, phone: o.customer.phone, status: o.status, createdAt: o.createdAt, body: orderDocument(o) });
  }
}
