/**
 * Baselines for the cart-timer benchmark, straight on better-sqlite3 in a fresh file with the
 * service's pragmas (WAL, synchronous=NORMAL) and the service's own DDL (copied from its
 * sqlite_master, so the indexes are exactly the same):
 *
 * - `rows`: the issue's baseline: one `jobs` row per cart inserted (autocommit, one transaction
 *   each, as Orderline commits per cart), then half deleted by key.
 * - `writes`: the same rows Orderline writes per call, in one transaction per call (carts upsert +
 *   jobs delete/update/insert; cancel = carts lookup by token, then carts upsert + jobs delete),
 *   without Kysely, the use case or JSON building in the loop: what SQLite alone costs.
 *
 * Lookups by key carry the partial index's predicate (`state <> 'dead'`) and the cart lookup
 * names the tenant and the token, so every statement is an index lookup: the baseline is what
 * SQLite can do, not a copy of the service's plans (those are traced in bench/carts-sql.ts).
 */
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { distribution, Samples, type Distribution } from './carts-stats.js';
import { cartOf, type PlannedCart } from './carts-fixtures.js';

export interface OpStats {
  ops: number;
  seconds: number;
  perSecond: number;
  latencyMs: Distribution;
}

export interface BaselineResult {
  insert: OpStats;
  remove: OpStats;
  /** Bytes in the b-trees named (dbstat pgsize) per row inserted. */
  bytesPerRow: number;
  /** File growth (page_count × page_size) per row inserted. */
  fileBytesPerRow: number;
}

export interface Baselines {
  rows: BaselineResult;
  writes: BaselineResult;
}

function open(file: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  return db;
}

function fileBytes(db: BetterSqlite3.Database): number {
  const pages = db.pragma('page_count', { simple: true }) as number;
  const size = db.pragma('page_size', { simple: true }) as number;
  return pages * size;
}

function btreeBytes(db: BetterSqlite3.Database, tables: string[]): number {
  const placeholders = tables.map(() => '?').join(',');
  const row = db
    .prepare(`select coalesce(sum(pgsize), 0) as bytes from dbstat where name in (select name from sqlite_master where tbl_name in (${placeholders}))`)
    .get(...tables) as { bytes: number };
  return row.bytes;
}

function timed(count: number, op: (i: number) => void): OpStats {
  const latencies = new Samples(count);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    op(i);
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - start) / 1000;
  return { ops: count, seconds, perSecond: count / seconds, latencyMs: distribution(latencies.values()) };
}

const jobId = (i: number) => `job_${(1_000_000_000 + i).toString(32).padStart(10, '0')}${'x'.repeat(14)}`;
const cartId = (i: number) => `cart_${(1_000_000_000 + i).toString(32).padStart(10, '0')}${'y'.repeat(14)}`;

export interface Ddl {
  table: string;
  sql: string;
}

