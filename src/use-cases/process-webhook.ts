/**
 * Meta's webhook, second half (in the worker): statuses move messages forward, failures
 * that say something about the customer are remembered, customers' messages are stored once
 * (by wamid), STOP / START are handled here before any bot sees the message, and marketing
 * preferences from the app are recorded.
 */
import type { ServiceMessageKind } from '../domain/messages/message-kind.js';
import { optOutKeyword } from '../domain/messages/opt-out-keywords.js';
import type { ReceivedMessage, WebhookNotices } from '../domain/messages/webhook-notices.js';
import type { Bot } from '../domain/ports/bot.js';
import type { Clock } from '../domain/ports/clock.js';
import type { CustomerStore } from '../domain/ports/customer-store.js';
import type { IdGenerator } from '../domain/ports/ids.js';
import type { MessageStore, StatusReport } from '../domain/ports/message-store.js';
import type { TenantStore } from '../domain/ports/tenant-store.js';
import { planServiceMessage, textContent } from './service-message.js';

const DAY = 86_400_000;

export interface WebhookProcessorDeps {
  tenants: TenantStore;
  messages: MessageStore;
  customers: CustomerStore;
  bot: Bot;
  clock: Clock;
  ids: IdGenerator;
}

export interface ProcessSummary {
  statuses: number;
  messages: number;
  preferences: number;
  unknownNumbers: number;
}

/** Inbound message types that are stored but not answered. */
const NOT_FOR_THE_ASSISTANT = new Set(['reaction', 'system']);

export class WebhookProcessor {
  constructor(private readonly deps: WebhookProcessorDeps) {}

  async process(notices: readonly WebhookNotices[]): Promise<ProcessSummary> {
    const summary: ProcessSummary = { statuses: 0, messages: 0, preferences: 0, unknownNumbers: 0 };
    const now = this.deps.clock.now();
    for (const notice of notices) {
      const tenant = await this.deps.tenants.findByPhoneNumberId(notice.phoneNumberId);
      if (tenant === undefined) {
        summary.unknownNumbers++;
        continue;
      }
      const fresh = await this.deps.messages.recordStatuses(notice.statuses, now);
      summary.statuses += fresh.length;
      // Only a failure not seen before: Meta redelivers webhooks, and a redelivered 131049
      // would pause the customer's marketing again, from when it came.
      for (const status of fresh) await this.rememberFailure(tenant.id, status, now);
      for (const message of notice.messages) {
        if (await this.receive(tenant.id, tenant.name, message, now)) summary.messages++;
      }
      for (const preference of notice.preferences) {
        if (preference.value === 'stop') await this.deps.customers.optOut(tenant.id, preference.customer, 'marketing', 'user_preferences', preference.at);
        else await this.deps.customers.optIn(tenant.id, preference.customer, 'marketing', preference.at);
        summary.preferences++;
      }
    }
    return summary;
  }

  private async rememberFailure(tenantId: string, status: StatusReport, now: Date): Promise<void> {
    const customer = status.recipientId ?? null;
    if (status.status !== 'failed' || customer === null) return;
    const { customers } = this.deps;
    if (status.errorCode === 131026) await customers.markUndeliverable(tenantId, customer, now);
    // When it happened, not when it came: a failure older than the customer's `resume` is void.
    if (status.errorCode === 131050) await customers.optOut(tenantId, customer, 'marketing', 'error_131050', status.at);
    if (status.errorCode === 131049) await customers.pauseMarketing(tenantId, customer, new Date(now.getTime() + DAY));
  }

  /**
   * Stores a customer's message once and handles it: STOP / START, or the assistant. Only a
   * message whose handling finished is a duplicate: one stored by an attempt that failed
   * half-way (the webhook job is retried) is handled again, so the customer is not left unanswered.
   */
  private async receive(tenantId: string, storeName: string, message: ReceivedMessage, now: Date): Promise<boolean> {
    const { customers } = this.deps;
    const recorded = await customers.recordInbound({
      wamid: message.wamid,
      tenantId,
      customer: message.customer,
      waId: message.waId,
      userId: message.userId,
      profileName: message.profileName,
      type: message.type,
      text: message.text,
      payload: message.raw,
      sentAt: message.sentAt,
      receivedAt: now,
    });
    if (recorded === 'handled') return false;
    await this.handle(tenantId, storeName, message, now, recorded === 'unhandled');
    await customers.markHandled(message.wamid, now);
    return true;
  }

  /** `again`: an earlier attempt stored the message and may have done part of this. */
  private async handle(tenantId: string, storeName: string, message: ReceivedMessage, now: Date, again: boolean): Promise<void> {
    const { customers } = this.deps;
    const keyword = message.type === 'text' ? optOutKeyword(message.text) : null;
    // STOP and START count at the time the customer sent them: Meta may deliver them in either order.
    if (keyword === 'stop') {
      const changed = await customers.optOut(tenantId, message.customer, 'all', 'keyword', message.sentAt);
      // An attempt that failed after the opt-out may not have confirmed it (confirmations are
      // deduped per wamid); if a START has come since, there is nothing to confirm.
      if (changed || (again && (await this.optedOut(tenantId, message.customer)))) {
        await this.confirm(tenantId, message, 'opt_out_confirmation', `You will no longer receive messages from ${storeName} on WhatsApp. Reply START to subscribe again.`, now);
      }
      return;
    }
    if (keyword === 'start') {
      const changed = await customers.optIn(tenantId, message.customer, 'all', message.sentAt);
      if (changed || (again && !(await this.optedOut(tenantId, message.customer)))) {
        await this.confirm(tenantId, message, 'opt_in_confirmation', `You are subscribed again to messages from ${storeName}. Reply STOP to unsubscribe.`, now);
      }
      return;
    }
    // Not something the customer asked: a 👍 on a message, or WhatsApp saying the number changed.
    if (NOT_FOR_THE_ASSISTANT.has(message.type)) return;
    // A customer who said STOP gets nothing from the brand until START, answers included; the
    // assistant must not act for them unheard either (a reason tap left from before cancelled
    // the order with no word to the customer). Their message is kept for operators.
    if (await this.optedOut(tenantId, message.customer)) return;
    await this.deps.bot.handle({
      wamid: message.wamid,
      tenantId,
      customer: message.customer,
      waId: message.waId,
      userId: message.userId,
      profileName: message.profileName,
      type: message.type,
      text: message.text,
      choice: message.choice,
      payload: message.raw,
      sentAt: message.sentAt,
      receivedAt: now,
    });
  }

  private async optedOut(tenantId: string, customer: string): Promise<boolean> {
    return (await this.deps.customers.optOuts(tenantId, customer)).some((o) => o.scope === 'all');
  }

  /** One confirmation, a plain text inside the window the customer's message just opened. */
  private async confirm(tenantId: string, message: ReceivedMessage, kind: ServiceMessageKind, text: string, now: Date): Promise<void> {
    await planServiceMessage(this.deps.messages, this.deps.ids, {
      tenantId,
      to: message.customer,
      kind,
      dedupeKey: `keyword:${message.wamid}`,
      content: textContent(text),
      at: now,
    });
  }
}
