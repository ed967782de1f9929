/**
 * `orderline serve` (and `npm start`): API and worker in one process on embedded defaults,
 * or one role of a scaled-out deployment.
 */
import { adminTokenOf } from '../app/local-secrets.js';
import { compose } from '../app/compose.js';
import { httpAppFor } from '../app/http-app.js';
import type { Config } from '../config/config.js';
import { buildOpsServer } from '../http/ops-server.js';
import { startMaintenance } from '../worker/maintenance.js';
import { MAIN_THREAD_JOBS, WorkerThread } from '../app/worker-thread.js';
import { SqliteWriteLock } from '../store/sqlite-write-lock.js';

export type Role = 'api' | 'worker' | 'all';

export function banner(config: Config, url: string, token: ReturnType<typeof adminTokenOf>): string[] {
  const lines = [`Orderline listening on ${url}  (public URL: ${config.publicUrl})`, `  API docs: ${url}/docs`];
  if (token.generated) {
    lines.push(
      `  Admin token (generated now, shown once; also saved to ${token.file}):`,
      `    ${token.token}`,
    );
  } else if (token.file !== null) {
    lines.push(`  Admin token: in ${token.file}`);
  } else {
    lines.push('  Admin token: from ADMIN_TOKEN');
  }
  lines.push(
    '  Create a first tenant:',
    '    npx orderline tenants create --name "My Store"',
    // Set in the environment, the token is in the shell's ADMIN_TOKEN; generated, in its file.
    `    or: curl -X POST ${url}/admin/tenants -H "Authorization: Bearer ${token.file === null ? '$ADMIN_TOKEN' : `$(cat ${token.file})`}" \\`,
    `          -H 'content-type: application/json' -d '{"name":"My Store"}'`,
  );
  return lines;
}

/**
 * `--role all` runs the worker on a thread of its own (worker-thread.ts) unless the database
 * lives in this thread's memory, where no second connection could see it.
 */
function workerOnThread(config: Config, role: Role): boolean {
  return role === 'all' && !(config.database.kind === 'sqlite' && config.database.file === ':memory:');
}

/**
 * Planning shares the main thread with the API: it runs with an eighth of the worker's slots
 * (8 of the default 64), so that when brands post faster than messages can go out the brand's
 * requests keep the upper hand, while planning still keeps the sender at the cap. With 16,
 * `npm start` took 4,498 and 4,850 orders a second (p99 28 ms) in the ingestion benchmark,
 * with 8, 5,340 and 5,364 (p99 25 ms); over the cap the sandbox accepted 954 and 953 msgs/s
 * with 16, 960 and 954 with 8 (planning got cheaper since 8 last fell short).
 */
function planningConcurrency(config: Config): number {
  return Math.max(1, Math.floor(config.workerConcurrency / 8));
}

export async function serve(config: Config, role: Role): Promise<void> {
  const threaded = workerOnThread(config, role);
  const writeLock = threaded && config.database.kind === 'sqlite' ? new SqliteWriteLock() : null;
  let thread: WorkerThread | undefined;
  const orderline = await compose(config, {
    ...(threaded
      ? {
          sqlite: writeLock === null ? {} : { writeLock },
          onTenantChanged: (tenantId: string) => thread?.tenantChanged(tenantId),
          jobKinds: MAIN_THREAD_JOBS,
          runner: { concurrency: planningConcurrency(config) },
        }
      : {}),
    // The events it stores are planned by a worker process, which reads them from the database.
    ...(role === 'api' ? { recentEvents: 0 } : {}),
  });
  const stops: (() => Promise<void>)[] = [];

  if (role === 'worker' || role === 'all') {
    // With the worker on its own thread, that thread keeps house (once per process, not twice).
    const maintenance = threaded ? { stop: () => {} } : startMaintenance(orderline);
    orderline.runner.start();
    // Stopping the runner finishes the sends in flight before the database closes.
    stops.push(async () => {
      maintenance.stop();
      await orderline.runner.stop();
    });
  }
  if (role === 'api' || role === 'all') {
    const token = adminTokenOf(config);
    const app = await httpAppFor(orderline, token.token);
    const address = await app.listen({ port: config.port, host: config.host });
    stops.unshift(() => app.close());
    const url = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '[::1]');
    orderline.setInternalUrl(url);
    if (threaded) {
      const started = await WorkerThread.start({ config, sqliteWriteLock: writeLock?.buffer ?? null, internalUrl: url }, (error) => {
        // Crash-only: jobs it held run again after their lease, in the restarted process.
        orderline.logger.fatal({ err: error }, 'the worker thread failed; exiting');
        process.exit(1);
      });
      thread = started;
      orderline.runner.onJobFinished(() => started.nudge());
      orderline.metrics.include(() => started.metrics());
      stops.push(() => started.stop());
    }
    // The banner (and the token, once) goes to the terminal, never through the logger.
    process.stdout.write(banner(config, url, token).join('\n') + '\n');
  } else {
    // The sandbox lives in the API process: a worker of its own reaches it where everyone does.
    orderline.setInternalUrl(config.publicUrl.replace(/\/+$/, ''));
    const ops = await buildOpsServer({ metrics: orderline.metrics, checkReady: () => orderline.checkReady() });
    const address = await ops.listen({ port: config.port, host: config.host });
    stops.unshift(() => ops.close());
    const url = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '[::1]');
    process.stdout.write(
      `Orderline worker running on ${orderline.connection.description}; /healthz, /readyz and /metrics on ${url}; sandbox tenants' messages go to ${config.publicUrl}\n`,
    );
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    orderline.logger.info({ signal }, 'shutting down: finishing in-flight work');
    void (async () => {
      for (const stop of stops) await stop();
      await orderline.close();
      process.exit(0);
    })();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
