/**
 * An abandoned cart as the admin API shows it: where its reminder sequence stands, why it
 * stopped, and what it brought back once recovered. The schema is the answer's contract.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { CartRecord } from '../domain/ports/cart-store.js';
import { IsoTime, Nullable, StringEnum } from '../shared/answer-types.js';

const Recovered = Type.Object({
  orderId: Nullable(Type.String()),
  value: Nullable(Type.String({ description: "The order's total as a decimal string" })),
  currency: Nullable(Type.String()),
  afterReminder: Nullable(Type.Integer({ description: 'How many reminders had been sent; 0: recovered without one' })),
});

export const CartView = Type.Object({
  id: Type.String(),
  cartKey: Type.String({ description: "The brand's cart key (token, id, cart_token or abandoned_cart_id)" }),
  state: StringEnum(['pending', 'reminded', 'recovered', 'completed', 'expired', 'opted_out', 'skipped']),
  remindersSent: Type.Integer(),
  nextStep: Type.Integer({ description: 'The index of the next reminder in cartRecovery.reminders' }),
  reason: Nullable(Type.String(), { description: 'Why the cart stopped or why its last step was skipped' }),
  customer: Nullable(Type.String(), { description: "The customer's number as international digits, when usable" }),
  cartTime: IsoTime(),
  lastRemindedAt: Nullable(IsoTime()),
  total: Nullable(Type.String({ description: 'A decimal string as the brand sent it' })),
  currency: Nullable(Type.String()),
  items: Type.Integer({ description: 'How many line items the cart has' }),
  recoveryUrl: Nullable(Type.String()),
  recovered: Nullable(Recovered, { description: 'Set once the cart is recovered' }),
  createdAt: IsoTime(),
  updatedAt: IsoTime(),
});
export type CartView = Static<typeof CartView>;

export function cartView(c: CartRecord): CartView {
  return {
    id: c.id,
    cartKey: c.cartKey,
    state: c.state,
    remindersSent: c.remindersSent,
    nextStep: c.nextStep,
    reason: c.reason,
    customer: c.customer,
    cartTime: c.cartTime.toISOString(),
    lastRemindedAt: c.lastRemindedAt?.toISOString() ?? null,
    total: c.cart.total,
    currency: c.cart.currency,
    items: c.cart.lineItems.length,
    recoveryUrl: c.cart.recoveryUrl,
    recovered:
      c.state === 'recovered'
        ? { orderId: c.recoveredOrderId, value: c.recoveredValue, currency: c.recoveredCurrency, afterReminder: c.recoveredAfterStep }
        : null,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}
