/**
 * The order assistant: customers track, cancel and ask on WhatsApp, answered from the
 * brand's own APIs. One reply per inbound message at most (merged), only inside the 24-hour
 * window the customer's message opened, in the tenant's own words. A conversation idle past
 * `bot.idleTimeout` starts over; while an operator has it, the bot stays quiet.
 */
import { botText, type BotTextName } from '../../domain/bot/bot-texts.js';
import { intentOf, type Intent } from '../../domain/bot/intent.js';
import { replyBody, type Reply } from '../../domain/bot/replies.js';
import { shipmentStage } from '../../domain/events/shipment-stage.js';
import type { AlertStore } from '../../domain/ports/alert-store.js';
import type { Bot } from '../../domain/ports/bot.js';
import type { BrandApi, BrandFailure } from '../../domain/ports/brand-api.js';
import type { Clock } from '../../domain/ports/clock.js';
import type { Conversation, ConversationStore } from '../../domain/ports/conversation-store.js';
import type { InboundMessage } from '../../domain/ports/customer-store.js';
import type { EventStore } from '../../domain/ports/event-store.js';
import type { IdGenerator } from '../../domain/ports/ids.js';
import type { MessageStore } from '../../domain/ports/message-store.js';
import type { StoredTenant, TenantStore } from '../../domain/ports/tenant-store.js';
import { readCustomerPhone } from '../../domain/recipients/customer-phone.js';
import { brandCustomerPhone, orderPhones } from '../../domain/recipients/phone-sources.js';
import { formatMoney, safeLocale } from '../../domain/templates/template-format.js';
import { durationMs } from '../../domain/tenants/duration.js';
import { planServiceMessage } from '../service-message.js';
import { CustomerOrders, statusText } from './customer-orders.js';

const WINDOW_MS = 24 * 3_600_000;
const REASONS = ['changed_mind', 'ordered_by_mistake', 'found_cheaper', 'delivery_too_slow', 'other'] as const;

export interface AssistantLog {
  warn(details: Record<string, unknown>, message: string): void;
}

export interface AssistantDeps {
  tenants: TenantStore;
  conversations: ConversationStore;
  messages: MessageStore;
  events: EventStore;
  alerts: AlertStore;
  /** The brand's APIs for a tenant, or null when it has none configured. */
  brandFor: (tenant: StoredTenant) => Promise<BrandApi | null>;
  clock: Clock;
  ids: IdGenerator;
  log: AssistantLog;
}

interface Turn {
  tenant: StoredTenant;
  conversation: Conversation;
  message: InboundMessage;
  say: (name: BotTextName, values?: Record<string, string>) => string;
}

export class OrderAssistant implements Bot {
  constructor(private readonly deps: AssistantDeps) {}

  async handle(message: InboundMessage): Promise<void> {
    const { tenants, conversations, clock } = this.deps;
    const tenant = await tenants.get(message.tenantId);
    if (tenant === undefined || !tenant.settings.bot.enabled) return;
    const now = clock.now();
    const existing = await conversations.get(tenant.id, message.customer);
    const fresh = existing === undefined || existing.expiresAt < now;
    const conversation: Conversation = {
      id: existing?.id ?? this.deps.ids.next('cnv'),
      tenantId: tenant.id,
      customer: message.customer,
      mode: existing?.mode ?? 'bot',
      state: fresh ? { flow: 'idle' } : existing.state,
      lastInboundAt: message.sentAt,
      expiresAt: new Date(now.getTime() + durationMs(tenant.settings.bot.idleTimeout)),
      updatedAt: now,
    };
    const texts = tenant.settings.bot.texts;
    const turn: Turn = {
      tenant,
      conversation,
      message,
      say: (name, values = {}) => botText(texts, name, { store: tenant.name, ...values }),
    };
    const startMode = conversation.mode;
    let reply: Reply | null = null;
    if (conversation.mode === 'bot' && now.getTime() - message.sentAt.getTime() < WINDOW_MS) {
      reply = await this.respond(turn, intentOf(message.choice ?? null, message.text));
    }
    // The mode is the operator's, unless this turn handed the customer over itself.
    const handedOver = turn.conversation.mode !== startMode;
    await conversations.save(turn.conversation, { keepMode: !handedOver });
    if (reply === null) return;
    // An operator who took the conversation while this turn waited for the brand answers now.
    if (!handedOver && (await conversations.withOperator(tenant.id, message.customer))) return;
    await this.send(turn, reply);
  }

