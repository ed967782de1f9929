import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { WorkerThread, WorkerThreadError, type WorkerThreadData } from './worker-thread.js';

// Stand-in threads speaking worker-thread-main's messages, so the main side is tested alone
// (the real thread runs in every end-to-end test, which start `orderline serve`).
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderline-worker-thread-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function standIn(name: string, body: string): URL {
  const file = path.join(dir, `${name}.mjs`);
  fs.writeFileSync(file, `import { parentPort, workerData } from 'node:worker_threads';\n${body}\n`);
  return pathToFileURL(file);
}

const data: WorkerThreadData = { config: loadConfig({}, dir), sqliteWriteLock: null, internalUrl: 'http://127.0.0.1:1' };

const FAITHFUL = standIn(
  'faithful',
  `const seen = [];
   parentPort.on('message', (m) => {
     seen.push(m.type === 'tenant-changed' ? 'tenant-changed:' + m.tenantId : m.type);
     if (m.type === 'metrics') {
       parentPort.postMessage({ type: 'metrics', id: m.id, metrics: [{ name: 'seen', help: seen.join(','), type: 'gauge', values: [], aggregator: 'sum' }] });
     }
     if (m.type === 'stop') parentPort.postMessage({ type: 'stopped' });
   });
   parentPort.postMessage({ type: 'ready', internalUrl: workerData.internalUrl });`,
);

describe('WorkerThread (the main side of the worker thread)', () => {
  it('nudges once per turn however often it is told, passes tenant changes, scrapes metrics, and stops', async () => {
    const failures: Error[] = [];
    const thread = await WorkerThread.start(data, (error) => failures.push(error), FAITHFUL);
    thread.nudge();
    thread.nudge();
    thread.nudge();
    await new Promise((resolve) => setImmediate(resolve));
    thread.tenantChanged('tnt_1');
    const metrics = await thread.metrics();
    expect(metrics[0]?.help).toBe('nudge,tenant-changed:tnt_1,metrics');
    await thread.stop();
    expect(failures).toEqual([]);
    // After it has ended: no scrape hangs, nothing is sent.
    expect(await thread.metrics()).toEqual([]);
    thread.nudge();
    await thread.stop();
  });

  it('reports a thread that fails after starting (the service then exits: crash-only)', async () => {
    const failed = new Promise<Error>((resolve) => {
      void WorkerThread.start(data, resolve, standIn('fails-later', `parentPort.postMessage({ type: 'ready' }); setTimeout(() => { throw new Error('boom'); }, 20);`));
    });
    const error = await failed;
    expect(error).toBeInstanceOf(WorkerThreadError);
    expect(error.message).toBe('the worker thread failed: boom');
  });

  it('reports a thread that exits without being asked to stop', async () => {
    const error = await new Promise<Error>((resolve) => {
      void WorkerThread.start(data, resolve, standIn('exits', `parentPort.postMessage({ type: 'ready' }); setTimeout(() => process.exit(3), 20);`));
    });
    expect(error.message).toMatch(/exited \(code 3\) without being stopped/);
  });

  it('refuses to start when the thread fails before it is ready', async () => {
    await expect(WorkerThread.start(data, () => {}, standIn('fails-early', `throw new Error('no database');`))).rejects.toThrow(
      /the worker thread did not start: no database/,
    );
  });
});

describe('the split of job kinds between the two threads', () => {
  it('gives every kind the worker knows to exactly one thread', async () => {
    const { jobHandlers } = await import('../worker/job-handlers.js');
    const { MAIN_THREAD_JOBS, WORKER_THREAD_JOBS } = await import('./worker-thread.js');
    // Only the kinds (the map's keys) are read; no handler runs.
    const kinds = [...jobHandlers({} as Parameters<typeof jobHandlers>[0]).keys()].sort();
    expect([...MAIN_THREAD_JOBS, ...WORKER_THREAD_JOBS].sort()).toEqual(kinds);
    expect(MAIN_THREAD_JOBS.filter((kind) => WORKER_THREAD_JOBS.includes(kind))).toEqual([]);
  });
});
