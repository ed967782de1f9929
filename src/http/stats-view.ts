/** A tenant's stats as the admin API shows them: messages per kind, and cart recovery. */
import { Type, type Static } from '@sinclair/typebox';
import type { CartStats } from '../domain/ports/cart-store.js';
import { MessageStats } from '../use-cases/operate-messages.js';

const CartRecoveryStats = Type.Object({
  carts: Type.Integer(),
  remindedCarts: Type.Integer({ description: 'Carts sent at least one reminder' }),
  remindersSent: Type.Integer(),
  recoveredCarts: Type.Integer(),
  recoveredRevenue: Type.Record(Type.String(), Type.Number(), { description: 'Recovered order value per currency ("unknown": none given)' }),
  recoveryRate: Type.Number({ description: 'recoveredCarts / remindedCarts, to 4 decimals; 0 before any reminder' }),
});

export const StatsAnswer = Type.Object({
  stats: Type.Object({ messages: MessageStats, carts: CartRecoveryStats }),
});
export type StatsAnswer = Static<typeof StatsAnswer>;

export function statsAnswer(messages: MessageStats, carts: CartStats): StatsAnswer {
  const recoveryRate = carts.remindedCarts === 0 ? 0 : Math.round((carts.recoveredCarts / carts.remindedCarts) * 10_000) / 10_000;
  return {
    stats: {
      messages,
      carts: {
        carts: carts.carts,
        remindedCarts: carts.remindedCarts,
        remindersSent: carts.remindersSent,
        recoveredCarts: carts.recoveredCarts,
        recoveredRevenue: carts.recoveredRevenue,
        recoveryRate,
      },
    },
  };
}