export function runBaselines(dir: string, ddl: readonly Ddl[], tenantId: string, carts: readonly PlannedCart[], afterMs: number): Baselines {
  const cancelled = carts.filter((c) => c.cancelled);
  const key = (c: PlannedCart) => `cart:${tenantId}:${c.token}`;
  const payload = (c: PlannedCart) => JSON.stringify({ cartKey: c.token, step: 0 });

  // 1. Rows: jobs only.
  const rowsDb = open(path.join(dir, 'baseline-rows.db'));
  for (const statement of ddl.filter((s) => s.table === 'jobs')) rowsDb.exec(statement.sql);
  const rowsBefore = fileBytes(rowsDb);
  const insertJob = rowsDb.prepare(
    `insert into jobs (id, kind, tenant_id, job_key, payload, state, run_at, attempts, max_attempts, locked_until, last_error, created_at, updated_at)
     values (?, 'cart.remind', ?, ?, ?, 'pending', ?, 0, 10, null, null, ?, ?)`,
  );
  // With the partial index's own predicate (`state <> 'dead'`), so the delete is an index lookup.
  const deleteJob = rowsDb.prepare(`delete from jobs where job_key = ? and state = 'pending' and state <> 'dead'`);
  const rowsInsert = timed(carts.length, (i) => {
    const c = carts[i]!;
    const now = Date.now();
    insertJob.run(jobId(i), tenantId, key(c), payload(c), c.dueMs, now, now);
  });
  const rowsBytes = btreeBytes(rowsDb, ['jobs']);
  const rowsFile = fileBytes(rowsDb) - rowsBefore;
  const rowsRemove = timed(cancelled.length, (i) => {
    const changes = deleteJob.run(key(cancelled[i]!)).changes;
    if (changes !== 1) throw new Error(`baseline delete removed ${changes} rows`);
  });
  rowsDb.close();

  // 2. Writes: Orderline's write set per call, as raw SQL.
  const db = open(path.join(dir, 'baseline-writes.db'));
  for (const statement of ddl.filter((s) => s.table === 'jobs' || s.table === 'carts')) db.exec(statement.sql);
  const before = fileBytes(db);
  const columns = [
    'tenant_id', 'cart_key', 'id', 'token', 'cart_token', 'customer', 'snapshot', 'cart_time', 'state', 'reminders_sent', 'next_step',
    'last_reminded_at', 'reason', 'recovered_order_id', 'recovered_value', 'recovered_currency', 'recovered_after_step', 'created_at', 'updated_at',
  ];
  const updatable = columns.filter((c) => !['tenant_id', 'cart_key', 'id', 'created_at'].includes(c));
  const upsertCart = db.prepare(
    `insert into carts (${columns.join(', ')}) values (${columns.map((c) => `@${c}`).join(', ')})
     on conflict (tenant_id, cart_key) do update set ${updatable.map((c) => `${c} = @${c}`).join(', ')}`,
  );
  const dropPending = db.prepare(`delete from jobs where job_key = ? and state = 'pending' and state <> 'dead'`);
  const releaseRunning = db.prepare(`update jobs set job_key = null where job_key = ? and state = 'running' and state <> 'dead'`);
  const insertNext = db.prepare(
    `insert into jobs (id, kind, tenant_id, job_key, payload, state, run_at, attempts, max_attempts, locked_until, last_error, created_at, updated_at)
     values (?, 'cart.remind', ?, ?, ?, 'pending', ?, 0, 10, null, null, ?, ?)`,
  );
  const findByToken = db.prepare(`select * from carts where tenant_id = ? and token = ? and state in ('pending', 'reminded')`);
  const cartRow = (c: PlannedCart, state: string, now: number) => ({
    tenant_id: tenantId,
    cart_key: c.token,
    id: cartId(c.index),
    token: c.token,
    cart_token: c.cartToken,
    customer: c.phone.slice(1),
    snapshot: JSON.stringify(cartOf(c, afterMs)),
    cart_time: c.dueMs - afterMs,
    state,
    reminders_sent: 0,
    next_step: 0,
    last_reminded_at: null,
    reason: state === 'pending' ? null : 'order_by_token',
    recovered_order_id: null,
    recovered_value: null,
    recovered_currency: null,
    recovered_after_step: null,
    created_at: now,
    updated_at: now,
  });
  const schedule = db.transaction((c: PlannedCart, row: ReturnType<typeof cartRow>, now: number) => {
    upsertCart.run(row);
    dropPending.run(key(c));
    releaseRunning.run(key(c));
    insertNext.run(jobId(c.index), tenantId, key(c), payload(c), c.dueMs, now, now);
  });
  const cancel = db.transaction((c: PlannedCart, row: ReturnType<typeof cartRow>) => {
    upsertCart.run(row);
    dropPending.run(key(c));
  });
  // The snapshot JSON is built outside the timed loop: the baseline is SQLite's share only.
  const rows = carts.map((c) => cartRow(c, 'pending', Date.now()));
  const writesInsert = timed(carts.length, (i) => schedule(carts[i]!, rows[i]!, Date.now()));
  const writesBytes = btreeBytes(db, ['jobs', 'carts']);
  const writesFile = fileBytes(db) - before;
  const closedRows = cancelled.map((c) => cartRow(c, 'completed', Date.now()));
  const writesRemove = timed(cancelled.length, (i) => {
    const c = cancelled[i]!;
    if (findByToken.get(tenantId, c.token) === undefined) throw new Error('baseline cart not found');
    cancel(c, closedRows[i]!);
  });
  db.close();

  return {
    rows: { insert: rowsInsert, remove: rowsRemove, bytesPerRow: rowsBytes / carts.length, fileBytesPerRow: rowsFile / carts.length },
    writes: { insert: writesInsert, remove: writesRemove, bytesPerRow: writesBytes / carts.length, fileBytesPerRow: writesFile / carts.length },
  };
}
