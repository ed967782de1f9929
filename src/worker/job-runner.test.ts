import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../domain/ports/clock.js';
import { timeOrderedIds } from '../domain/ports/ids.js';
import type { ClaimedJob } from '../domain/ports/job-queue.js';
import { DatabaseJobQueue } from '../queue/database-queue.js';
import { connect, migrate, type StoreConnection } from '../store/connect.js';
import { JobRunner, backoffMs, type JobHandler, type JobResult } from './job-runner.js';

describe('JobRunner', () => {
  let dir: string;
  let connection: StoreConnection;
  let queue: DatabaseJobQueue;
  const clock = new ManualClock('2026-03-01T00:00:00Z');
  const logger = pino({ level: 'silent' });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-'));
    connection = connect({ kind: 'sqlite', file: path.join(dir, 'db.sqlite') });
    await migrate(connection.db);
    queue = new DatabaseJobQueue(connection.db, connection.capabilities, clock, timeOrderedIds(() => clock.now().getTime()));
  });
  afterEach(async () => {
    await connection.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const runnerWith = (handler: JobHandler, options = {}) =>
    new JobRunner(queue, new Map([['test', handler]]), clock, logger, { random: () => 0.5, backoffBaseMs: 1000, ...options });

  it('runs due jobs and removes them when done', async () => {
    const seen: unknown[] = [];
    const runner = runnerWith(async (job) => {
      seen.push(job.payload);
      return { kind: 'done' };
    });
    await queue.enqueue([{ kind: 'test', payload: { n: 1 }, runAt: clock.now() }, { kind: 'test', payload: { n: 2 }, runAt: new Date(clock.now().getTime() + 5000) }]);
    expect(await runner.runOnce()).toBe(1);
    expect(seen).toEqual([{ n: 1 }]);
    clock.advance(5000);
    expect(await runner.runOnce()).toBe(1);
    expect(await queue.depth()).toBe(0);
  });

  it('retries a throwing handler with exponential backoff and dead-letters after the last attempt', async () => {
    const attempts: number[] = [];
    const runner = runnerWith(async (job: ClaimedJob) => {
      attempts.push(job.attempt);
      throw new Error('boom');
    });
    await queue.enqueue([{ kind: 'test', payload: {}, runAt: clock.now(), key: 'k1', maxAttempts: 3 }]);
    await runner.runOnce();
    const first = await queue.findByKey('k1');
    expect(first!.runAt.getTime() - clock.now().getTime()).toBe(backoffMs(1, { backoffBaseMs: 1000, backoffMaxMs: 1e9, random: () => 0.5 }));
    expect(first?.lastError).toBe('boom');
    for (let i = 0; i < 5; i++) {
      clock.advance(60_000);
      await runner.runOnce();
    }
    expect(attempts).toEqual([1, 2, 3]);
    expect(await queue.depth()).toBe(0);
    const dead = await connection.db.selectFrom('jobs').select(['state', 'last_error']).where('job_key', '=', 'k1').executeTakeFirst();
    expect(dead).toEqual({ state: 'dead', last_error: 'boom' });
  });

  it('postpones without spending attempts', async () => {
    const attempts: number[] = [];
    let results: JobResult[] = [{ kind: 'postpone', afterMs: 1000, reason: 'wait' }, { kind: 'postpone', afterMs: 1000, reason: 'wait' }, { kind: 'done' }];
    const runner = runnerWith(async (job) => {
      attempts.push(job.attempt);
      const [next, ...rest] = results;
      results = rest;
      return next!;
    });
    await queue.enqueue([{ kind: 'test', payload: {}, runAt: clock.now(), maxAttempts: 1 }]);
    for (let i = 0; i < 3; i++) {
      await runner.runOnce();
      clock.advance(1000);
    }
    expect(attempts).toEqual([1, 1, 1]);
    expect(await queue.depth()).toBe(0);
  });

  it('grows the backoff exponentially with jitter, within its cap', () => {
    const options = { backoffBaseMs: 1000, backoffMaxMs: 10_000 };
    expect(backoffMs(1, { ...options, random: () => 0 })).toBe(500);
    expect(backoffMs(1, { ...options, random: () => 1 })).toBe(1000);
    expect(backoffMs(3, { ...options, random: () => 1 })).toBe(4000);
    expect(backoffMs(10, { ...options, random: () => 1 })).toBe(10_000);
  });

  it('finishes in-flight jobs on stop before returning', async () => {
    let release: () => void = () => {};
    const finished: string[] = [];
    const runner = runnerWith(
      async () => {
        await new Promise<void>((r) => (release = r));
        finished.push('job');
        return { kind: 'done' };
      },
      { idlePollMs: 5 },
    );
    await queue.enqueue([{ kind: 'test', payload: {}, runAt: clock.now() }]);
    runner.start();
    for (let i = 0; i < 200 && finished.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 5));
      if ((await connection.db.selectFrom('jobs').select('state').executeTakeFirst())?.state === 'running') break;
    }
    const stopping = runner.stop();
    release();
    await stopping;
    expect(finished).toEqual(['job']);
    expect(await queue.depth()).toBe(0);
  });
});
