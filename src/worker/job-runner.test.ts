import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../domain/ports/clock.js';
import { timeOrderedIds } from '../domain/ports/ids.js';
import type { ClaimOptions, ClaimedJob } from '../domain/ports/job-queue.js';
import { DatabaseJobQueue } from '../queue/database-queue.js';
import { connect, migrate, type StoreConnection } from '../store/connect.js';
import { deleteJobs } from '../store/job-rows.js';
import { JobRunner, backoffMs, claimBatch, type JobHandler, type JobResult } from './job-runner.js';

/** Waits (real time) until `condition` holds; fails the test after two seconds. */
async function waitFor(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Handlers that finish only when the test says so, one job (by payload `n`) at a time. */
function gatedHandler(): { handler: JobHandler; started: number[]; release(n: number): void; releaseAll(): void } {
  const gates = new Map<number, () => void>();
  const started: number[] = [];
  return {
    started,
    handler: async (job) => {
      const n = (job.payload as { n: number }).n;
      started.push(n);
      await new Promise<void>((resolve) => gates.set(n, resolve));
      return { kind: 'done' };
    },
    release: (n) => {
      const gate = gates.get(n);
      if (gate === undefined) throw new Error(`job ${n} has not started`);
      gate();
    },
    // So that stop() in a failing test does not wait for the test's timeout.
    releaseAll: () => {
      for (const gate of gates.values()) gate();
    },
  };
}

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
  const enqueueNumbered = (count: number) =>
    queue.enqueue(Array.from({ length: count }, (_, n) => ({ kind: 'test', payload: { n }, runAt: new Date(clock.now().getTime() - 1000 + n) })));
  const rowCount = async (state?: string) => {
    let query = connection.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n'));
    if (state !== undefined) query = query.where('state', '=', state);
    return Number((await query.executeTakeFirstOrThrow()).n);
  };
  /** completeMany that takes `ms` (real time) before writing, to show who waits for it. */
  const slowCompleteMany = (ms: number) => {
    const original = queue.completeMany.bind(queue);
    return vi.spyOn(queue, 'completeMany').mockImplementation(async (ids) => {
      await pause(ms);
      return original(ids);
    });
  };

  it('deletes the jobs finished in one turn with one completeMany', async () => {
    const completeMany = vi.spyOn(queue, 'completeMany');
    const complete = vi.spyOn(queue, 'complete');
    const runner = runnerWith(async () => ({ kind: 'done' }), { concurrency: 10 });
    await enqueueNumbered(10);
    expect(await runner.runOnce()).toBe(10);
    expect(completeMany).toHaveBeenCalledTimes(1);
    expect(completeMany.mock.calls[0]?.[0]).toHaveLength(10);
    expect(complete).not.toHaveBeenCalled();
    expect(await rowCount()).toBe(0);
  });

  it('writes nothing for a job its handler already removed in its own commit, and completes the others', async () => {
    const completeMany = vi.spyOn(queue, 'completeMany');
    // Odd jobs remove themselves (as the planner's commit does); even ones are left to the runner.
    const runner = runnerWith(
      async (job) => {
        if ((job.payload as { n: number }).n % 2 === 0) return { kind: 'done' };
        removedByHandler.push(job.id);
        await deleteJobs(connection.db, [job.id]);
        return { kind: 'done', jobRemoved: true };
      },
      { concurrency: 6 },
    );
    const removedByHandler: string[] = [];
    await enqueueNumbered(6);
    expect(await runner.runOnce()).toBe(6);
    const byRunner = completeMany.mock.calls.flatMap((call) => [...call[0]]);
    expect(byRunner).toHaveLength(3);
    expect(byRunner.filter((id) => removedByHandler.includes(id))).toEqual([]);
    expect(await rowCount()).toBe(0);
  });

  it('postpones the jobs paced in one turn with one postponeMany, and finishes the rest as usual', async () => {
    const postponeMany = vi.spyOn(queue, 'postponeMany');
    const completeMany = vi.spyOn(queue, 'completeMany');
    const runner = runnerWith(
      async (job) => ((job.payload as { n: number }).n < 6 ? { kind: 'postpone', afterMs: 2_000, reason: 'pacing' } : { kind: 'done' }),
      { concurrency: 8 },
    );
    await enqueueNumbered(8);
    expect(await runner.runOnce()).toBe(8);
    expect(postponeMany).toHaveBeenCalledTimes(1);
    expect(postponeMany.mock.calls[0]?.[0].map((p) => p.reason)).toEqual(Array(6).fill('pacing'));
    expect(completeMany).toHaveBeenCalledTimes(1);
    expect(await rowCount('pending')).toBe(6);
    // Back when their time comes, with no attempt spent.
    clock.advance(2_000);
    const again = await queue.claim({ limit: 10, leaseMs: 1_000 });
    expect(again.map((j) => j.attempt)).toEqual(Array(6).fill(1));
  });

  it('resolves runOnce only once the jobs it completed are deleted', async () => {
    const completeMany = slowCompleteMany(30);
    const runner = runnerWith(async (job) => ((job.payload as { n: number }).n % 2 === 0 ? { kind: 'done' } : { kind: 'retry', error: 'odd' }), {
      concurrency: 6,
    });
    await enqueueNumbered(6);
    expect(await runner.runOnce()).toBe(6);
    expect(completeMany).toHaveBeenCalledTimes(1);
    // The three done jobs are gone; the three retried ones wait for their next attempt.
    expect(await rowCount()).toBe(3);
    expect(await rowCount('pending')).toBe(3);
  });

  it('writes the pending completions before stop() returns', async () => {
    const completeMany = slowCompleteMany(30);
    const gated = gatedHandler();
    const runner = runnerWith(gated.handler, { concurrency: 4, idlePollMs: 5 });
    await enqueueNumbered(4);
    runner.start();
    await waitFor(() => gated.started.length === 4, 'four jobs to start');
    const stopping = runner.stop();
    for (const n of [0, 1, 2, 3]) gated.release(n);
    await stopping;
    expect(completeMany).toHaveBeenCalledTimes(1);
    expect(await rowCount()).toBe(0);
  });

  it('logs a failed completeMany and runs those jobs again once their lease runs out', async () => {
    const lines: string[] = [];
    const capturing = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
    const original = queue.completeMany.bind(queue);
    vi.spyOn(queue, 'completeMany')
      .mockRejectedValueOnce(new Error('disk I/O error'))
      .mockImplementation((ids) => original(ids));
    let runs = 0;
    const runner = new JobRunner(
      queue,
      new Map<string, JobHandler>([
        [
          'test',
          async () => {
            runs += 1;
            return { kind: 'done' };
          },
        ],
      ]),
      clock,
      capturing,
      { leaseMs: 30_000 },
    );
    await enqueueNumbered(2);
    expect(await runner.runOnce()).toBe(2);
    expect(lines).toHaveLength(1);
    const logged = JSON.parse(lines[0] ?? '{}') as { msg: string; jobs: string[]; err: { message: string } };
    expect(logged.msg).toMatch(/recording finished jobs failed/);
    expect(logged.jobs).toHaveLength(2);
    expect(logged.err.message).toBe('disk I/O error');
    expect(await rowCount('running')).toBe(2);

    clock.advance(30_000);
    expect(await runner.runOnce()).toBe(2);
    expect(runs).toBe(4);
    expect(await rowCount()).toBe(0);
  });

  it('claims in batches: not when one slot frees while many jobs are in flight', async () => {
    const claims = vi.spyOn(queue, 'claim');
    const limits = () => claims.mock.calls.map(([options]) => options.limit);
    const gated = gatedHandler();
    // Eight slots claim again once two are free.
    expect(claimBatch(8)).toBe(2);
    const runner = runnerWith(gated.handler, { concurrency: 8, idlePollMs: 5 });
    await enqueueNumbered(20);
    runner.start();
    try {
      await waitFor(() => gated.started.length === 8, 'the first eight jobs');
      const claimsBefore = claims.mock.calls.length;

      gated.release(0);
      await waitFor(async () => (await rowCount()) === 19, 'job 0 to be deleted');
      await pause(40); // several idle polls
      expect(claims.mock.calls.length).toBe(claimsBefore);
      expect(gated.started).toHaveLength(8);

      gated.release(1);
      await waitFor(() => gated.started.length === 10, 'two more jobs');
      expect(limits().at(-1)).toBe(2);

      for (let n = 2; n < 20; n++) {
        await waitFor(() => gated.started.includes(n), `job ${n} to start`);
        gated.release(n);
      }
      await waitFor(async () => (await rowCount()) === 0, 'every job to be done');
      expect(limits().every((limit) => limit >= 2)).toBe(true);
    } finally {
      gated.releaseAll();
      await runner.stop();
    }
  });

  it('claims a lone job at once even when fewer than a batch of slots would be free', async () => {
    const gated = gatedHandler();
    const runner = runnerWith(gated.handler, { concurrency: 4, idlePollMs: 10_000 });
    runner.start();
    try {
      await enqueueNumbered(1);
      runner.nudge();
      await waitFor(() => gated.started.length === 1, 'the job to start');
      gated.release(0);
      await waitFor(async () => (await rowCount()) === 0, 'the job to be done');
    } finally {
      gated.releaseAll();
      await runner.stop();
    }
  });

  it('looks for abandoned leases at most once per leaseCheckMs of its clock while polling', async () => {
    const claims = vi.spyOn(queue, 'claim');
    const abandonedFlags = () => claims.mock.calls.map(([options]: [ClaimOptions]) => options.includeAbandoned);
    const ran: number[] = [];
    const runner = runnerWith(
      async (job) => {
        ran.push((job.payload as { n: number }).n);
        return { kind: 'done' };
      },
      { leaseCheckMs: 1000, leaseMs: 30_000, idlePollMs: 10_000 },
    );
    // A dead worker's job: claimed, never finished, its lease run out.
    await queue.enqueue([{ kind: 'test', payload: { n: 0 }, runAt: clock.now() }]);
    await queue.claim({ limit: 1, leaseMs: 30_000 });
    claims.mockClear();
    clock.advance(30_000);

    runner.start();
    try {
      await waitFor(() => ran.length === 1, 'the abandoned job to be taken over');
      expect(abandonedFlags()[0]).toBe(true);

      await queue.enqueue([{ kind: 'test', payload: { n: 1 }, runAt: clock.now() }]);
      runner.nudge();
      await waitFor(() => ran.length === 2, 'the new job');
      runner.nudge();
      await waitFor(() => claims.mock.calls.length >= 3, 'a third claim');
      // Jobs finishing and nudges claim again, but the clock has not moved: no lease check.
      expect(abandonedFlags().slice(1).every((flag) => flag === false)).toBe(true);

      clock.advance(1000);
      const before = claims.mock.calls.length;
      runner.nudge();
      await waitFor(() => claims.mock.calls.length > before, 'a claim after leaseCheckMs');
      expect(abandonedFlags()[before]).toBe(true);
    } finally {
      await runner.stop();
    }
  });

  it('looks for abandoned leases on every runOnce', async () => {
    const claims = vi.spyOn(queue, 'claim');
    const runner = runnerWith(async () => ({ kind: 'done' }));
    await runner.runOnce();
    await runner.runOnce();
    expect(claims.mock.calls.map(([options]) => options.includeAbandoned)).toEqual([true, true]);
  });

  it('claims again once a quarter of the slots is free', () => {
    expect([1, 3, 4, 8, 32, 1000].map(claimBatch)).toEqual([1, 1, 1, 2, 8, 250]);
  });
});
