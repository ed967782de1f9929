import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from './schema.js';

const INT8_OID = 20;

/** Epoch-millisecond columns are bigint; they fit a JS number, so read them as one. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (oid === INT8_OID) return (value: string) => Number(value);
    // pg's own parsers are typed `any`; they return whatever the column holds.
    return pg.types.getTypeParser(oid, format) as (value: string) => unknown;
  },
};

export function openPostgres(
  url: string,
  onIdleError: (error: Error) => void,
  max = 10,
): { db: Kysely<Database>; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: url, max, types, connectionTimeoutMillis: 5000 });
  // An idle client that loses its connection (server restart, network) must not crash the
  // process; the pool replaces it and the next query reconnects.
  pool.on('error', onIdleError);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, pool };
}
