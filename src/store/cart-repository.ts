import type { Kysely, Selectable } from 'kysely';
import type { Cart } from '../domain/events/model.js';
import type { CartRecord, CartState, CartStats, CartStore } from '../domain/ports/cart-store.js';
import type { IdGenerator } from '../domain/ports/ids.js';
import type { JobSpec } from '../domain/ports/job-queue.js';
import type { Page, PageRequest } from '../domain/ports/page.js';
import { newJobRow } from './job-rows.js';
import { prepareQuery } from './prepared-query.js';
import { toPage } from './paging.js';
import type { CartsTable, Database } from './schema.js';

const OPEN: CartState[] = ['pending', 'reminded'];
const date = (ms: number | null) => (ms === null ? null : new Date(ms));

function fromRow(row: Selectable<CartsTable>): CartRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    cartKey: row.cart_key,
    token: row.token,
    cartToken: row.cart_token,
    customer: row.customer,
    cart: JSON.parse(row.snapshot) as Cart,
    cartTime: new Date(row.cart_time),
    state: row.state as CartState,
    remindersSent: row.reminders_sent,
    nextStep: row.next_step,
    lastRemindedAt: date(row.last_reminded_at),
    reason: row.reason,
    recoveredOrderId: row.recovered_order_id,
    recoveredValue: row.recovered_value,
    recoveredCurrency: row.recovered_currency,
    recoveredAfterStep: row.recovered_after_step,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function toRow(c: CartRecord): CartsTable {
  return {
    tenant_id: c.tenantId,
    cart_key: c.cartKey,
    id: c.id,
    token: c.token,
    cart_token: c.cartToken,
    customer: c.customer,
    snapshot: JSON.stringify(c.cart),
    cart_time: c.cartTime.getTime(),
    state: c.state,
    reminders_sent: c.remindersSent,
    next_step: c.nextStep,
    last_reminded_at: c.lastRemindedAt?.getTime() ?? null,
    reason: c.reason,
    recovered_order_id: c.recoveredOrderId,
    recovered_value: c.recoveredValue,
    recovered_currency: c.recoveredCurrency,
    recovered_after_step: c.recoveredAfterStep,
    created_at: c.createdAt.getTime(),
    updated_at: c.updatedAt.getTime(),
  };
}

export interface OpenMatch {
  tenantOfToken: string;
  token: string | null;
  tenantOfTokenKey: string;
  tokenAsKey: string | null;
  tenantOfCartToken: string;
  cartToken: string | null;
  tenantOfCartTokenKey: string;
  cartTokenAsKey: string | null;
  tenantOfCustomer: string;
  customer: string | null;
  since: number;
}

/**
 * The open carts an order may close: by checkout token, by cart token (each also as the cart's
 * key) or by the customer since a time. The tenant goes inside each branch so every branch is
 * one index search (a multi-index OR); with the tenant outside, SQLite scans all of the
 * tenant's carts. A way to match the order does not have is bound as NULL, and `= NULL`
 * matches nothing, so one statement serves every order. Each value is named once per place
 * it is bound (a prepared query binds each name exactly once).
 */
export function prepareOpenCartsMatching(db: Kysely<Database>) {
  return prepareQuery(
    db,
    ['tenantOfToken', 'token', 'tenantOfTokenKey', 'tokenAsKey', 'tenantOfCartToken', 'cartToken', 'tenantOfCartTokenKey', 'cartTokenAsKey', 'tenantOfCustomer', 'customer', 'since'],
    (p: OpenMatch) =>
      db
        .selectFrom('carts')
        .selectAll()
        .where('state', 'in', OPEN)
        .where((eb) =>
          eb.or([
            eb.and([eb('tenant_id', '=', p.tenantOfToken), eb('token', '=', p.token)]),
            eb.and([eb('tenant_id', '=', p.tenantOfTokenKey), eb('cart_key', '=', p.tokenAsKey)]),
            eb.and([eb('tenant_id', '=', p.tenantOfCartToken), eb('cart_token', '=', p.cartToken)]),
            eb.and([eb('tenant_id', '=', p.tenantOfCartTokenKey), eb('cart_key', '=', p.cartTokenAsKey)]),
            eb.and([eb('tenant_id', '=', p.tenantOfCustomer), eb('customer', '=', p.customer), eb('cart_time', '>=', p.since)]),
          ]),
        ),
  );
}

