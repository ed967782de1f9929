/**
 * Operators and the assistant's conversations: list them, take one over (the bot stays
 * quiet until it is released) and hand it back; and what is known about one order.
 */
import type { Clock } from '../domain/ports/clock.js';
import type { Conversation, ConversationStore } from '../domain/ports/conversation-store.js';
import type { EventStore } from '../domain/ports/event-store.js';
import type { IdGenerator } from '../domain/ports/ids.js';
import type { MessageStore } from '../domain/ports/message-store.js';
import type { Page, PageRequest } from '../domain/ports/page.js';
import { ConflictError, NotFoundError } from './errors.js';
import { conversationView, type ConversationView, type OrderView } from './conversation-view.js';
import { messageView } from './message-view.js';
import { planServiceMessage, textContent } from './service-message.js';

const WINDOW_MS = 24 * 3_600_000;

export class ConversationOperations {
  constructor(
    private readonly deps: {
      conversations: ConversationStore;
      messages: MessageStore;
      events: EventStore;
      clock: Clock;
      ids: IdGenerator;
      /** What the customer is told when the bot takes over again. */
      releasedText: (tenantId: string) => Promise<string>;
    },
  ) {}

  async list(tenantId: string, page: PageRequest): Promise<Page<ConversationView>> {
    const result = await this.deps.conversations.list(tenantId, page);
    return { items: result.items.map(conversationView), nextCursor: result.nextCursor };
  }

  async take(tenantId: string, id: string): Promise<ConversationView> {
    const conversation = await this.load(tenantId, id);
    if (conversation.mode === 'human') throw new ConflictError(`conversation ${id} is already with an operator`);
    const updated: Conversation = { ...conversation, mode: 'human', state: { flow: 'idle' }, updatedAt: this.deps.clock.now() };
    await this.deps.conversations.save(updated);
    return conversationView(updated);
  }

  async release(tenantId: string, id: string): Promise<ConversationView> {
    const conversation = await this.load(tenantId, id);
    if (conversation.mode === 'bot') throw new ConflictError(`conversation ${id} is already with the bot`);
    const now = this.deps.clock.now();
    const updated: Conversation = { ...conversation, mode: 'bot', state: { flow: 'idle' }, updatedAt: now };
    await this.deps.conversations.save(updated);
    // Free-form messages only inside the window the customer's last message opened.
    if (now.getTime() - conversation.lastInboundAt.getTime() < WINDOW_MS) {
      await planServiceMessage(this.deps.messages, this.deps.ids, {
        tenantId,
        to: conversation.customer,
        kind: 'bot_reply',
        dedupeKey: `release:${id}:${now.getTime()}`,
        content: textContent(await this.deps.releasedText(tenantId)),
        at: now,
      });
    }
    return conversationView(updated);
  }

  /** One order as Orderline knows it: its latest body, the customer's COD answer, its messages. */
  async order(tenantId: string, orderId: string): Promise<OrderView> {
    const latest = await this.deps.events.latestOf(tenantId, 'order_created', orderId);
    const confirmation = await this.deps.conversations.confirmationOf(tenantId, orderId);
    const messages = await this.deps.messages.list(tenantId, { limit: 200, cursor: null }, { orderId });
    if (latest === undefined && confirmation === undefined && messages.items.length === 0) throw new NotFoundError(`order ${orderId}`);
    const normalized = latest?.normalized;
    return {
      id: orderId,
      order: normalized?.kind === 'order_created' ? normalized.order : null,
      confirmation: confirmation === undefined ? null : { decision: confirmation.decision, customer: confirmation.customer, at: confirmation.at.toISOString() },
      messages: messages.items.map((m) => messageView(m)),
    };
  }

  private async load(tenantId: string, id: string): Promise<Conversation> {
    const conversation = await this.deps.conversations.getById(tenantId, id);
    if (conversation === undefined) throw new NotFoundError(`conversation ${id}`);
    return conversation;
  }
}
