/**
 * Prepared queries over lists of rows on real SQLite and real PostgreSQL: for each part (a power
 * of two of rows), the SQL and parameters are exactly what Kysely builds for the same rows;
 * results match the unprepared query; builders that do not give every row its own place are
 * refused.
 */
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreparedQueryError } from '../../src/store/prepared-query.js';
import { partSizes, prepareRowsQuery } from '../../src/store/prepared-rows-query.js';
import type { Database } from '../../src/store/schema.js';
import { openContractDatabase, unique, type ContractDatabase } from '../contract/contract-database.js';
import { databaseTargets } from '../support/databases.js';
import { recorder } from '../support/recording-executor.js';

interface Setting {
  name: string;
  value: string;
}

describe.each(databaseTargets())('prepared rows queries on $name', (factory) => {
  describe.skipIf(factory.skip)('', () => {
    let database: ContractDatabase | undefined;
    let db: Kysely<Database>;

    beforeAll(async () => {
      database = await openContractDatabase(factory);
      db = database.connection.db;
    });
    afterAll(async () => database?.close());

    const insertBuilder = (rows: readonly Setting[]) =>
      db
        .insertInto('settings')
        .values(rows.map((r) => ({ ...r })))
        .onConflict((oc) => oc.column('name').doNothing())
        .returning(['name', 'value']);
    const lookupBuilder = (rows: readonly Pick<Setting, 'name'>[]) =>
      db
        .selectFrom('settings')
        .select(['name', 'value'])
        .where(
          'name',
          'in',
          rows.map((r) => r.name),
        )
        .orderBy('name');
    const settings = (n: number, prefix = unique('s')) => Array.from({ length: n }, (_, i) => ({ name: `${prefix}-${i}`, value: `v${i}` }));

    it('binds, for a list of each power of two, the SQL and parameters Kysely builds for those rows; other lists run in such parts', async () => {
      const insert = prepareRowsQuery(db, ['name', 'value'], insertBuilder, 8);
      const { executor, queries } = recorder();
      const lists = [settings(1), settings(4), settings(1), settings(4)];
      for (const rows of lists) await insert.execute(rows, executor);
      lists.forEach((rows, i) => {
        const expected = insertBuilder(rows).compile();
        expect(queries[i]!.sql).toBe(expected.sql);
        expect(queries[i]!.parameters).toEqual(expected.parameters);
      });
      const seven = settings(7);
      await insert.execute(seven, executor);
      const parts = [seven.slice(0, 4), seven.slice(4, 6), seven.slice(6)].map((rows) => insertBuilder(rows).compile());
      expect(queries.slice(4).map((q) => [q.sql, q.parameters])).toEqual(parts.map((q) => [q.sql, q.parameters]));
    });

    it('returns what the unprepared queries return, and inserts each row once', async () => {
      const insert = prepareRowsQuery(db, ['name', 'value'], insertBuilder, 16);
      const lookup = prepareRowsQuery(db, ['name'], lookupBuilder, 16);
      const rows = settings(4);
      expect((await insert.execute(rows)).rows).toEqual(rows);
      // On conflict do nothing: the two already stored come back from neither.
      const more = [...rows.slice(0, 2), ...settings(2)];
      expect((await insert.execute(more)).rows).toEqual(more.slice(2));
      const names = [...rows, ...more.slice(2)].map((r) => ({ name: r.name }));
      // Six names run as parts of four and two: the same rows, ordered within each part only.
      const byName = (a: Setting, b: Setting) => a.name.localeCompare(b.name);
      expect((await lookup.execute(names)).rows.sort(byName)).toEqual((await lookupBuilder(names).execute()).sort(byName));
    });

    it('runs a list in parts of powers of two up to the limit, in order, within a transaction', async () => {
      const insert = prepareRowsQuery(db, ['name', 'value'], insertBuilder, 4);
      const rows = settings(11);
      const inserted = await db.transaction().execute(async (trx) => (await insert.execute(rows, trx)).rows);
      expect(inserted).toEqual(rows);
      const { executor, queries } = recorder();
      await insert.execute(rows, executor);
      expect(queries.map((q) => q.parameters.length)).toEqual([8, 8, 4, 2]);
      expect(partSizes(37, 256)).toEqual([32, 4, 1]);
      expect(partSizes(600, 256)).toEqual([256, 256, 64, 16, 8]);
      expect(() => prepareRowsQuery(db, ['name', 'value'], insertBuilder, 3)).toThrow(/power of two/);
    });

    it('refuses a builder that does not bind every row, a field it was not given, an empty list, and values that are no scalars', async () => {
      const firstOnly = prepareRowsQuery(db, ['name', 'value'], (rows: readonly Setting[]) => insertBuilder(rows.slice(0, 1)), 16);
      await expect(firstOnly.execute(settings(2))).rejects.toThrow(PreparedQueryError);
      await expect(firstOnly.execute(settings(2))).rejects.toThrow(/never bound/);
      const reader = prepareRowsQuery(db, ['name'], (rows: readonly Setting[]) => db.insertInto('settings').values(rows.map((r) => ({ name: r.name, value: r.value }))), 16);
      await expect(reader.execute([{ name: 'x', value: 'y' }])).rejects.toThrow(/reads field value/);
      const insert = prepareRowsQuery(db, ['name', 'value'], insertBuilder, 16);
      await expect(insert.execute([])).rejects.toThrow(/at least one row/);
      // The casts stand for callers that slipped past the type check.
      await expect(insert.execute([{ name: 'x', value: undefined as unknown as string }])).rejects.toThrow(/value of row 0 is undefined/);
      await expect(insert.execute([{ name: 'x', value: ['a'] as unknown as string }])).rejects.toThrow(/not a scalar/);
    });
  });
});
