/**
 * Prepared queries on real SQLite and real PostgreSQL: the compiled SQL and its parameters are
 * exactly what Kysely builds for the same values, rows match the unprepared query, and builders
 * that cannot be prepared safely are refused when compiled.
 */
import { NoResultError, sql, type Insertable, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareQuery, PreparedQueryError } from '../../src/store/prepared-query.js';
import type { Database, MessagesTable } from '../../src/store/schema.js';
import { openContractDatabase, unique, type ContractDatabase } from '../contract/contract-database.js';
import { databaseTargets } from '../support/databases.js';
import { recorder } from '../support/recording-executor.js';

function message(tenantId: string, id: string, overrides: Partial<MessagesTable> = {}): Insertable<MessagesTable> {
  return {
    id,
    tenant_id: tenantId,
    event_id: null,
    dedupe_key: `dedupe_${id}`,
    sequence: id,
    kind: 'order_confirmed',
    category: 'utility',
    order_id: null,
    recipient: '919800000001',
    wa_id: null,
    state: 'queued',
    skip_reason: null,
    body: null,
    wamid: null,
    error_code: null,
    error_detail: null,
    attempts: 0,
    send_started_at: null,
    sent_at: null,
    delivered_at: null,
    read_at: null,
    failed_at: null,
    created_at: 1000,
    updated_at: 1000,
    ...overrides,
  };
}

