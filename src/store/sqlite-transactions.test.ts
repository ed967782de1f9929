import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite, type SqliteHandle } from './sqlite.js';

let dir: string;
let ours: SqliteHandle;
let other: BetterSqlite3.Database;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderline-sqlite-tx-'));
  const file = path.join(dir, 'db.sqlite');
  ours = openSqlite(file);
  await sql`create table counters (name text primary key, n integer not null)`.execute(ours.db);
  await sql`insert into counters values ('a', 0)`.execute(ours.db);
  // Another process on the same file (`--role worker` beside `--role api`), told not to wait.
  other = new BetterSqlite3(file);
  other.pragma('busy_timeout = 0');
});
afterEach(async () => {
  other.close();
  await ours.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('SQLite transactions', () => {
  it('hold the write lock from their start, so another connection cannot slip a commit in between a read and a write', async () => {
    let refused: unknown;
    await ours.db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom('counters' as never).select(sql<number>`n`.as('n')).executeTakeFirstOrThrow();
      try {
        other.prepare(`update counters set n = n + 100 where name = 'a'`).run();
      } catch (error) {
        refused = error;
      }
      // With a deferred BEGIN the other commit lands first and this write fails with SQLITE_BUSY.
      await sql`update counters set n = ${before.n + 1} where name = 'a'`.execute(trx);
    });
    expect((refused as { code?: string } | undefined)?.code).toBe('SQLITE_BUSY');
    expect(other.prepare(`select n from counters where name = 'a'`).pluck().get()).toBe(1);
  });
});
