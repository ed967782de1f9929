/**
 * The assistant's conversations and one order's story as the admin API shows them. The
 * schemas are the answers' contract (see tenant-view.ts).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { Conversation } from '../domain/ports/conversation-store.js';
import { IsoTime, Nullable, OpenJson, StringEnum } from '../shared/answer-types.js';
import { MessageView } from './message-view.js';

export const ConversationView = Type.Object({
  id: Type.String(),
  customer: Type.String({ description: "The customer's number as international digits" }),
  mode: StringEnum(['bot', 'human'], { description: 'human: an operator has taken it and the bot stays quiet' }),
  flow: StringEnum(['idle', 'track', 'cancel_pick', 'cancel_confirm', 'cancel_reason'], { description: 'Where the customer is in the assistant' }),
  lastInboundAt: IsoTime({ description: "The customer's last message; free-form replies are possible for 24 hours after it" }),
  expiresAt: IsoTime({ description: 'When an idle flow starts over' }),
  updatedAt: IsoTime(),
});
export type ConversationView = Static<typeof ConversationView>;

export function conversationView(c: Conversation): ConversationView {
  return {
    id: c.id,
    customer: c.customer,
    mode: c.mode,
    flow: c.state.flow,
    lastInboundAt: c.lastInboundAt.toISOString(),
    expiresAt: c.expiresAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

/** One order as Orderline knows it: its latest body, the customer's COD answer, its messages. */
export const OrderView = Type.Object({
  id: Type.String(),
  order: OpenJson('The order of its latest orders-create event, normalised (both payload families in one shape), or null when none was received'),
  confirmation: Nullable(
    Type.Object({
      decision: StringEnum(['confirmed', 'cancel_requested']),
      customer: Type.String(),
      at: IsoTime(),
    }),
    { description: "The customer's answer to the COD confirmation, or null" },
  ),
  messages: Type.Array(MessageView, { description: 'Its messages, newest first (at most 200)' }),
});
export type OrderView = Static<typeof OrderView>;
