import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite, type SqliteHandle } from './sqlite.js';
import { SqliteWriteLock } from './sqlite-write-lock.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SqliteWriteLock', () => {
  it('lets one holder in at a time, and the waiters in the order they asked', async () => {
    const first = new SqliteWriteLock();
    // Three views of one lock, as three threads would have (same shared memory).
    const second = new SqliteWriteLock(first.buffer);
    const third = new SqliteWriteLock(first.buffer);
    const order: string[] = [];
    first.acquire();
    const b = second.acquireAsync().then(() => order.push('second'));
    const c = third.acquireAsync().then(() => order.push('third'));
    await turn();
    expect(order).toEqual([]);
    first.release();
    await b;
    await turn();
    // The second holds it: the third still waits.
    expect(order).toEqual(['second']);
    second.release();
    await c;
    expect(order).toEqual(['second', 'third']);
    third.release();
    // Free again: taken at once.
    await first.acquireAsync();
    first.release();
  });

  it('is shared with another thread through its buffer: that thread blocks until this one releases', async () => {
    const lock = new SqliteWriteLock();
    lock.acquire();
    // A plain-JS worker (the lock's algorithm on the same buffer) that reports when it got the lock.
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const cells = new Int32Array(workerData);
       const ticket = Atomics.add(cells, 0, 1);
       parentPort.postMessage('waiting');
       for (;;) { const serving = Atomics.load(cells, 1); if (serving === ticket) break; Atomics.wait(cells, 1, serving); }
       parentPort.postMessage('acquired');
       Atomics.add(cells, 1, 1); Atomics.notify(cells, 1);`,
      { eval: true, workerData: lock.buffer },
    );
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    const messages: string[] = [];
    const acquired = new Promise<void>((resolve) =>
      worker.on('message', (m: string) => {
        messages.push(m);
        if (m === 'acquired') resolve();
      }),
    );
    await new Promise<void>((resolve) => worker.once('message', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(messages).toEqual(['waiting']);
    lock.release();
    await acquired;
    // Not terminated: it must run to its release. It releases in turn, so this thread gets the lock back at once.
    expect(await exited).toBe(0);
    await lock.acquireAsync();
    lock.release();
  });
});

describe('SQLite connections sharing a write lock', () => {
  let dir = '';
  const handles: SqliteHandle[] = [];
  /** Two connections to one new file sharing one write lock, as the two threads of `serve` have. */
  const twoConnections = (): [SqliteHandle, SqliteHandle] => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderline-write-lock-'));
    const file = path.join(dir, 'db.sqlite');
    const writeLock = new SqliteWriteLock();
    const a = openSqlite(file, () => {}, { writeLock });
    const b = openSqlite(file, () => {}, { writeLock, checkpoints: false });
    handles.push(b, a);
    return [a, b];
  };
  afterEach(async () => {
    for (const handle of handles.splice(0)) await handle.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a write on one waits for the other\'s transaction to commit instead of failing or sleeping in SQLite', async () => {
    const [a, b] = twoConnections();
    // Without the lock, b's insert would meet SQLite's busy handler on this same thread and
    // fail after busy_timeout: nothing here could commit a in the meantime.
    b.raw.pragma('busy_timeout = 0');
    await sql`create table log (n integer not null)`.execute(a.db);

    let finish: () => void = () => {};
    const gate = new Promise<void>((resolve) => (finish = resolve));
    const order: string[] = [];
    const transaction = a.db.transaction().execute(async (trx) => {
      await sql`insert into log values (1)`.execute(trx);
      await gate;
      await sql`insert into log values (2)`.execute(trx);
      order.push('a committed');
    });
    await turn();
    const write = sql`insert into log values (3)`.execute(b.db).then(() => order.push('b wrote'));
    // Reads never wait (WAL): b's file sees what was committed before a began, nothing.
    expect(b.raw.prepare('select count(*) from log').pluck().get()).toBe(0);
    await turn();
    expect(order).toEqual([]);
    finish();
    await Promise.all([transaction, write]);
    expect(order).toEqual(['a committed', 'b wrote']);
    const rows = await sql<{ n: number }>`select n from log order by rowid`.execute(b.db);
    expect(rows.rows.map((r) => r.n)).toEqual([1, 2, 3]);
  });

  it('a failed transaction gives the lock back', async () => {
    const [a, b] = twoConnections();
    await sql`create table log (n integer not null check (n > 0))`.execute(a.db);
    await expect(
      a.db.transaction().execute(async (trx) => {
        await sql`insert into log values (1)`.execute(trx);
        await sql`insert into log values (-1)`.execute(trx);
      }),
    ).rejects.toThrow(/CHECK constraint/);
    // A failed single write too.
    await expect(sql`insert into log values (0)`.execute(a.db)).rejects.toThrow(/CHECK constraint/);
    await sql`insert into log values (5)`.execute(b.db);
    const rows = await sql<{ n: number }>`select n from log`.execute(b.db);
    expect(rows.rows.map((r) => r.n)).toEqual([5]);
  });
});
