/**
 * The order assistant's memory: one conversation per customer of a tenant, with where the
 * customer is in a flow. A conversation idle past its timeout starts over, so it never wedges.
 */
import type { Page, PageRequest } from './page.js';

export type ConversationMode = 'bot' | 'human';

/** Where a customer is: a flow and what it has gathered so far. */
export interface FlowState {
  flow: 'idle' | 'track' | 'cancel_pick' | 'cancel_confirm' | 'cancel_reason';
  orderId?: string;
  /** Row ids offered in the last list, to map a tap back to an order. */
  offered?: string[];
}

export interface Conversation {
  id: string;
  tenantId: string;
  customer: string;
  mode: ConversationMode;
  state: FlowState;
  lastInboundAt: Date;
  expiresAt: Date;
  updatedAt: Date;
}

export interface OrderConfirmation {
  orderId: string;
  decision: 'confirmed' | 'cancel_requested';
  customer: string;
  at: Date;
}

export interface ConversationStore {
  get(tenantId: string, customer: string): Promise<Conversation | undefined>;
  getById(tenantId: string, id: string): Promise<Conversation | undefined>;
  /**
   * Inserts or replaces the conversation. `keepMode` leaves a stored conversation's mode as it
   * is: the assistant's turns pass it, as an operator may take or release the conversation
   * while a turn waits for the brand.
   */
  save(conversation: Conversation, options?: { keepMode?: boolean }): Promise<void>;
  /** Whether an operator has the customer's conversation (false when there is none). */
  withOperator(tenantId: string, customer: string): Promise<boolean>;
  /**
   * Moves the customer's conversation from `from` to `to` only if it is still in `from`
   * (compare-and-set): true for the one caller that moved it, so two taps handled at once
   * cannot both act on the same step.
   */
  advance(tenantId: string, customer: string, from: FlowState, to: FlowState): Promise<boolean>;
  list(tenantId: string, page: PageRequest): Promise<Page<Conversation>>;
  recordConfirmation(tenantId: string, confirmation: OrderConfirmation): Promise<void>;
  confirmationOf(tenantId: string, orderId: string): Promise<OrderConfirmation | undefined>;
}
