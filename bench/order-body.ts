/**
 * The request body: a realistic BusinessOnBot order (reference/payloads.md, section 1)
 * padded to exactly BODY_BYTES, with a fresh order id and a different customer phone per
 * request (one customer with thousands of orders would be unrealistic: the worker keeps
 * one customer's messages in order). Both have a fixed width: every body has the same size.
 */
export const BODY_BYTES = 2048;
export const ID_PLACEHOLDER = '__ORDER_ID__';
export const PHONE_PLACEHOLDER = '__PHONE__';
const FIRST_ID = 4_400_000_000_000; // 13 digits, like Shopify order ids
const phoneOf = (id: string) => `+9198${id.slice(-8)}`; // Indian mobile, 10 digits after +91

function lineItem(n: number, title: string, variantTitle: string, price: string, quantity: number): Record<string, unknown> {
  return {
    image: { originalSrc: `https://cdn.shopify.com/s/files/1/0561/2277/8012/products/item-${n}.jpg?v=1634998215` },
    product: { id: `gid://shopify/Product/70123456789${n}`, title },
    variant: { id: `gid://shopify/ProductVariant/41234567890${n}`, title: variantTitle, price, weight: 0.25 * n, sku: `SKU-${1000 + n}` },
    variantTitle,
    quantity,
  };
}

/**
 * The order with placeholders for its id and phone (`fullyPaid: false` is a COD order; the
 * dispatch benchmark sends prepaid ones). Exported for the dispatch benchmark's bodies.
 */
export function order(note: string, fullyPaid = false): Record<string, unknown> {
  return {
    id: ID_PLACEHOLDER,
    name: '#1581',
    email: 'ananya.sharma@example.com',
    phone: PHONE_PLACEHOLDER,
    createdAt: '2024-10-23T15:40:19Z',
    fullyPaid,
    cancelReason: null,
    cancelledAt: null,
    note,
    channel: 'shopify',
    shippingAddress: {
      name: 'Ananya Sharma',
      phone: PHONE_PLACEHOLDER,
      address1: 'Flat 12B, Prestige Lakeside Habitat',
      address2: 'Varthur Main Road, Whitefield',
      city: 'Bengaluru',
      province: 'Karnataka',
      country: 'India',
      zip: '560087',
    },
    total_amount: '1847.0',
    currencyCode: 'INR',
    lineItems: [
      lineItem(1, 'Cold Pressed Coconut Oil', '500 ml', '449.0', 2),
      lineItem(2, 'Organic Turmeric Powder', '200 g', '299.0', 1),
      lineItem(3, 'Handmade Neem Soap (pack of 3)', 'Pack of 3', '650.0', 1),
    ],
    shipment_details: { status: 'pending', tracking_info: null },
  };
}

export class OrderBodies {
  /** The JSON text around the placeholders: id, phone, phone. */
  private readonly parts: string[];
  private next = 0;

  constructor() {
    const sample = String(FIRST_ID);
    const fill = (json: string) => json.replace(ID_PLACEHOLDER, sample).replaceAll(PHONE_PLACEHOLDER, phoneOf(sample));
    const padding = BODY_BYTES - Buffer.byteLength(fill(JSON.stringify(order(''))));
    if (padding < 0) throw new Error(`the order body is already over ${BODY_BYTES} bytes`);
    const note = 'Please deliver after 6 pm; call before arriving. '.repeat(Math.ceil(padding / 50)).slice(0, padding);
    this.parts = JSON.stringify(order(note)).split(new RegExp(`${ID_PLACEHOLDER}|${PHONE_PLACEHOLDER}`));
    if (this.parts.length !== 4) throw new Error('the order template must hold one id and two phones');
  }

  /** A new order id, unique within this benchmark process. */
  nextId(): string {
    return String(FIRST_ID + this.next++);
  }

  body(id: string): string {
    const [a, b, c, d] = this.parts;
    const phone = phoneOf(id);
    return `${a}${id}${b}${phone}${c}${phone}${d}`;
  }

  /** How many ids were handed out; every id is FIRST_ID + n for n below this. */
  get issued(): number {
    return this.next;
  }

  wasIssued(id: string): boolean {
    if (!/^\d{13}$/.test(id)) return false;
    const n = Number(id) - FIRST_ID;
    return n >= 0 && n < this.next;
  }
}
