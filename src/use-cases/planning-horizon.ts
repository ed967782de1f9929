/**
 * How far planning runs ahead of a tenant's sending. Planning an event (rendering its message,
 * writing it with its send job) is worth doing only shortly before the message can go out; a
 * brand posting faster than its number may send (4,000 orders a second against a cap of 80
 * messages) would otherwise have the service render, now, messages that wait minutes, on the
 * thread that answers the brand's requests.
 *
 * So while a tenant has `HORIZON_SEC` or more of sends waiting, the jobs of its newly
 * accepted events are not due at once but parked: each is due one send slot after the
 * previous parked one (the paced rate, as the dispatcher sends), starting `LEAD_SEC` ahead,
 * so planning keeps a few seconds ahead of sending and the events are still planned in the
 * order they came. The event and its job are stored and acknowledged as ever; only the job's
 * run-at moves. Parking goes on, in that order, until the parked jobs' times are past.
 *
 * The backlog is read from the messages still to be sent (counted up to the threshold, through
 * the partial index of unsent messages) at most once a `REFRESH_MS` per tenant, outside the
 * request: `planAt` answers from what was last read, so ingestion never waits for it.
 */
import type { Clock } from '../domain/ports/clock.js';
import type { MessageStore } from '../domain/ports/message-store.js';
import { PACING_SHARE } from './send-message.js';

/** Sends waiting, in seconds at the tenant's paced rate, from which new events are parked. */
export const HORIZON_SEC = 10;
/** How far ahead of now the first parked event is due (the backlog is then at least `HORIZON_SEC`). */
export const LEAD_SEC = HORIZON_SEC / 2;
/** How often a tenant's backlog is read again. */
export const REFRESH_MS = 1_000;

export interface HorizonDeps {
  messages: Pick<MessageStore, 'countUnsent'>;
  /** The messages a second the tenant's number may send (its cap); undefined for an unknown tenant. */
  capOf: (tenantId: string) => Promise<number | undefined>;
  /** Whether the tenant has event jobs due after `now` (JobQueue.hasPendingAfter). */
  eventJobsHeldBack: (tenantId: string, now: Date) => Promise<boolean>;
  clock: Clock;
  /** A backlog read failed: parking keeps to what was last read and tries again later. */
  onError: (error: unknown, tenantId: string) => void;
}

interface TenantBacklog {
  /** Whether `HORIZON_SEC` or more of sends were waiting at the last read, or have been let through since. */
  behind: boolean;
  /** Unsent messages at the last read. */
  waiting: number;
  /** `HORIZON_SEC` of sends at the tenant's rate (unknown, so no limit, until the first read). */
  threshold: number;
  /**
   * Events let through to be planned now since the last read began: each is a message to
   * send that the read did not count. Without them a flood (thousands of orders a second)
   * was all let through until the next read, a second later, and planned at once on the
   * thread that takes the brand's requests.
   */
  admitted: number;
  /** The tenant's paced sends per second at the last read. */
  rate: number;
  /** When the next parked job is due (ms); parking continues while it is ahead of now. */
  next: number;
  readAt: number;
  /** A read is under way (one at a time per tenant). */
  reading: boolean;
}

export class PlanningHorizon {
  private readonly tenants = new Map<string, TenantBacklog>();
  private readonly heldBack = new Map<string, { held: boolean; readAt: number }>();

  constructor(private readonly deps: HorizonDeps) {}

  /**
   * When the job of an event accepted now should run: `receivedAt`, or a later time while
   * the tenant's sending is behind. Call once per accepted event, in the order they are stored;
   * `notifiesNow`: its planning makes a message to send at once (a cart's reminders wait);
   * `parkedElsewhere`: when the latest job other processes parked for the tenant is due.
   */
  planAt(tenantId: string, receivedAt: Date, notifiesNow = true, parkedElsewhere?: Date): Date {
    const now = this.deps.clock.now().getTime();
    const backlog = this.backlogOf(tenantId, now);
    // Another API process's chain (shared through the database): this one goes on after it.
    if (parkedElsewhere !== undefined) backlog.next = Math.max(backlog.next, parkedElsewhere.getTime() + 1000 / backlog.rate);
    if (!backlog.behind && backlog.next <= now) {
      if (backlog.waiting + backlog.admitted < backlog.threshold) {
        if (notifiesNow) backlog.admitted += 1;
        return receivedAt;
      }
      backlog.behind = true;
    }
    const at = Math.max(backlog.next, now + (backlog.behind ? LEAD_SEC * 1000 : 0));
    backlog.next = at + 1000 / backlog.rate;
    return new Date(at);
  }

  /**
   * Whether some of the tenant's events wait to be planned later (parked, by any process, or
   * waiting for a retry), read at most once a `REFRESH_MS` per tenant. Cart reminders wait
   * while they do: an order that would stop one may be among them.
   */
  async eventsHeldBack(tenantId: string): Promise<boolean> {
    const now = this.deps.clock.now().getTime();
    const known = this.heldBack.get(tenantId);
    if (known !== undefined && now - known.readAt < REFRESH_MS) return known.held;
    const held = await this.deps.eventJobsHeldBack(tenantId, new Date(now));
    this.heldBack.set(tenantId, { held, readAt: now });
    return held;
  }

  /** The tenant's state, with a read started when the last one is stale. */
  private backlogOf(tenantId: string, now: number): TenantBacklog {
    let backlog = this.tenants.get(tenantId);
    if (backlog === undefined) {
      backlog = { behind: false, waiting: 0, threshold: Infinity, admitted: 0, rate: 1, next: 0, readAt: -Infinity, reading: false };
      this.tenants.set(tenantId, backlog);
    }
    if (!backlog.reading && now - backlog.readAt >= REFRESH_MS) {
      backlog.readAt = now;
      backlog.reading = true;
      void this.read(tenantId, backlog, backlog.admitted);
    }
    return backlog;
  }

  /** `counted`: the events let through before this read, whose messages it counts once planned. */
  private async read(tenantId: string, backlog: TenantBacklog, counted: number): Promise<void> {
    try {
      const cap = await this.deps.capOf(tenantId);
      if (cap === undefined) return;
      const rate = cap * PACING_SHARE;
      const threshold = Math.ceil(rate * HORIZON_SEC);
      const waiting = await this.deps.messages.countUnsent(tenantId, threshold);
      backlog.rate = rate;
      backlog.threshold = threshold;
      backlog.waiting = waiting;
      backlog.admitted = Math.max(0, backlog.admitted - counted);
      backlog.behind = waiting + backlog.admitted >= threshold;
    } catch (error) {
      this.deps.onError(error, tenantId);
    } finally {
      backlog.reading = false;
    }
  }
}
