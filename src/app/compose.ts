/**
 * The composition root: picks the concrete adapters for a configuration (SQLite or
 * PostgreSQL; the in-database queue) and wires them into the use cases. Nothing else
 * constructs adapters.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { systemClock, type Clock } from '../domain/ports/clock.js';
import { timeOrderedIds, type IdGenerator } from '../domain/ports/ids.js';
import type { EventStore } from '../domain/ports/event-store.js';
import type { JobQueue } from '../domain/ports/job-queue.js';
import { Metrics } from '../http/metrics.js';
import { DatabaseJobQueue } from '../queue/database-queue.js';
import { createSecretBox } from '../shared/secret-box.js';
import { TokenBuckets } from '../shared/token-bucket.js';
import { connect, migrate, ping, type StoreConnection } from '../store/connect.js';
import { SqlEventStore } from '../store/event-repository.js';
import { SqlTenantStore } from '../store/tenant-repository.js';
import { GuestAuthenticator } from '../use-cases/authenticate-guest.js';
import { EventIngestion } from '../use-cases/ingest-event.js';
import { TenantService } from '../use-cases/manage-tenants.js';
import { createLogger } from './logger.js';
import { sealingSecretOf } from './local-secrets.js';

export interface ComposeOptions {
  clock?: Clock;
  ids?: IdGenerator;
  logger?: Logger;
  /** Run migrations on start (the default); `orderline migrate` runs them on its own. */
  migrate?: boolean;
  /** Process-wide default metrics (event loop, memory); tests turn them off. */
  defaultMetrics?: boolean;
}

export interface Orderline {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly connection: StoreConnection;
  readonly tenants: TenantService;
  readonly events: EventStore;
  readonly queue: JobQueue;
  readonly ingestion: EventIngestion;
  readonly guestAuth: GuestAuthenticator;
  readonly limiter: TokenBuckets;
  readonly metrics: Metrics;
  checkReady(): Promise<void>;
  close(): Promise<void>;
}

export async function compose(config: Config, options: ComposeOptions = {}): Promise<Orderline> {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? timeOrderedIds(() => clock.now().getTime());
  const logger = options.logger ?? createLogger(config.logLevel);
  const connection = connect(config.database, (error) =>
    logger.warn({ err: error }, 'an idle database connection failed; it will be replaced'),
  );
  try {
    if (options.migrate ?? true) await migrate(connection.db);
  } catch (error) {
    await connection.close();
    throw error;
  }
  const secretBox = createSecretBox(sealingSecretOf(config));
  const tenantStore = new SqlTenantStore(connection.db);
  const guestAuth = new GuestAuthenticator(tenantStore, clock);
  const tenants = new TenantService(tenantStore, secretBox, clock, ids, (tenantId) => guestAuth.forget(tenantId));
  const events = new SqlEventStore(connection.db, ids, connection.capabilities);
  const queue = new DatabaseJobQueue(connection.db, connection.capabilities, clock, ids);
  return {
    config,
    logger,
    clock,
    connection,
    tenants,
    events,
    queue,
    ingestion: new EventIngestion(events, clock, ids),
    guestAuth,
    limiter: new TokenBuckets(clock),
    metrics: new Metrics({ defaultMetrics: options.defaultMetrics ?? true }),
    checkReady: async () => {
      await ping(connection.db);
      await queue.depth();
    },
    close: () => connection.close(),
  };
}
