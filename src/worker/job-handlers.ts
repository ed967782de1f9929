/**
 * The job kinds the worker runs, each a thin adapter from a queued job to its use case.
 */
import type { Clock } from '../domain/ports/clock.js';
import type { EventStore } from '../domain/ports/event-store.js';
import type { AccountNotice } from '../domain/accounts/account-notice.js';
import type { WebhookNotices } from '../domain/messages/webhook-notices.js';
import { PROCESS_EVENT_JOB } from '../use-cases/ingest-event.js';
import { SEND_MESSAGE_JOB, type NotificationPlanner } from '../use-cases/plan-notifications.js';
import { PROCESS_WEBHOOK_JOB } from '../use-cases/receive-webhook.js';
import type { MessageDispatcher } from '../use-cases/send-message.js';
import type { AccountWebhookProcessor } from '../use-cases/process-account-webhook.js';
import type { WebhookProcessor } from '../use-cases/process-webhook.js';
import { CART_REMINDER_JOB, type CartRecovery } from '../use-cases/recover-carts.js';
import type { JobHandler } from './job-runner.js';

export interface HandlerDeps {
  events: Pick<EventStore, 'get'>;
  planner: NotificationPlanner;
  carts: CartRecovery;
  dispatcher: MessageDispatcher;
  webhooks: WebhookProcessor;
  /** Reads a stored webhook body (Meta's shape) into notices. */
  readWebhook: (body: unknown, receivedAt: Date) => WebhookNotices[];
  accountWebhooks: AccountWebhookProcessor;
  /** Reads a stored webhook body's account-level changes (Meta's shape) into notices. */
  readAccountWebhook: (body: unknown) => AccountNotice[];
  clock: Clock;
}

function field(payload: unknown, name: string): string | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const value = (payload as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : null;
}

function stringsAt(payload: unknown, name: string): string[] {
  if (typeof payload !== 'object' || payload === null) return [];
  const value = (payload as Record<string, unknown>)[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function jobHandlers(deps: HandlerDeps): Map<string, JobHandler> {
  return new Map<string, JobHandler>([
    [
      PROCESS_EVENT_JOB,
      async (job) => {
        const eventId = field(job.payload, 'eventId');
        if (eventId === null || job.tenantId === null) return { kind: 'dead', error: 'job payload has no eventId or tenant' };
        // Read once for both: deriving an event's model from its body is not free.
        const stored = await deps.events.get(job.tenantId, eventId);
        if (stored === undefined) return { kind: 'dead', error: `event ${eventId} not found` };
        // Carts first: the plan's commit finishes this job, so whatever follows it would not
        // run again after a crash. Both tolerate running twice.
        await deps.carts.onStoredEvent(stored);
        // Until the last attempt, a brand failing a look-up sends the event back for later
        // (backoff); the last attempt records the skip with the brand's failure as the reason.
        const planned = await deps.planner.planFor(stored, { finishing: job.id, mayRetry: job.attempt < job.maxAttempts });
        if (planned.planned === 'retry') return { kind: 'retry', error: planned.reason };
        return planned.planned === 'nothing' ? { kind: 'done' } : { kind: 'done', jobRemoved: true };
      },
    ],
    [
      SEND_MESSAGE_JOB,
      async (job) => {
        const messageId = field(job.payload, 'messageId');
        if (messageId === null) return { kind: 'dead', error: 'job payload has no messageId' };
        return deps.dispatcher.send(messageId, job.attempt, job.maxAttempts, job.id);
      },
    ],
    [
      CART_REMINDER_JOB,
      async (job) => {
        const cartKey = field(job.payload, 'cartKey');
        const step = typeof job.payload === 'object' && job.payload !== null ? (job.payload as { step?: unknown }).step : undefined;
        if (cartKey === null || typeof step !== 'number' || job.tenantId === null) return { kind: 'dead', error: 'job payload has no cartKey, step or tenant' };
        return deps.carts.remind(job.tenantId, cartKey, step);
      },
    ],
    [
      PROCESS_WEBHOOK_JOB,
      async (job) => {
        const body = field(job.payload, 'body');
        if (body === null) return { kind: 'dead', error: 'job payload has no body' };
        const parsed: unknown = JSON.parse(body);
        await deps.webhooks.process(deps.readWebhook(parsed, deps.clock.now()));
        // The tenants the signature vouched for. A job queued before they were recorded has
        // none: its account-level changes (which nothing read then) stay unread.
        const vouched = new Set(stringsAt(job.payload, 'tenants'));
        if (vouched.size > 0) await deps.accountWebhooks.process(deps.readAccountWebhook(parsed), vouched);
        return { kind: 'done' };
      },
    ],
  ]);
}
