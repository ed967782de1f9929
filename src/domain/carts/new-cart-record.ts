/** An abandoned cart as recovery first records it: pending, nothing sent, nothing recovered. */
import type { Cart } from '../events/model.js';
import type { CartRecord } from '../ports/cart-store.js';

export function newCartRecord(id: string, tenantId: string, cart: Cart, now: Date): CartRecord {
  return {
    id,
    tenantId,
    cartKey: cart.key,
    token: cart.token,
    cartToken: cart.cartToken,
    customer: null,
    cart,
    cartTime: new Date(cart.cartTime),
    state: 'pending',
    remindersSent: 0,
    nextStep: 0,
    lastRemindedAt: null,
    reason: null,
    recoveredOrderId: null,
    recoveredValue: null,
    recoveredCurrency: null,
    recoveredAfterStep: null,
    createdAt: now,
    updatedAt: now,
  };
}
