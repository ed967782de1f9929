/**
 * How a real database plans a statement: SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN.
 * On PostgreSQL sequential scans are switched off for the look: a test table is small enough
 * that scanning it wins whatever the indexes, and the question is whether an index can serve.
 */
import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.js';

export async function planOf(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', query: string, parameters: readonly unknown[]): Promise<string> {
  if (dialect === 'sqlite') {
    const rows = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${query}`, [...parameters]));
    return rows.rows.map((r) => r.detail).join('\n');
  }
  return db.transaction().execute(async (trx) => {
    await sql`set local enable_seqscan = off`.execute(trx);
    const rows = await trx.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain ${query}`, [...parameters]));
    return rows.rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}
