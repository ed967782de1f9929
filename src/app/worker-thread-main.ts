/**
 * Entry of the worker thread (worker-thread.ts): composes the service on its own database
 * connection, runs the job runner and housekeeping, and answers the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteWriteLock } from '../store/sqlite-write-lock.js';
import { startMaintenance } from '../worker/maintenance.js';
import { compose } from './compose.js';
import { createLogger } from './logger.js';
import { WORKER_THREAD_JOBS, type FromWorker, type ToWorker, type WorkerThreadData } from './worker-thread.js';

const port = parentPort;
if (port === null) throw new Error('worker-thread-main runs as a worker thread only');
const data = workerData as WorkerThreadData;

const orderline = await compose(data.config, {
  // Its lines say which thread wrote them.
  logger: createLogger(data.config.logLevel).child({ thread: 'worker' }),
  // The main thread migrated before it started this thread.
  migrate: false,
  // Process-wide metrics (memory, event loop) come from the main thread once.
  defaultMetrics: false,
  // The main thread's connection checkpoints the file.
  sqlite: data.sqliteWriteLock === null ? {} : { writeLock: new SqliteWriteLock(data.sqliteWriteLock), checkpoints: false },
  jobKinds: WORKER_THREAD_JOBS,
});
orderline.setInternalUrl(data.internalUrl);
const maintenance = startMaintenance(orderline);
orderline.runner.start();

const reply = (message: FromWorker) => port.postMessage(message);

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'nudge':
      orderline.runner.nudge();
      return;
    case 'tenant-changed':
      orderline.forgetTenant(message.tenantId);
      return;
    case 'metrics':
      void orderline.metrics.registry.getMetricsAsJSON().then((metrics) => reply({ type: 'metrics', id: message.id, metrics }));
      return;
    case 'stop':
      void (async () => {
        maintenance.stop();
        await orderline.close();
        reply({ type: 'stopped' });
        port.close();
      })();
      return;
  }
});

reply({ type: 'ready' });