  /** The reply to the customer's message; null when another of their messages already acted on it. */
  private async respond(turn: Turn, intent: Intent): Promise<Reply | null> {
    const { say } = turn;
    if (intent.kind === 'menu') return this.menu(turn, say('greeting', { name: turn.message.profileName ? ` ${turn.message.profileName}` : '' }));
    if (intent.kind === 'unknown') return this.menu(turn, say('fallback'));
    if (intent.kind === 'human') {
      turn.conversation.mode = 'human';
      turn.conversation.state = { flow: 'idle' };
      return { type: 'text', text: say('handoff') };
    }
    // Everything else looks orders up by the customer's phone number.
    if (!/^\d{8,15}$/.test(turn.message.customer)) return { type: 'text', text: say('noPhone') };
    if (intent.kind === 'cod_confirm') return this.codConfirm(turn, intent.orderId);
    const brand = await this.deps.brandFor(turn.tenant);
    if (brand === null) {
      // The customer hears the same as in an outage; the operator learns what to set.
      return this.outage(turn, { kind: 'failure', failure: 'unavailable', cause: 'brandApi.baseUrl is not set: the assistant cannot look orders up', httpStatus: null });
    }
    const orders = new CustomerOrders(this.deps.events, turn.tenant.id, brand, turn.message.customer, turn.tenant.settings.defaultCountry);
    switch (intent.kind) {
      case 'track':
      case 'cancel':
      case 'details':
        return this.listOrDetails(turn, orders, brand, intent.kind);
      case 'track_order':
        return this.track(turn, orders, intent.orderRef, turn.message.choice === null || turn.message.choice === undefined);
      case 'cancel_order':
      case 'cod_cancel':
        return this.askCancel(turn, orders, intent.orderId);
      case 'cancel_typed':
        return this.askCancel(turn, orders, intent.orderRef, true);
      case 'cancel_yes':
        return this.askReason(turn, orders, intent.orderId);
      case 'cancel_no': {
        // An old "No" for another order leaves a cancel in progress where it is.
        const { state } = turn.conversation;
        if (state.orderId === intent.orderId || state.flow === 'idle') turn.conversation.state = { flow: 'idle' };
        return { type: 'text', text: turn.say('cancelKept', { number: `#${intent.orderId}` }) };
      }
      case 'cancel_reason':
        return this.cancel(turn, orders, brand, intent.orderId, intent.reason);
    }
  }

  private menu(turn: Turn, text: string): Reply {
    turn.conversation.state = { flow: 'idle' };
    return {
      type: 'list',
      text,
      button: turn.say('menuButton'),
      rows: (['track', 'cancel', 'details', 'human'] as const).map((k) => ({ id: `menu:${k}`, title: turn.say(`menu.${k}`) })),
    };
  }

  private async listOrDetails(turn: Turn, orders: CustomerOrders, brand: BrandApi, what: 'track' | 'cancel' | 'details'): Promise<Reply> {
    if (what === 'details') {
      const customer = await brand.customerByPhone(orders.e164);
      if (customer.kind === 'failure') return this.outage(turn, customer);
      if (customer.kind === 'not_found') return { type: 'text', text: turn.say('noDetails') };
      const c = customer.value;
      // The brand may answer for someone else (a national-format path two countries share, a
      // list whose first entry is another person): only details with this number are shown.
      if (!orders.isCustomersPhone(brandCustomerPhone(c))) {
        this.deps.log.warn({ tenant: turn.tenant.id, conversation: turn.conversation.id }, "the brand's customer for this number has another phone or none; details not shown");
        return { type: 'text', text: turn.say('noDetails') };
      }
      const address = c.addresses[0];
      const lines = [
        [c.firstName, c.lastName].filter(Boolean).join(' '),
        c.email,
        c.phone,
        address === undefined ? null : [address.address1, address.city, address.zip].filter(Boolean).join(', '),
      ].filter((l): l is string => l !== null && l !== '');
      return { type: 'text', text: turn.say('details', { details: lines.join('\n') }) };
    }
    const recent = await orders.recent();
    if (recent.kind === 'failure') return this.outage(turn, recent);
    if (recent.kind === 'not_found') return { type: 'text', text: turn.say('noOrders') };
    // Offered for cancelling: what the brand does not already say is cancelled or on its way.
    const listed = what === 'track' ? recent.orders : recent.orders.filter((o) => o.cancelledAt === null && !['shipped', 'delivered'].includes(shipmentStage(o.shipmentStatus)));
    if (listed.length === 0) {
      return { type: 'buttons', text: turn.say('nothingToCancel'), buttons: [{ id: 'menu:human', title: turn.say('talk.human') }] };
    }
    turn.conversation.state = { flow: what === 'track' ? 'track' : 'cancel_pick', offered: listed.map((o) => o.id) };
    const locale = safeLocale(turn.tenant.settings.locale);
    return {
      type: 'list',
      text: turn.say(what === 'track' ? 'pickOrderToTrack' : 'pickOrderToCancel'),
      button: turn.say('menuButton'),
      rows: listed.map((o) => {
        const description = [o.createdAt?.slice(0, 10), formatMoney(o.total, o.currency, locale)].filter(Boolean).join(' · ');
        return {
          id: `${what === 'track' ? 'track' : 'cancel'}:${o.id}`,
          title: o.number ?? `#${o.id}`,
          // Meta wants a description with text in it, or none.
          ...(description === '' ? {} : { description }),
        };
      }),
    };
  }

