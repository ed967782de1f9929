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
import { connect, migrate, ping, type StoreConnection } from '../store/connect.js';
import type { SqliteOptions } from '../store/sqlite.js';
import { SqlEventStore } from '../store/event-repository.js';
import { SqlTenantStore } from '../store/tenant-repository.js';
import { GuestAuthenticator } from '../use-cases/authenticate-guest.js';
import { EventIngestion, PROCESS_EVENT_JOB } from '../use-cases/ingest-event.js';
import { GuestRateLimit } from '../use-cases/guest-rate-limit.js';
import { TenantService } from '../use-cases/manage-tenants.js';
import { BrandApiFactory } from '../brand/brand-api-factory.js';
import type { BrandApi } from '../domain/ports/brand-api.js';
import type { StoredTenant } from '../domain/ports/tenant-store.js';
import { botText } from '../domain/bot/bot-texts.js';
import { SqlConversationStore } from '../store/conversation-repository.js';
import { OrderAssistant } from '../use-cases/assistant/order-assistant.js';
import { ConversationOperations } from '../use-cases/operate-conversations.js';
import { InMemorySendSlots, Pacer } from '../shared/pacer.js';
import { SendWindow } from '../shared/send-window.js';
import { SqlAlertStore } from '../store/alert-repository.js';
import { SqlCustomerStore } from '../store/customer-repository.js';
import { SqlLinkStore } from '../store/link-repository.js';
import { SqlMessageStore } from '../store/message-repository.js';
import { SqlSendSlots } from '../store/send-slot-repository.js';
import { MessageOperations } from '../use-cases/operate-messages.js';
import { CartRecovery } from '../use-cases/recover-carts.js';
import { SqlCartStore } from '../store/cart-repository.js';
import type { CartStore } from '../domain/ports/cart-store.js';
import { NotificationPlanner } from '../use-cases/plan-notifications.js';
import { PlanningHorizon } from '../use-cases/planning-horizon.js';
import { AccountWebhookProcessor } from '../use-cases/process-account-webhook.js';
import { WebhookProcessor } from '../use-cases/process-webhook.js';
import { WebhookReceiver } from '../use-cases/receive-webhook.js';
import { MessageDispatcher, resumeSending, unacceptedSendNote } from '../use-cases/send-message.js';
import { CloudApiSender } from '../whatsapp/cloud-api-sender.js';
import { accountNotices } from '../whatsapp/account-webhook-payload.js';
import { webhookNotices, webhookSubjects } from '../whatsapp/webhook-payload.js';
import { jobHandlers } from '../worker/job-handlers.js';
import { JobRunner, type RunnerOptions } from '../worker/job-runner.js';
import type { LinkStore } from '../domain/ports/link-store.js';
import type { MessageStore } from '../domain/ports/message-store.js';
import type { CustomerStore } from '../domain/ports/customer-store.js';
import type { AlertStore } from '../domain/ports/alert-store.js';
import type { MessageSender } from '../domain/ports/message-sender.js';
import { createLogger } from './logger.js';
import { sealingSecretOf } from './local-secrets.js';
import { RecentTenants } from './recent-tenants.js';
import { WhatsAppAccounts } from './whatsapp-accounts.js';

export interface ComposeOptions {
  clock?: Clock;
  ids?: IdGenerator;
  logger?: Logger;
  /** Run migrations on start (the default); `orderline migrate` runs them on its own. */
  migrate?: boolean;
  /** Process-wide default metrics (event loop, memory); tests turn them off. */
  defaultMetrics?: boolean;
  /** Replaces the Cloud API client (tests that fake Meta's answers). */
  sender?: MessageSender;
  runner?: Partial<RunnerOptions>;
  /** The job kinds this instance's runner takes (all by default); another thread runs the rest. */
  jobKinds?: readonly string[];
  /** How long a send whose answer was lost waits for a status webhook before it is sent again. */
  inDoubtWaitMs?: number;
  /** Replaces the brand API clients (tests that script a brand's answers). */
  brandApi?: (tenantId: string) => BrandApi | null;
  /** Sleeps for pacing; tests with a manual clock pass one that advances it. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * How many just-stored events to keep in memory for the jobs that plan them (1,024 by
   * default); 0 where this process stores events that another plans (`serve --role api`).
   */
  recentEvents?: number;
  /** SQLite connection options (the write lock shared with a worker thread). */
  sqlite?: SqliteOptions;
  /**
   * Told when an accepted event queued work; by default this process's runner starts at
   * once. A worker thread is told instead when it runs the jobs.
   */
  onQueued?: () => void;
  /** Told when a tenant's settings or keys changed here (another thread's caches forget it). */
  onTenantChanged?: (tenantId: string) => void;
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
  readonly guestRateLimit: GuestRateLimit;
  readonly metrics: Metrics;
  readonly messages: MessageStore;
  readonly customers: CustomerStore;
  readonly links: LinkStore;
  readonly alerts: AlertStore;
  readonly accounts: WhatsAppAccounts;
  readonly planner: NotificationPlanner;
  readonly carts: CartStore;
  readonly cartRecovery: CartRecovery;
  readonly dispatcher: MessageDispatcher;
  readonly webhookReceiver: WebhookReceiver;
  readonly webhookProcessor: WebhookProcessor;
  readonly messageOps: MessageOperations;
  readonly conversationOps: ConversationOperations;
  readonly brands: BrandApiFactory;
  readonly runner: JobRunner;
  readonly subjectsOf: typeof webhookSubjects;
  /** Drops what this instance caches about a tenant (changed elsewhere: another thread). */
  forgetTenant(tenantId: string): void;
  /** Where this service can reach itself (set once it listens); the built-in sandbox uses it. */
  setInternalUrl(url: string): void;
  checkReady(): Promise<void>;
  close(): Promise<void>;
}

