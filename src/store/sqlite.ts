import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  RawNode,
  SelectQueryNode,
  type QueryResult,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
  type SqliteDialectConfig,
  type SqliteStatement,
} from 'kysely';
import type { Database } from './schema.js';
import { SqliteWriteLock } from './sqlite-write-lock.js';
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

/** Statements that may write take the write lock; a read never needs it (WAL). */
function mayWrite(query: CompiledQuery): boolean {
  if (SelectQueryNode.is(query.query)) return false;
  return !(RawNode.is(query.query) && /^\s*select\b/i.test(query.sql));
}

/** The connection, with writes outside a transaction each taking the write lock. */
class LockingConnection implements DatabaseConnection {
  inTransaction = false;

  constructor(
    readonly inner: DatabaseConnection,
    private readonly lock: SqliteWriteLock,
  ) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.inTransaction || !mayWrite(query)) return this.inner.executeQuery(query);
    return this.executeLocked(query);
  }

  private async executeLocked<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    await this.lock.acquireAsync();
    // better-sqlite3 runs the statement before executeQuery returns: the lock is held for it alone.
    try {
      return await this.inner.executeQuery(query);
    } finally {
      this.lock.release();
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery(query, chunkSize);
  }
}

/**
 * Transactions take SQLite's write lock when they begin. A plain (deferred) BEGIN takes it
 * at the first write, and if another connection (another process: `--role api` beside
 * `--role worker`) has committed since the transaction's first read, SQLite refuses that
 * write at once with SQLITE_BUSY, without waiting out the busy timeout. IMMEDIATE waits its
 * turn. Before that, the transaction queues for the process's write lock (SqliteWriteLock),
 * so threads of this process take turns instead of sleeping in SQLite's busy handler.
 */
class ImmediateTransactionDriver extends SqliteDriver {
  private wrapped: LockingConnection | undefined;

  constructor(
    settings: SqliteDialectConfig,
    private readonly lock: SqliteWriteLock,
  ) {
    super(settings);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    if (this.wrapped?.inner !== connection) this.wrapped = new LockingConnection(connection, this.lock);
    return this.wrapped;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const locking = connection as LockingConnection;
    await this.lock.acquireAsync();
    locking.inTransaction = true;
    try {
      await locking.inner.executeQuery(CompiledQuery.raw('begin immediate'));
    } catch (error) {
      this.releaseFrom(locking);
      throw error;
    }
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const locking = connection as LockingConnection;
    // A failed commit is rolled back by Kysely, which releases the lock then.
    await locking.inner.executeQuery(CompiledQuery.raw('commit'));
    this.releaseFrom(locking);
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const locking = connection as LockingConnection;
    try {
      await locking.inner.executeQuery(CompiledQuery.raw('rollback'));
    } finally {
      this.releaseFrom(locking);
    }
  }

  private releaseFrom(connection: LockingConnection): void {
    if (!connection.inTransaction) return;
    connection.inTransaction = false;
    this.lock.release();
  }
}

class OrderlineSqliteDialect extends SqliteDialect {
  constructor(
    private readonly settings: SqliteDialectConfig,
    private readonly lock: SqliteWriteLock,
  ) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateTransactionDriver(this.settings, this.lock);
  }
}

export interface SqliteHandle {
  db: Kysely<Database>;
  raw: BetterSqlite3.Database;
  /** Null for `:memory:` (no WAL) and when another connection checkpoints. */
  checkpointer: SqliteCheckpointer | null;
  close(): Promise<void>;
}

export interface SqliteOptions {
  /** Shared with the other threads of this process that write the same file; a new one by default. */
  writeLock?: SqliteWriteLock;
  /** Checkpoint from a background thread (the default); one per file is enough. */
  checkpoints?: boolean;
}

export function openSqlite(file: string, onError: (error: Error) => void = () => {}, options: SqliteOptions = {}): SqliteHandle {
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
  const checkpointer = inMemory || options.checkpoints === false ? null : startCheckpointer(file, onError);
  const lock = options.writeLock ?? new SqliteWriteLock();
  const db = new Kysely<Database>({ dialect: new OrderlineSqliteDialect({ database: withStatementCache(raw) }, lock) });
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
