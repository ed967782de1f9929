import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUTOCHECKPOINT_PAGES, CheckpointError, SqliteCheckpointer } from './sqlite-checkpointer.js';
import { openSqlite } from './sqlite.js';

const HOUR_MS = 3_600_000;
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderline-checkpoint-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** About 8 MB of rows: twice SQLite's default auto-checkpoint limit of 1,000 pages. */
function fill(db: BetterSqlite3.Database): void {
  db.exec('create table if not exists filler (body text)');
  const insert = db.prepare('insert into filler values (?)');
  db.transaction(() => {
    for (let i = 0; i < 4000; i++) insert.run('x'.repeat(2000));
  })();
}

const sizeOf = (file: string) => fs.statSync(file).size;

describe('SQLite checkpoints off the writer', () => {
  it('leaves the WAL to the checkpointer: the writer does not copy it back at 1,000 pages', async () => {
    const file = path.join(dir, 'db.sqlite');
    const sqlite = openSqlite(file);
    try {
      expect(sqlite.raw.pragma('wal_autocheckpoint', { simple: true })).toBe(AUTOCHECKPOINT_PAGES);
      const before = sizeOf(file);
      // Small commits, as ingestion makes them: the default limit would checkpoint inside one.
      for (let i = 0; i < 8; i++) {
        sqlite.raw.exec('create table if not exists filler (body text)');
        const insert = sqlite.raw.prepare('insert into filler values (?)');
        for (let j = 0; j < 250; j++) insert.run('y'.repeat(2000));
      }
      // 2,000 rows of 2 KB are far past 1,000 pages, and the file has not grown from them
      // unless the background thread has copied them (its timer may have run meanwhile).
      const result = await sqlite.checkpointer!.checkpoint();
      expect(result.checkpointed).toBe(result.log);
      expect(sizeOf(file)).toBeGreaterThan(before + 4_000_000);
    } finally {
      await sqlite.close();
    }
  });

  it('copies the whole WAL into the database file when asked, and not before', async () => {
    const file = path.join(dir, 'db.sqlite');
    const writer = new BetterSqlite3(file);
    writer.pragma('journal_mode = WAL');
    writer.pragma('wal_autocheckpoint = 0');
    const checkpointer = new SqliteCheckpointer(file, (error) => expect.fail(error.message), HOUR_MS);
    try {
      fill(writer);
      expect(sizeOf(file)).toBeLessThan(1_000_000);
      const result = await checkpointer.checkpoint();
      expect(result.log).toBeGreaterThan(1000);
      expect(result.checkpointed).toBe(result.log);
      expect(sizeOf(file)).toBeGreaterThan(8_000_000);
    } finally {
      await checkpointer.stop();
      writer.close();
    }
  });

  it('checkpoints on its own timer while the writer keeps writing', async () => {
    const file = path.join(dir, 'db.sqlite');
    const writer = new BetterSqlite3(file);
    writer.pragma('journal_mode = WAL');
    writer.pragma('wal_autocheckpoint = 0');
    const checkpointer = new SqliteCheckpointer(file, (error) => expect.fail(error.message), 10);
    try {
      fill(writer);
      const deadline = Date.now() + 10_000;
      while (sizeOf(file) < 8_000_000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(sizeOf(file)).toBeGreaterThan(8_000_000);
    } finally {
      await checkpointer.stop();
      writer.close();
    }
  });

  it('reports a checkpointer that cannot open the database, rather than failing silently', async () => {
    let checkpointer: SqliteCheckpointer | undefined;
    const reported = new Promise<Error>((resolve) => {
      checkpointer = new SqliteCheckpointer(path.join(dir, 'missing.sqlite'), resolve);
    });
    const error = await reported;
    expect(error).toBeInstanceOf(CheckpointError);
    expect(error.message).toMatch(/checkpointer stopped/);
    await checkpointer?.stop();
    await expect(checkpointer!.checkpoint()).rejects.toThrow(CheckpointError);
  });

  it('stops its thread on close, so the writer closes last and removes the WAL', async () => {
    const file = path.join(dir, 'db.sqlite');
    const sqlite = openSqlite(file);
    await sqlite.db.selectNoFrom((eb) => eb.val(1).as('one')).execute();
    sqlite.raw.exec('create table t (a text); insert into t values (1)');
    expect(fs.existsSync(`${file}-wal`)).toBe(true);
    await sqlite.close();
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    await expect(sqlite.checkpointer!.checkpoint()).rejects.toThrow(CheckpointError);
  });
});