export class SqlCartStore implements CartStore {
  // Run for every order planned: built and compiled by Kysely each time, it cost more than
  // running it.
  private readonly openMatching;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly ids: IdGenerator,
  ) {
    this.openMatching = prepareOpenCartsMatching(db);
  }

  async get(tenantId: string, cartKey: string): Promise<CartRecord | undefined> {
    const row = await this.db.selectFrom('carts').selectAll().where('tenant_id', '=', tenantId).where('cart_key', '=', cartKey).executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  async save(cart: CartRecord, job: { key: string; next: JobSpec | null }): Promise<void> {
    const row = toRow(cart);
    await this.db.transaction().execute(async (trx) => {
      const { tenant_id: _t, cart_key: _k, id: _i, created_at: _c, ...changes } = row;
      await trx
        .insertInto('carts')
        .values(row)
        .onConflict((oc) => oc.columns(['tenant_id', 'cart_key']).doUpdateSet(changes))
        .execute();
      // One indexed write stops or moves the sequence: the pending job is found by its key.
      // `state <> 'dead'` is the live-key index's own condition: with it the job is found
      // through that index instead of by scanning every pending job.
      await trx.deleteFrom('jobs').where('job_key', '=', job.key).where('state', '<>', 'dead').where('state', '=', 'pending').execute();
      if (job.next !== null) {
        // The reminder job running now (the one scheduling its successor) still holds the key,
        // and a key names at most one live job: it lets go so the next step can take it.
        await trx.updateTable('jobs').set({ job_key: null }).where('job_key', '=', job.key).where('state', '<>', 'dead').where('state', '=', 'running').execute();
        await trx.insertInto('jobs').values(newJobRow(this.ids.next('job'), { ...job.next, key: job.key }, cart.updatedAt)).execute();
      }
    });
  }

  async openForOrder(
    tenantId: string,
    match: { token: string | null; cartToken: string | null; customer: string | null; since: Date },
  ): Promise<CartRecord[]> {
    // Nothing to match by (an order with no phone and no checkout): no query at all.
    if (match.token === null && match.cartToken === null && match.customer === null) return [];
    const { rows } = await this.openMatching.execute({
      tenantOfToken: tenantId,
      token: match.token,
      tenantOfTokenKey: tenantId,
      tokenAsKey: match.token,
      tenantOfCartToken: tenantId,
      cartToken: match.cartToken,
      tenantOfCartTokenKey: tenantId,
      cartTokenAsKey: match.cartToken,
      tenantOfCustomer: tenantId,
      customer: match.customer,
      since: match.since.getTime(),
    });
    return rows.map(fromRow);
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<CartRecord>> {
    let query = this.db.selectFrom('carts').selectAll().where('tenant_id', '=', tenantId).orderBy('id', 'desc').limit(page.limit + 1);
    if (page.cursor !== null) query = query.where('id', '<', page.cursor);
    return toPage(await query.execute(), page.limit, fromRow);
  }

  async stats(tenantId: string): Promise<CartStats> {
    const rows = await this.db
      .selectFrom('carts')
      .select(['state', 'reminders_sent', 'recovered_value', 'recovered_currency'])
      .where('tenant_id', '=', tenantId)
      .execute();
    const stats: CartStats = { carts: rows.length, remindedCarts: 0, remindersSent: 0, recoveredCarts: 0, recoveredRevenue: {} };
    for (const r of rows) {
      stats.remindersSent += r.reminders_sent;
      if (r.reminders_sent > 0) stats.remindedCarts += 1;
      if (r.state === 'recovered') {
        stats.recoveredCarts += 1;
        const currency = r.recovered_currency ?? 'unknown';
        stats.recoveredRevenue[currency] = Math.round(((stats.recoveredRevenue[currency] ?? 0) + Number(r.recovered_value ?? 0)) * 100) / 100;
      }
    }
    return stats;
  }
}