function onlyKinds<H>(handlers: Map<string, H>, kinds: readonly string[] | undefined): Map<string, H> {
  if (kinds === undefined) return handlers;
  return new Map([...handlers].filter(([kind]) => kinds.includes(kind)));
}

export async function compose(config: Config, options: ComposeOptions = {}): Promise<Orderline> {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? timeOrderedIds(() => clock.now().getTime());
  const logger = options.logger ?? createLogger(config.logLevel);
  const connection = connect(
    config.database,
    (error) => logger.warn({ err: error }, 'a background database task failed (an idle connection is replaced; a missed WAL checkpoint is retried)'),
    options.sqlite,
  );
  try {
    if (options.migrate ?? true) await migrate(connection.db);
  } catch (error) {
    await connection.close();
    throw error;
  }
  const sealingSecret = sealingSecretOf(config);
  const secretBox = createSecretBox(sealingSecret);
  const tenantStore = new SqlTenantStore(connection.db);
  const guestAuth = new GuestAuthenticator(tenantStore, clock);
  let internalUrl = `http://${config.host}:${config.port}`;
  const recentTenants = new RecentTenants(tenantStore, () => clock.now().getTime());
  const accounts = new WhatsAppAccounts(recentTenants, secretBox, {
    graphUrl: config.whatsapp.graphUrl,
    appSecret: config.whatsapp.appSecret,
    sandboxKey: sealingSecret,
    internalUrl: () => internalUrl,
    now: () => clock.now().getTime(),
  });
  const alerts = new SqlAlertStore(connection.db);
  const brands = new BrandApiFactory({ logger, now: () => clock.now().getTime() });
  const forgetTenant = (tenantId: string) => {
    guestAuth.forget(tenantId);
    recentTenants.forget(tenantId);
    brands.forget(tenantId);
    accounts.forget();
  };
  const queue = new DatabaseJobQueue(connection.db, connection.capabilities, clock, ids);
  const tenants = new TenantService(
    tenantStore,
    secretBox,
    clock,
    ids,
    (tenantId) => {
      forgetTenant(tenantId);
      options.onTenantChanged?.(tenantId);
    },
    async (tenantId, secretsChanged) => {
      // A new access token is the fix for an expired one (error 190): sending resumes.
      if (!secretsChanged.includes('whatsappAccessToken')) return;
      const tenant = await tenantStore.get(tenantId);
      if (tenant !== undefined) await resumeSending(alerts, queue, tenantId, tenant.settings.whatsapp.messagesPerSecond, clock.now());
    },
  );
  const events = new SqlEventStore(connection.db, ids, connection.capabilities, options.recentEvents);
  const messages = new SqlMessageStore(connection.db, ids, connection.capabilities);
  const customers = new SqlCustomerStore(connection.db, connection.capabilities);
  const links = new SqlLinkStore(connection.db);
  const metrics = new Metrics({ defaultMetrics: options.defaultMetrics ?? true });
  const sender = options.sender ?? new CloudApiSender({ apiVersion: config.whatsapp.apiVersion });
  const brandFor = async (tenant: StoredTenant): Promise<BrandApi | null> => {
    if (options.brandApi !== undefined) return options.brandApi(tenant.id);
    const sealed = tenant.sealedSecrets.brandApiKey;
    return brands.brandApiFor({ id: tenant.id, brandApi: tenant.settings.brandApi }, sealed === undefined ? null : secretBox.open(sealed));
  };
  const planner = new NotificationPlanner({ events, tenants: recentTenants, messages, links, clock, ids, publicUrl: config.publicUrl, brandFor, alerts });
  // Several processes may send (and ingest) on PostgreSQL: their slots are shared in the
  // database. The embedded setup has one sending thread, which paces in memory without a write per send.
  const slots = connection.capabilities.singleWriter ? new InMemorySendSlots(new Pacer(clock)) : new SqlSendSlots(connection.db, clock);
  const dispatcher = new MessageDispatcher({
    messages,
    customers,
    alerts,
    accounts,
    sender,
    slots,
    window: new SendWindow(clock),
    clock,
    ids,
    ...(options.inDoubtWaitMs !== undefined ? { inDoubtWaitMs: options.inDoubtWaitMs } : {}),
    ...(options.sleep !== undefined ? { sleep: options.sleep } : {}),
    observer: {
      outcome: (message, outcome) => {
        metrics.messages.inc({ kind: message.kind, outcome: outcome.kind, code: outcome.kind === 'accepted' ? '' : String(outcome.code ?? '') });
        if (outcome.kind === 'accepted') return;
        // A worker process has no /metrics of its own: its log is where an operator sees sends fail.
        logger.warn(
          { tenant: message.tenantId, messageId: message.id, kind: message.kind, outcome: outcome.kind, code: outcome.code, reason: outcome.reason },
          unacceptedSendNote(outcome),
        );
      },
      sent: (message, latencyMs) => {
        metrics.sendLatency.observe(latencyMs / 1000);
        metrics.eventToSend.observe((clock.now().getTime() - message.createdAt.getTime()) / 1000);
      },
    },
  });
  const horizon = new PlanningHorizon({
    messages,
    capOf: async (tenantId) => (await recentTenants.get(tenantId))?.settings.whatsapp.messagesPerSecond,
    eventJobsHeldBack: (tenantId, now) => queue.hasPendingAfter(PROCESS_EVENT_JOB, tenantId, now),
    clock,
    onError: (error, tenantId) => logger.warn({ err: error, tenantId }, 'reading how far sending is behind failed; planning keeps to the last reading'),
  });
  const carts = new SqlCartStore(connection.db, ids);
  const cartRecovery = new CartRecovery({
    carts,
    events,
    tenants: recentTenants,
    messages,
    customers,
    links,
    clock,
    ids,
    publicUrl: config.publicUrl,
    eventsHeldBack: (tenantId) => horizon.eventsHeldBack(tenantId),
  });
  const conversations = new SqlConversationStore(connection.db);
  const assistant = new OrderAssistant({
    tenants: tenantStore,
    conversations,
    messages,
    events,
    alerts,
    brandFor,
    clock,
    ids,
    log: logger,
  });
  const webhookProcessor = new WebhookProcessor({ tenants: tenantStore, messages, customers, bot: assistant, clock, ids });
  const accountWebhooks = new AccountWebhookProcessor({ tenants: tenantStore, alerts, clock, ids });
  const conversationOps = new ConversationOperations({
    conversations,
    messages,
    events,
    clock,
    ids,
    releasedText: async (tenantId) => {
      const tenant = await tenantStore.get(tenantId);
      return botText(tenant?.settings.bot.texts ?? {}, 'released', { store: tenant?.name ?? '' });
    },
  });
  const runner = new JobRunner(
    queue,
    onlyKinds(
      jobHandlers({
        events,
        planner,
        carts: cartRecovery,
        dispatcher,
        webhooks: webhookProcessor,
        readWebhook: webhookNotices,
        accountWebhooks,
        readAccountWebhook: accountNotices,
        clock,
      }),
      options.jobKinds,
    ),
    clock,
    logger,
    { concurrency: config.workerConcurrency, ...options.runner },
  );
  metrics.measureQueueDepth(() => queue.depth());
  metrics.measureHeldBackEvents(() => queue.countPendingAfter(PROCESS_EVENT_JOB, clock.now()));
  return {
    config,
    logger,
    clock,
    connection,
    tenants,
    events,
    queue,
    ingestion: new EventIngestion(events, clock, ids, options.onQueued ?? (() => runner.nudge()), (tenantId, receivedAt, notifiesNow, parkedElsewhere) =>
      horizon.planAt(tenantId, receivedAt, notifiesNow, parkedElsewhere),
    ),
    guestAuth,
    guestRateLimit: new GuestRateLimit(slots),
    metrics,
    messages,
    customers,
    links,
    alerts,
    accounts,
    planner,
    carts,
    cartRecovery,
    dispatcher,
    webhookReceiver: new WebhookReceiver(accounts, queue, clock, config.whatsapp.appSecret),
    webhookProcessor,
    messageOps: new MessageOperations(messages, links, clock),
    conversationOps,
    brands,
    runner,
    subjectsOf: webhookSubjects,
    forgetTenant,
    setInternalUrl: (url: string) => {
      internalUrl = url.replace(/\/+$/, '');
    },
    checkReady: async () => {
      await ping(connection.db);
      await queue.depth();
    },
    close: async () => {
      await runner.stop();
      if (sender instanceof CloudApiSender) await sender.close();
      await connection.close();
    },
  };
}
