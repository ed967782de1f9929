import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
  type SqliteDialectConfig,
  type SqliteStatement,
} from 'kysely';
import type { Database } from './schema.js';
import { AUTOCHECKPOINT_PAGES, startCheckpointer, type SqliteCheckpointer } from './sqlite-checkpointer.js';

/**
 * Kysely prepares a statement for every query; better-sqlite3 statements are reusable, so
 * keeping them by SQL text saves the parse on the ingestion hot path.
 */
function withStatementCache(db: BetterSqlite3.Database, limit = 500): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare(sqlText: string): SqliteStatement {
      let statement = cache.get(sqlText);
      if (statement === undefined) {
        statement = db.prepare(sqlText);
        if (cache.size >= limit) cache.clear();
        cache.set(sqlText, statement);
      }
      return statement;
    },
  };
}

/**
 * Transactions take SQLite's write lock when they begin. A plain (deferred) BEGIN takes it
 * at the first write, and if another connection (another process: `--role api` beside
 * `--role worker`) has committed since the transaction's first read, SQLite refuses that
 * write at once with SQLITE_BUSY, without waiting out the busy timeout. IMMEDIATE waits its turn.
 */
class ImmediateTransactionDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class OrderlineSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateTransactionDriver(this.settings);
  }
}

export interface SqliteHandle {
  db: Kysely<Database>;
  raw: BetterSqlite3.Database;
  /** Null for `:memory:` (no WAL). */
  checkpointer: SqliteCheckpointer | null;
  close(): Promise<void>;
}

export function openSqlite(file: string, onError: (error: Error) => void = () => {}): SqliteHandle {
  // The directory holds sealed secrets and key hashes: owner only.
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const raw = new BetterSqlite3(file);
  // WAL with synchronous=NORMAL: a commit is in the WAL before we answer 200, so it
  // survives a SIGKILL of the process (not a power cut; see docs/durability.md).
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('foreign_keys = ON');
  const inMemory = file === ':memory:';
  if (!inMemory) raw.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  const checkpointer = inMemory ? null : startCheckpointer(file, onError);
  const db = new Kysely<Database>({ dialect: new OrderlineSqliteDialect({ database: withStatementCache(raw) }) });
  return {
    db,
    raw,
    checkpointer,
    // The checkpointer first: the writer's connection is then the last one, and closing it
    // checkpoints what is left and removes the WAL.
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}