describe.each(databaseTargets())('prepared queries on $name', (factory) => {
  describe.skipIf(factory.skip)('', () => {
    let database: ContractDatabase | undefined;
    let db: Kysely<Database>;
    const tenant = unique('ten');

    beforeAll(async () => {
      database = await openContractDatabase(factory);
      db = database.connection.db;
      await db
        .insertInto('messages')
        .values([
          message(tenant, 'm1', { sequence: '001', state: 'queued' }),
          message(tenant, 'm2', { sequence: '002', state: 'sending', recipient: '919800000002' }),
          message(tenant, 'm3', { sequence: '003', state: 'accepted' }),
          message(tenant, 'm4', { sequence: '004', state: 'queued' }),
          message('other', 'm5', { sequence: '000', state: 'queued' }),
        ])
        .execute();
    });
    afterAll(async () => database?.close());

    // Parameters and constants interleaved: constants before, between and after the parameters.
    const pendingBuilder = (p: { tenantId: string; sequence: string; limit: number }) =>
      db
        .selectFrom('messages')
        .select(['id', 'state'])
        .where('state', 'in', ['queued', 'sending'])
        .where('tenant_id', '=', p.tenantId)
        .where('attempts', '>=', 0)
        .where('sequence', '<', p.sequence)
        .where('kind', '<>', 'never')
        .orderBy('sequence')
        .limit(p.limit);
    const prepareEarlier = () => prepareQuery(db, ['tenantId', 'sequence', 'limit'], pendingBuilder);

    it('binds the same SQL and parameters Kysely builds for those values', async () => {
      const prepared = prepareEarlier();
      const { executor, queries } = recorder();
      const values = [
        { tenantId: tenant, sequence: '004', limit: 10 },
        { tenantId: 'other', sequence: '999', limit: 1 },
      ];
      for (const v of values) await prepared.execute(v, executor);
      expect(queries).toHaveLength(2);
      values.forEach((v, i) => {
        const expected = pendingBuilder(v).compile();
        expect(queries[i]!.sql).toBe(expected.sql);
        expect(queries[i]!.parameters).toEqual(expected.parameters);
      });
      expect(queries[0]!.parameters).toEqual(['queued', 'sending', tenant, 0, '004', 'never', 10]);
      expect(prepared.sql).toContain(factory.name === 'postgres' ? '$7' : '?');
    });

    it('returns the rows of the unprepared query, and new rows for new values', async () => {
      const prepared = prepareEarlier();
      const cases = [
        { tenantId: tenant, sequence: '004', limit: 10 },
        { tenantId: tenant, sequence: '002', limit: 10 },
        { tenantId: tenant, sequence: '005', limit: 2 },
        { tenantId: 'other', sequence: '001', limit: 10 },
        { tenantId: 'nobody', sequence: '999', limit: 10 },
      ];
      const results = [];
      for (const c of cases) {
        const rows = (await prepared.execute(c)).rows;
        expect(rows).toEqual(await pendingBuilder(c).execute());
        results.push(rows.map((r) => r.id));
      }
      expect(results).toEqual([['m1', 'm2'], ['m1'], ['m1', 'm2'], ['m5'], []]);
    });

    it('returns whole rows as selectAll does, with the database types unchanged', async () => {
      const get = prepareQuery(db, ['id'], (p: { id: string }) => db.selectFrom('messages').selectAll().where('id', '=', p.id));
      for (const id of ['m1', 'm2', 'm5']) {
        const row = await get.executeTakeFirst({ id });
        expect(row).toEqual(await db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst());
        expect(typeof row?.created_at).toBe('number');
      }
      expect(await get.executeTakeFirst({ id: 'missing' })).toBeUndefined();
      await expect(get.executeTakeFirstOrThrow({ id: 'missing' })).rejects.toBeInstanceOf(NoResultError);
      expect((await get.executeTakeFirstOrThrow({ id: 'm3' })).state).toBe('accepted');
    });

    it('updates with constants and expressions in the set list, reporting affected rows', async () => {
      const markSending = prepareQuery(db, ['startedAt', 'updatedAt', 'id'], (p: { startedAt: number; updatedAt: number; id: string }) =>
        db
          .updateTable('messages')
          .set((eb) => ({ state: 'sending', send_started_at: p.startedAt, attempts: eb('attempts', '+', 1), updated_at: p.updatedAt }))
          .where('id', '=', p.id),
      );
      const result = await markSending.execute({ startedAt: 5000, updatedAt: 6000, id: 'm4' });
      expect(result.numAffectedRows).toBe(1n);
      expect(await markSending.execute({ startedAt: 7000, updatedAt: 8000, id: 'missing' })).toMatchObject({ numAffectedRows: 0n });
      await markSending.execute({ startedAt: 9000, updatedAt: 9500, id: 'm4' });
      const row = await db.selectFrom('messages').select(['state', 'send_started_at', 'attempts', 'updated_at']).where('id', '=', 'm4').executeTakeFirstOrThrow();
      expect(row).toEqual({ state: 'sending', send_started_at: 9000, attempts: 2, updated_at: 9500 });
    });

    it('inserts with returning and on-conflict do nothing, taking nulls as parameter values', async () => {
      const insert = prepareQuery(
        db,
        ['id', 'dedupeKey', 'orderId'],
        (p: { id: string; dedupeKey: string; orderId: string | null }) =>
          db
            .insertInto('messages')
            .values({ ...message(tenant, 'base'), id: p.id, dedupe_key: p.dedupeKey, order_id: p.orderId })
            .onConflict((oc) => oc.columns(['tenant_id', 'dedupe_key']).doNothing())
            .returning('id'),
      );
      expect(await insert.executeTakeFirst({ id: 'i1', dedupeKey: 'k1', orderId: null })).toEqual({ id: 'i1' });
      expect(await insert.executeTakeFirst({ id: 'i2', dedupeKey: 'k2', orderId: 'ord-2' })).toEqual({ id: 'i2' });
      expect(await insert.executeTakeFirst({ id: 'i3', dedupeKey: 'k1', orderId: 'ord-3' })).toBeUndefined();
      const rows = await db.selectFrom('messages').select(['id', 'order_id']).where('id', 'in', ['i1', 'i2', 'i3']).orderBy('id').execute();
      expect(rows).toEqual([
        { id: 'i1', order_id: null },
        { id: 'i2', order_id: 'ord-2' },
      ]);
    });

    it('runs inside a transaction, on its connection', async () => {
      const setState = prepareQuery(db, ['state', 'id'], (p: { state: string; id: string }) =>
        db.updateTable('messages').set({ state: p.state }).where('id', '=', p.id),
      );
      const stateOf = prepareQuery(db, ['id'], (p: { id: string }) => db.selectFrom('messages').select('state').where('id', '=', p.id));
      await expect(
        db.transaction().execute(async (trx) => {
          await setState.execute({ state: 'failed', id: 'm1' }, trx);
          expect(await stateOf.executeTakeFirstOrThrow({ id: 'm1' }, trx)).toEqual({ state: 'failed' });
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await stateOf.executeTakeFirst({ id: 'm1' })).toEqual({ state: 'queued' });
      await db.transaction().execute(async (trx) => {
        await setState.execute({ state: 'skipped', id: 'm1' }, trx);
      });
      expect(await stateOf.executeTakeFirst({ id: 'm1' })).toEqual({ state: 'skipped' });
      await setState.execute({ state: 'queued', id: 'm1' });
    });

    describe('refuses, when compiled, a builder that', () => {
      const refused = (prepare: () => unknown, message: RegExp) => {
        expect(prepare).toThrow(PreparedQueryError);
        expect(prepare).toThrow(message);
      };

      it('binds a parameter twice', () => {
        refused(
          () =>
            prepareQuery(db, ['id', 'at'], (p: { id: string; at: number }) =>
              db.updateTable('messages').set({ send_started_at: p.at, updated_at: p.at }).where('id', '=', p.id),
            ),
          /parameter at is bound more than once/,
        );
      });

      it('never binds a parameter', () => {
        refused(
          () => prepareQuery(db, ['id', 'state'], (p: { id: string; state: string }) => db.selectFrom('messages').select('id').where('id', '=', p.id)),
          /parameters state are never bound/,
        );
      });

      it('branches on a parameter without binding it', () => {
        refused(
          () =>
            prepareQuery(db, ['id', 'orderId'], (p: { id: string; orderId: string | null }) => {
              const query = db.selectFrom('messages').select('id').where('id', '=', p.id);
              return p.orderId === null ? query.where('order_id', 'is', null) : query;
            }),
          /parameters orderId are never bound/,
        );
      });

      it('changes a parameter before binding it', () => {
        refused(
          () => prepareQuery(db, ['orderId'], (p: { orderId: string }) => db.selectFrom('resources').select('progress').where('resource_key', '>=', `${p.orderId}|`)),
          /changes a parameter before binding it/,
        );
      });

      it('binds a parameter inside an object or array', () => {
        refused(
          () => prepareQuery(db, ['id'], (p: { id: string }) => db.selectFrom('messages').select('id').where('id', '=', sql<string>`${[p.id]}`)),
          /changes a parameter before binding it/,
        );
      });

      it('writes a parameter into the SQL text', () => {
        refused(
          () => prepareQuery(db, ['state'], (p: { state: string }) => db.selectFrom('messages').select('id').where('state', '=', sql.lit(p.state))),
          /written into the SQL text/,
        );
      });

      it('reads a parameter it was not given the name of', () => {
        const names: readonly string[] = ['id'];
        refused(
          // The cast stands for a caller that slipped past the type check.
          () => prepareQuery(db, names as ['id', 'state'], (p: { id: string; state: string }) => db.selectFrom('messages').select('id').where('id', '=', p.id).where('state', '=', p.state)),
          /reads parameter state, which is not among the names \[id\]/,
        );
      });

      it('names a parameter twice', () => {
        refused(() => prepareQuery(db, ['id', 'id'], (p: { id: string }) => db.selectFrom('messages').select('id').where('id', '=', p.id)), /named twice/);
      });
    });

    it('refuses, when executed, a value that is undefined or no scalar', async () => {
      const get = prepareQuery(db, ['id'], (p: { id: string }) => db.selectFrom('messages').select('id').where('id', '=', p.id));
      // The casts stand for callers that slipped past the type check.
      await expect(get.execute({ id: undefined as unknown as string })).rejects.toThrow(/parameter id is undefined/);
      await expect(get.execute({ id: ['m1', 'm2'] as unknown as string })).rejects.toThrow(/parameter id is not a scalar/);
    });

    it('leaves names and parameter types to the type checker too', () => {
      const build = (p: { id: string }) => db.selectFrom('messages').select('id').where('id', '=', p.id);
      // @ts-expect-error: a parameter without a name
      expect(() => prepareQuery(db, [], build)).toThrow(PreparedQueryError);
      // @ts-expect-error: a name without a parameter
      expect(() => prepareQuery(db, ['id', 'other'], build)).toThrow(PreparedQueryError);
      // @ts-expect-error: a list is no scalar parameter (refused when executed, see above)
      prepareQuery(db, ['ids'], (p: { ids: string[] }) => db.selectFrom('messages').select('id').where('id', 'in', p.ids));
    });
  });
});