  private async track(turn: Turn, orders: CustomerOrders, ref: string, typed: boolean): Promise<Reply> {
    const access = await orders.find(ref, typed);
    if (access.kind === 'failure') return this.outage(turn, access);
    if (access.kind === 'not_found') return { type: 'text', text: turn.say('orderNotFound', { number: `#${ref}` }) };
    if (access.kind === 'not_yours') return this.refuse(turn, ref, access.order.id);
    const { order, shipped } = access;
    turn.conversation.state = { flow: 'idle' };
    const items = order.lineItems.length === 0 ? '' : `\nItems: ${order.lineItems.slice(0, 5).map((i) => `${i.title} × ${i.quantity}`).join(', ')}`;
    const tracking = order.tracking?.url ? `\nTrack it: ${order.tracking.url}` : '';
    return { type: 'text', text: turn.say('orderStatus', { number: order.number ?? `#${order.id}`, status: statusText(order, shipped), items, tracking }) };
  }

  /** `ref` is an order id (a tap), or a number the customer typed (`typed`). */
  private async askCancel(turn: Turn, orders: CustomerOrders, ref: string, typed = false): Promise<Reply> {
    const access = await orders.find(ref, typed);
    if (access.kind === 'failure') return this.outage(turn, access);
    if (access.kind === 'not_found') return { type: 'text', text: turn.say('orderNotFound', { number: `#${ref}` }) };
    if (access.kind === 'not_yours') return this.refuse(turn, ref, access.order.id);
    const orderId = access.order.id;
    const number = access.order.number ?? `#${orderId}`;
    if (access.shipped !== 'no' || access.order.cancelledAt !== null) {
      turn.conversation.state = { flow: 'idle' };
      return {
        type: 'buttons',
        text: turn.say('cannotCancelShipped', { number, status: access.order.cancelledAt !== null ? 'cancelled' : access.shipped }),
        buttons: [{ id: 'menu:human', title: turn.say('talk.human') }],
      };
    }
    turn.conversation.state = { flow: 'cancel_confirm', orderId };
    return {
      type: 'buttons',
      text: turn.say('confirmCancel', { number }),
      buttons: [
        { id: `cancel_yes:${orderId}`, title: turn.say('cancel.yes') },
        { id: `cancel_no:${orderId}`, title: turn.say('cancel.no') },
      ],
    };
  }

  private async askReason(turn: Turn, orders: CustomerOrders, orderId: string): Promise<Reply> {
    // "Yes, cancel it" counts only as the answer to the question this conversation asked last.
    const { state } = turn.conversation;
    if (state.flow !== 'cancel_confirm' || state.orderId !== orderId) return this.askCancel(turn, orders, orderId);
    const access = await orders.find(orderId, false);
    if (access.kind === 'failure') return this.outage(turn, access);
    if (access.kind !== 'mine') return access.kind === 'not_yours' ? this.refuse(turn, orderId, orderId) : { type: 'text', text: turn.say('orderNotFound', { number: `#${orderId}` }) };
    turn.conversation.state = { flow: 'cancel_reason', orderId };
    return {
      type: 'list',
      text: turn.say('pickReason', { number: access.order.number ?? `#${orderId}` }),
      button: turn.say('menuButton'),
      rows: REASONS.map((r) => ({ id: `reason:${orderId}:${r}`, title: turn.say(`reason.${r}`) })),
    };
  }

