import { Migrator, sql, type Kysely } from 'kysely';
import type { DatabaseTarget } from '../config/config.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';
import { openPostgres } from './postgres.js';
import { openSqlite, type SqliteOptions } from './sqlite.js';

/** What differs between databases, as flags rather than `if (kind === …)` in callers. */
export interface Capabilities {
  /** `FOR UPDATE SKIP LOCKED` exists, so several workers can claim jobs concurrently. */
  readonly skipLocked: boolean;
  /** `SELECT … FOR UPDATE` locks rows (SQLite needs none: one writer at a time). */
  readonly rowLocks: boolean;
  /** Writers are serialised by the database file (one writer at a time). */
  readonly singleWriter: boolean;
}

export interface StoreConnection {
  readonly db: Kysely<Database>;
  readonly capabilities: Capabilities;
  readonly description: string;
  close(): Promise<void>;
}

/**
 * Serialises transactions that touch the same key (a wamid) where the database runs
 * transactions side by side: a transaction-scoped advisory lock on PostgreSQL. SQLite runs
 * one writer at a time and needs none.
 */
export async function lockKeys(trx: Kysely<Database>, capabilities: Capabilities, keys: readonly string[]): Promise<void> {
  if (!capabilities.rowLocks) return;
  // Sorted, so two transactions never wait on each other in opposite orders.
  for (const key of [...new Set(keys)].sort()) {
    await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(trx);
  }
}

export class MigrationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export function connect(
  target: DatabaseTarget,
  onBackgroundError: (error: Error) => void = () => {},
  sqliteOptions: SqliteOptions = {},
): StoreConnection {
  if (target.kind === 'sqlite') {
    const sqlite = openSqlite(target.file, onBackgroundError, sqliteOptions);
    return {
      db: sqlite.db,
      capabilities: { skipLocked: false, rowLocks: false, singleWriter: true },
      description: `SQLite ${target.file}`,
      close: () => sqlite.close(),
    };
  }
  const { db } = openPostgres(target.url, onBackgroundError);
  const safe = new URL(target.url);
  safe.password = '';
  return {
    db,
    capabilities: { skipLocked: true, rowLocks: true, singleWriter: false },
    description: `PostgreSQL ${safe.host}${safe.pathname}`,
    close: () => db.destroy(),
  };
}

export async function migrate(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrations, migrationTableName: 'orderline_migrations', migrationLockTableName: 'orderline_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const said = error instanceof Error ? error.message : JSON.stringify(error);
    // Kysely's words for a database that knows a migration this build does not ship.
    const newer = /previously executed migration (\S+) is missing/.exec(said);
    const message = newer?.[1] !== undefined
      ? `the database was migrated by a newer Orderline (migration ${newer[1]} is unknown to this version): run that version or a later one, not this one`
      : `database migration failed: ${said}`;
    throw new MigrationError(message, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export async function ping(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
