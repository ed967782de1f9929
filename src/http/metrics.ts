/** Prometheus metrics of one running instance (a registry per app, no process-wide state). */
import { withDeadline } from '../shared/deadline.js';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from 'prom-client';

/** Metrics as prom-client's `getMetricsAsJSON()` gives them (another thread's, say). */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** Gauges read from the database within a second; else NaN, so a hung database cannot fail the scrape. */
const GAUGE_READ_MS = 1000;
async function readGauge(source: () => Promise<number>): Promise<number> {
  try {
    return await withDeadline(source(), GAUGE_READ_MS, 'reading a gauge');
  } catch {
    // NaN is Prometheus's "no value": the scrape goes on with the other metrics.
    return Number.NaN;
  }
}

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'orderline_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'orderline_http_request_duration_seconds',
    help: 'HTTP request latency by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly events = new Counter({
    name: 'orderline_events_total',
    help: 'Guest API events by kind, tenant and outcome (accepted, revision, stale, duplicate)',
    labelNames: ['kind', 'tenant', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly webhookUnknownNumbers = new Counter({
    name: 'orderline_webhook_unknown_phone_numbers_total',
    help: 'Webhook changes for phone number ids no tenant has (answered 200 and dropped)',
    registers: [this.registry],
  });
  readonly webhookUnknownAccounts = new Counter({
    name: 'orderline_webhook_unknown_business_accounts_total',
    help: 'Webhook entries with account-level changes for WhatsApp Business Account ids no tenant has (answered 200 and dropped)',
    registers: [this.registry],
  });
  readonly webhookIgnoredChanges = new Counter({
    name: 'orderline_webhook_ignored_changes_total',
    help: 'Webhook changes taken (200) of a field Orderline does not act on, by field',
    labelNames: ['field'] as const,
    registers: [this.registry],
  });
  readonly messages = new Counter({
    name: 'orderline_messages_total',
    help: 'Send outcomes by notification kind, outcome and Meta error code',
    labelNames: ['kind', 'outcome', 'code'] as const,
    registers: [this.registry],
  });
  readonly sendLatency = new Histogram({
    name: 'orderline_send_latency_seconds',
    help: 'Time of the Cloud API send call',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly eventToSend = new Histogram({
    name: 'orderline_event_to_send_seconds',
    help: 'From the event being received to its message being accepted by Meta',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  private queueDepthSource: (() => Promise<number>) | undefined;
  readonly queueDepth: Gauge = new Gauge({
    name: 'orderline_queue_depth',
    help: 'Jobs not yet done (pending or running)',
    registers: [this.registry],
    // Every thread reads the same queue: merged, the depth is not a sum.
    aggregator: 'max',
    collect: async () => {
      if (this.queueDepthSource !== undefined) this.queueDepth.set(await readGauge(this.queueDepthSource));
    },
  });

  private heldBackSource: (() => Promise<number>) | undefined;
  readonly eventsHeldBack: Gauge = new Gauge({
    name: 'orderline_events_held_back',
    help: 'Accepted events whose planning waits for a later time: parked while their tenant sends behind (docs/notifications.md), or retrying',
    registers: [this.registry],
    aggregator: 'max',
    collect: async () => {
      if (this.heldBackSource !== undefined) this.eventsHeldBack.set(await readGauge(this.heldBackSource));
    },
  });

  private readonly sources: (() => Promise<MetricsJson>)[] = [];

  /** Adds the metrics of another part of this instance (the worker thread) to every scrape. */
  include(source: () => Promise<MetricsJson>): void {
    this.sources.push(source);
  }

  /** The exposition text of a scrape; counters and histograms of every source are summed. */
  async render(): Promise<string> {
    if (this.sources.length === 0) return this.registry.metrics();
    const own = await this.registry.getMetricsAsJSON();
    const all = [own, ...(await Promise.all(this.sources.map((source) => source())))];
    const merged = AggregatorRegistry.aggregate(all);
    // Merging drops what has no sum across processes (the process start time): this
    // process has one, and it is ours.
    const dropped = own.filter((metric) => merged.getSingleMetric(metric.name) === undefined);
    const extra = await Promise.all(dropped.map((metric) => this.registry.getSingleMetricAsString(metric.name)));
    return [await merged.metrics(), ...extra.map((text) => `${text}\n`)].join('');
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Where the queue depth is read from when metrics are scraped. */
  measureQueueDepth(source: () => Promise<number>): void {
    this.queueDepthSource = source;
  }

  measureHeldBackEvents(source: () => Promise<number>): void {
    this.heldBackSource = source;
  }

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'orderline_' });
  }
}