  private async cancel(turn: Turn, orders: CustomerOrders, brand: BrandApi, orderId: string, reason: string): Promise<Reply | null> {
    // A reason cancels only the order this conversation confirmed last: a tap can be replayed,
    // forged, or from an older list; then the customer is asked to confirm again.
    const confirmed = turn.conversation.state;
    if (confirmed.flow !== 'cancel_reason' || confirmed.orderId !== orderId) return this.askCancel(turn, orders, orderId);
    // Checked again at the last step: the order may have shipped or been cancelled meanwhile.
    const access = await orders.find(orderId, false);
    if (access.kind === 'failure') return this.outage(turn, access);
    if (access.kind !== 'mine') return access.kind === 'not_yours' ? this.refuse(turn, orderId, orderId) : { type: 'text', text: turn.say('orderNotFound', { number: `#${orderId}` }) };
    const number = access.order.number ?? `#${orderId}`;
    if (access.shipped !== 'no' || access.order.cancelledAt !== null) return this.askCancel(turn, orders, orderId);
    // Two taps handled at once: only the one that moves the conversation on cancels and answers.
    turn.conversation.state = { flow: 'idle' };
    if (!(await this.deps.conversations.advance(turn.tenant.id, turn.conversation.customer, confirmed, turn.conversation.state))) return null;
    const reasonText = turn.say(`reason.${(REASONS as readonly string[]).includes(reason) ? (reason as (typeof REASONS)[number]) : 'other'}`);
    const result = await brand.cancelOrder(orderId, reasonText);
    if (result.kind === 'cancelled') return { type: 'text', text: turn.say('cancelled', { number }) };
    if (result.kind === 'not_found') return { type: 'text', text: turn.say('orderNotFound', { number }) };
    if (result.failure === 'refused') {
      return { type: 'buttons', text: turn.say('cancelRefused', { number }), buttons: [{ id: 'menu:human', title: turn.say('talk.human') }] };
    }
    // No answer in time, or one that could not be read: the brand may have cancelled all the
    // same, and telling the customer to retry would then be wrong. Its order says which.
    await this.alert(turn, result);
    const after = await orders.find(orderId, false);
    if (after.kind === 'mine' && after.order.cancelledAt !== null) return { type: 'text', text: turn.say('cancelled', { number }) };
    if (result.failure === 'timeout' || result.failure === 'malformed') return { type: 'text', text: turn.say('cancelUnconfirmed', { number }) };
    return { type: 'text', text: turn.say('tryLater') };
  }

  private async codConfirm(turn: Turn, orderId: string): Promise<Reply> {
    const stored = await this.deps.events.latestOf(turn.tenant.id, 'order_created', orderId);
    const event = stored?.normalized;
    const order = event?.kind === 'order_created' ? event.order : null;
    if (order === null) return this.refuse(turn, orderId, orderId);
    const theirs = orderPhones(order).some((written) => {
      const phone = readCustomerPhone(written, turn.tenant.settings.defaultCountry);
      return phone.ok && phone.digits === turn.message.customer;
    });
    if (!theirs) return this.refuse(turn, orderId, orderId);
    // Only a cash-on-delivery order asks to be confirmed: a tap for a paid one (a payload made
    // up, or a template mapped to the wrong kind) is not understood, and records nothing.
    if (order.payment !== 'cod') return this.menu(turn, turn.say('fallback'));
    await this.deps.conversations.recordConfirmation(turn.tenant.id, { orderId, decision: 'confirmed', customer: turn.message.customer, at: this.deps.clock.now() });
    turn.conversation.state = { flow: 'idle' };
    return { type: 'text', text: turn.say('codConfirmed', { number: order.number ?? `#${orderId}` }) };
  }

  /** Someone else's order: a polite refusal, and a line in the log for the operator. */
  private refuse(turn: Turn, shown: string, orderId: string): Reply {
    this.deps.log.warn({ tenant: turn.tenant.id, orderId, conversation: turn.conversation.id }, "a customer asked about an order that is not theirs; refused");
    turn.conversation.state = { flow: 'idle' };
    return { type: 'text', text: turn.say('notYourOrder', { number: shown.startsWith('#') ? shown : `#${shown}` }) };
  }

  /** The brand could not answer: a polite "try later" for the customer, the cause for the operator. */
  private async outage(turn: Turn, failure: BrandFailure): Promise<Reply> {
    turn.conversation.state = { flow: 'idle' };
    await this.alert(turn, failure);
    return { type: 'text', text: turn.say('tryLater') };
  }

  private async alert(turn: Turn, failure: BrandFailure): Promise<void> {
    await this.deps.alerts.raise({
      id: this.deps.ids.next('alr'),
      tenantId: turn.tenant.id,
      kind: `brand_api_${failure.failure}`,
      detail: `${failure.cause}${failure.httpStatus !== null ? ` (HTTP ${failure.httpStatus})` : ''}`,
      createdAt: this.deps.clock.now(),
    });
  }

  private async send(turn: Turn, reply: Reply): Promise<void> {
    await planServiceMessage(this.deps.messages, this.deps.ids, {
      tenantId: turn.tenant.id,
      to: turn.message.customer,
      kind: 'bot_reply',
      dedupeKey: `bot:${turn.message.wamid}`,
      content: replyBody(reply),
      at: this.deps.clock.now(),
    });
  }
}
