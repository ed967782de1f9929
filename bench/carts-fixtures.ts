/** Carts, orders and a no-op WhatsApp sender for the cart-timer benchmark. */
import { randomBytes } from 'node:crypto';
import type { Cart, Order } from '../src/domain/events/model.js';
import type { MessageSender, OutgoingMessage, SendOutcome, SenderAccount } from '../src/domain/ports/message-sender.js';

/** Accepts every message at once: what is measured is Orderline's timers, not a network. */
export class NoopSender implements MessageSender {
  sent = 0;
  /** performance.now() of each accepted send, for the send rate over time. */
  readonly times: number[] = [];

  async send(_account: SenderAccount, message: OutgoingMessage): Promise<SendOutcome> {
    this.sent += 1;
    this.times.push(performance.now());
    return { kind: 'accepted', messageId: `wamid.BENCH${this.sent}`, recipientId: message.to };
  }
}

/** A distinct Indian mobile (+91 98XXXXXXXX) per cart. */
export const phoneOf = (i: number) => `+9198${String(i).padStart(8, '0')}`;

/** A Shopify-like checkout token: 32 hex characters, random (so index inserts are random too). */
export const newToken = () => randomBytes(16).toString('hex');

export interface PlannedCart {
  index: number;
  token: string;
  cartToken: string;
  phone: string;
  /** When its reminder is due (ms since epoch): cart time + the step's `after`. */
  dueMs: number;
  cancelled: boolean;
}

export function cartOf(p: PlannedCart, afterMs: number): Cart {
  const cartTime = new Date(p.dueMs - afterMs).toISOString();
  return {
    key: p.token,
    token: p.token,
    cartToken: p.cartToken,
    checkoutId: String(30_000_000_000 + p.index),
    cartTime,
    cartTimeGiven: true,
    completedAt: null,
    orderId: null,
    recovered: false,
    customer: { firstName: 'Asha', lastName: 'Verma', email: `asha${p.index}@example.com`, phone: p.phone, phoneCountry: null },
    lineItems: [
      {
        title: 'Cotton kurta',
        variantTitle: 'M / Indigo',
        quantity: 1,
        price: '1299.00',
        sku: 'KRT-IND-M',
        productId: '8123456789',
        variantId: '44123456789',
        imageUrl: 'https://cdn.shop.example/kurta.jpg',
      },
      {
        title: 'Block-print dupatta',
        variantTitle: null,
        quantity: 2,
        price: '499.00',
        sku: 'DPT-BLK',
        productId: '8123456790',
        variantId: '44123456790',
        imageUrl: null,
      },
    ],
    total: '2297.00',
    currency: 'INR',
    recoveryUrl: `https://shop.example/checkouts/${p.token}/recover`,
  };
}

/** The order that completes a cart: it carries the cart's checkout token and the customer's phone. */
export function orderFor(p: PlannedCart, now: Date): Order {
  return {
    id: String(6_000_000_000 + p.index),
    number: `#${10_000 + p.index}`,
    createdAt: now.toISOString(),
    cancelledAt: null,
    cancelReason: null,
    customer: { firstName: 'Asha', lastName: 'Verma', email: `asha${p.index}@example.com`, phone: p.phone, phoneCountry: null },
    total: '2297.00',
    currency: 'INR',
    payment: 'prepaid',
    statusUrl: null,
    lineItems: [],
    shippingAddress: null,
    billingAddress: null,
    checkoutToken: p.token,
    cartToken: p.cartToken,
    channel: 'web',
    tracking: null,
    shipmentStatus: null,
    note: null,
  };
}

/**
 * The carts to schedule, in scheduling order. Due times rise evenly with the index over the
 * spread (as in production, where due = arrival + a fixed delay); every `cancelEvery`-th cart
 * (odd index) is cancelled, so the survivors span the whole window.
 */
export function planCarts(count: number, windowStartMs: number, spreadMs: number, cancelEvery: number): PlannedCart[] {
  const carts: PlannedCart[] = [];
  for (let i = 0; i < count; i++) {
    carts.push({
      index: i,
      token: newToken(),
      cartToken: newToken(),
      phone: phoneOf(i),
      dueMs: windowStartMs + Math.floor((i * spreadMs) / count),
      cancelled: i % cancelEvery === cancelEvery - 1,
    });
  }
  return carts;
}
