/**
 * The bulk path of the cart-timer benchmark. When scheduling or cancelling through the use case
 * would overrun its time budget (each call scans: see the findings), the remaining carts are
 * written straight into the service's tables — the same rows `SqlCartStore.save` writes (cart row
 * as `toRow` builds it, job row from `newJobRow`), in large transactions — so the firing phase
 * still starts from the full state. Every row written this way is counted in the report.
 */
import { type Kysely } from 'kysely';
import { timeOrderedIds } from '../src/domain/ports/ids.js';
import { normalizePhone } from '../src/domain/recipients/phone.js';
import { newJobRow } from '../src/store/job-rows.js';
import type { CartsTable, Database, JobsTable } from '../src/store/schema.js';
import { CART_REMINDER_JOB, cartJobKey } from '../src/use-cases/recover-carts.js';
import { cartOf, type PlannedCart } from './carts-fixtures.js';

const BATCH = 500;

/** What `CartRecovery.onCart` saves for a new cart with one pending step. */
function rowsOf(tenantId: string, p: PlannedCart, afterMs: number, ids: { next(prefix: string): string }, now: Date): { cart: CartsTable; job: JobsTable } {
  const cart = cartOf(p, afterMs);
  const phone = normalizePhone(cart.customer.phone, 'IN');
  if (!phone.ok) throw new Error(`bench phone ${p.phone} does not normalise`);
  return {
    cart: {
      tenant_id: tenantId,
      cart_key: cart.key,
      id: ids.next('cart'),
      token: cart.token,
      cart_token: cart.cartToken,
      customer: phone.digits,
      snapshot: JSON.stringify(cart),
      cart_time: Date.parse(cart.cartTime),
      state: 'pending',
      reminders_sent: 0,
      next_step: 0,
      last_reminded_at: null,
      reason: null,
      recovered_order_id: null,
      recovered_value: null,
      recovered_currency: null,
      recovered_after_step: null,
      created_at: now.getTime(),
      updated_at: now.getTime(),
    },
    job: newJobRow(
      ids.next('job'),
      { kind: CART_REMINDER_JOB, payload: { cartKey: cart.key, step: 0 }, tenantId, runAt: new Date(p.dueMs), key: cartJobKey(tenantId, cart.key) },
      now,
    ),
  };
}

/** Inserts the carts and their pending reminder jobs; returns the seconds it took. */
export async function fillCarts(db: Kysely<Database>, tenantId: string, carts: readonly PlannedCart[], afterMs: number): Promise<number> {
  const start = performance.now();
  const ids = timeOrderedIds();
  for (let i = 0; i < carts.length; i += BATCH) {
    const now = new Date();
    const rows = carts.slice(i, i + BATCH).map((p) => rowsOf(tenantId, p, afterMs, ids, now));
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('carts').values(rows.map((r) => r.cart)).execute();
      await trx.insertInto('jobs').values(rows.map((r) => r.job)).execute();
    });
  }
  return (performance.now() - start) / 1000;
}

/**
 * What `CartRecovery.onOrder` writes once it has found the cart (`close` → `save` with no next
 * job): the cart `completed` by token, its pending job deleted by key (with the index's own
 * predicate, so the delete is an index lookup). Returns the seconds it took.
 */
export async function fillCancels(db: Kysely<Database>, tenantId: string, carts: readonly PlannedCart[]): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < carts.length; i += BATCH) {
    const now = Date.now();
    const batch = carts.slice(i, i + BATCH);
    await db.transaction().execute(async (trx) => {
      for (const p of batch) {
        await trx
          .updateTable('carts')
          .set({ state: 'completed', reason: 'order_by_token', updated_at: now })
          .where('tenant_id', '=', tenantId)
          .where('cart_key', '=', p.token)
          .execute();
        await trx
          .deleteFrom('jobs')
          .where('job_key', '=', cartJobKey(tenantId, p.token))
          .where('state', '=', 'pending')
          .where('state', '<>', 'dead')
          .execute();
      }
    });
  }
  return (performance.now() - start) / 1000;
}
