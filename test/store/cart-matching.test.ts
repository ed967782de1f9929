/**
 * Which open carts an order closes, read through the cart store on real SQLite and real
 * PostgreSQL: by checkout token, by cart token (each also as the cart's key), by the customer
 * for carts left since a time; never a closed cart, never another tenant's. The one prepared
 * statement binds the ways an order lacks as NULL; its plan must stay an index search per way.
 */
import { newCartRecord } from '../../src/domain/carts/new-cart-record.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/ports/clock.js';
import { timeOrderedIds } from '../../src/domain/ports/ids.js';
import type { CartRecord } from '../../src/domain/ports/cart-store.js';
import type { Cart } from '../../src/domain/events/model.js';
import { shopifyCheckout } from '../../src/domain/events/fixtures.js';
import { normalizeEvent } from '../../src/domain/events/normalize.js';
import { prepareOpenCartsMatching, SqlCartStore } from '../../src/store/cart-repository.js';
import { openContractDatabase, type ContractDatabase } from '../contract/contract-database.js';
import { databaseTargets } from '../support/databases.js';
import { planOf } from '../support/query-plans.js';

const clock = new ManualClock('2026-03-01T10:00:00.000Z');
const ids = timeOrderedIds(() => clock.now().getTime());
const HOUR = 3_600_000;

type OrderMatch = Parameters<SqlCartStore['openForOrder']>[1];

function someCart(): Cart {
  const result = normalizeEvent('cart_abandoned', shopifyCheckout(), clock.now());
  if (!result.ok || result.value.kind !== 'cart_abandoned') throw new Error('the fixture checkout no longer normalises');
  return result.value.cart;
}

function record(tenantId: string, cartKey: string, fields: Partial<CartRecord>): CartRecord {
  const now = clock.now();
  return { ...newCartRecord(ids.next('cart'), tenantId, someCart(), now), cartKey, token: null, cartToken: null, cartTime: now, ...fields };
}

describe.each(databaseTargets())('carts an order closes, on $name', (factory) => {
  describe.skipIf(factory.skip)('', () => {
    let database: ContractDatabase | undefined;
    let carts: SqlCartStore;
    const none: OrderMatch = { token: null, cartToken: null, customer: null, since: new Date(0) };
    const keysFor = async (tenantId: string, match: Partial<OrderMatch>) =>
      (await carts.openForOrder(tenantId, { ...none, ...match })).map((c) => c.cartKey).sort();

    beforeAll(async () => {
      database = await openContractDatabase(factory);
      carts = new SqlCartStore(database.connection.db, ids);
      const t = clock.now().getTime();
      for (const c of [
        record('ten_a', 'by-token', { token: 'chk-1' }),
        record('ten_a', 'chk-2', {}),
        record('ten_a', 'by-cart-token', { cartToken: 'ct-1' }),
        record('ten_a', 'ct-2', {}),
        record('ten_a', 'old-phone', { customer: '919812345678', cartTime: new Date(t - 48 * HOUR) }),
        record('ten_a', 'new-phone', { customer: '919812345678', cartTime: new Date(t - HOUR) }),
        record('ten_a', 'closed', { token: 'chk-3', state: 'recovered' }),
        record('ten_b', 'other-tenant', { token: 'chk-1', customer: '919812345678' }),
      ]) {
        await carts.save(c, { key: `cart:${c.tenantId}:${c.cartKey}`, next: null });
      }
    });
    afterAll(async () => database?.close());

    it('matches by each way the order has, and not by those it lacks', async () => {
      expect(await keysFor('ten_a', { token: 'chk-1' })).toEqual(['by-token']);
      expect(await keysFor('ten_a', { token: 'chk-2' })).toEqual(['chk-2']);
      expect(await keysFor('ten_a', { cartToken: 'ct-1' })).toEqual(['by-cart-token']);
      expect(await keysFor('ten_a', { cartToken: 'ct-2' })).toEqual(['ct-2']);
      expect(await keysFor('ten_a', { token: 'chk-1', cartToken: 'ct-2' })).toEqual(['by-token', 'ct-2']);
      expect(await keysFor('ten_a', { customer: '919812345678', since: new Date(clock.now().getTime() - 24 * HOUR) })).toEqual(['new-phone']);
      expect(await keysFor('ten_a', { customer: '919812345678', since: new Date(0) })).toEqual(['new-phone', 'old-phone']);
      expect(await keysFor('ten_a', { token: 'chk-1', customer: '919800000000' })).toEqual(['by-token']);
    });

    it('never a closed cart nor another tenant\'s, and no query without a way to match', async () => {
      expect(await keysFor('ten_a', { token: 'chk-3' })).toEqual([]);
      expect(await keysFor('ten_b', { token: 'chk-1' })).toEqual(['other-tenant']);
      expect(await keysFor('ten_b', { cartToken: 'ct-1', customer: '919812345678', since: new Date(0) })).toEqual(['other-tenant']);
      expect(await keysFor('ten_c', { token: 'chk-1', customer: '919812345678', since: new Date(0) })).toEqual([]);
      expect(await keysFor('ten_a', {})).toEqual([]);
    });

    it('is planned as one index search per way to match, never a scan of the carts', async () => {
      const { db } = database!.connection;
      const prepared = prepareOpenCartsMatching(db);
      const parameters = ['ten_a', 'chk-1', 'ten_a', 'chk-1', 'ten_a', null, 'ten_a', null, 'ten_a', '919812345678', 0];
      // The statement's own bound constants (the open states) come first in SQL order; the plan
      // needs a value in every place, which these stand in for.
      const placeholders = (prepared.sql.match(/\?|\$\d+/g) ?? []).length;
      const values: unknown[] = [...new Array<string>(placeholders - parameters.length).fill('pending'), ...parameters];
      const plan = await planOf(db, factory.name, prepared.sql, values);
      if (factory.name === 'sqlite') {
        expect(plan).not.toMatch(/SCAN carts\b/);
        expect(plan.split('\n').filter((l) => /SEARCH carts USING INDEX/.test(l)).length).toBeGreaterThanOrEqual(4);
      } else {
        expect(plan).not.toMatch(/Seq Scan on carts/);
      }
    });
  });
});
