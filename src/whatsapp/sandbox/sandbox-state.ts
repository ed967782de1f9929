/**
 * What the sandbox remembers: the chats per (tenant, customer), each message in and out with
 * its status, and counters. **In memory only: a restart forgets every chat** (the sandbox is
 * for trying things out and for tests, and Orderline's own store keeps the real record).
 * Bounded so a long-running service or a benchmark cannot grow it without limit: the newest
 * `messagesPerChat` entries of each chat and the `chats` most recently active chats are kept.
 */
import { Type, type Static } from '@sinclair/typebox';
import { IsoTime, Nullable, StringEnum } from '../../shared/answer-types.js';
import { ChatSummary } from './message-summary.js';

const OUTGOING_STATUSES = ['accepted', 'sent', 'delivered', 'read', 'failed'] as const;
const INCOMING_STATUSES = ['received', 'read'] as const;
export type OutgoingStatus = (typeof OUTGOING_STATUSES)[number];
export type IncomingStatus = (typeof INCOMING_STATUSES)[number];
const Status = StringEnum([...new Set([...OUTGOING_STATUSES, ...INCOMING_STATUSES])], {
  description: 'accepted, sent, delivered, read or failed (out); received or read (in)',
});

// The schemas document the operator routes' answers (sandbox-routes.ts); the types come from them.
export const ChatEntry = Type.Object({
  direction: StringEnum(['out', 'in']),
  wamid: Type.String(),
  type: Type.String({ description: 'The message type (template, text, interactive, button…)' }),
  at: IsoTime({ description: 'When it was sent (out) or written by the customer (in)' }),
  status: Status,
  statuses: Type.Array(Type.Object({ status: Status, at: IsoTime() }), {
    description: 'Each status with its time, in the order they happened',
  }),
  errorCode: Type.Optional(Type.Integer({ description: 'The Meta error code of a failed message' })),
  summary: ChatSummary,
  body: Type.Unknown({ description: "The raw /messages request body (out) or the webhook's message object (in)" }),
});
export type ChatEntry = Static<typeof ChatEntry>;

export const ChatInfo = Type.Object({
  tenantId: Type.String(),
  phone: Type.String({ description: "The customer's number, digits only" }),
  messages: Type.Integer({ description: 'How many entries the chat keeps' }),
  lastAt: Type.String({ description: 'When its newest entry was written, ISO-8601 UTC' }),
  last: Nullable(ChatSummary, { description: 'The newest entry at a glance' }),
});
export type ChatInfo = Static<typeof ChatInfo>;

const count = Type.Integer({ minimum: 0 });
export const SandboxCounters = Type.Object({
  accepted: count,
  rejected: Type.Integer({ minimum: 0, description: 'Sends answered with an error (malformed, bad token, rules)' }),
  markedRead: count,
  inbound: count,
  accountWebhooks: Type.Integer({ minimum: 0, description: 'Account-level webhooks an operator had the sandbox send (…/account-webhook)' }),
  statuses: Type.Object({ sent: count, delivered: count, read: count, failed: count }),
  webhookPosts: count,
  webhookFailures: Type.Integer({ minimum: 0, description: 'POSTs that got no 2xx (each retry counts)' }),
});
export type SandboxCounters = Static<typeof SandboxCounters>;

export interface StateLimits {
  messagesPerChat: number;
  chats: number;
}

interface Chat {
  tenantId: string;
  phone: string;
  entries: ChatEntry[];
  /** When it was last written to, as a count of writes: orders chats for paging. */
  touched: number;
}

/** A page of chats; `nextCursor` is the last one's `touched`, the next page starts after it. */
export const ChatPage = Type.Object({
  items: Type.Array(ChatInfo),
  nextCursor: Nullable(Type.String(), { description: 'Pass as ?cursor= for the next page; null on the last page' }),
});
export type ChatPage = Static<typeof ChatPage>;

const RANK: Record<OutgoingStatus | IncomingStatus, number> = { accepted: 0, received: 0, sent: 1, delivered: 2, read: 3, failed: 4 };

function emptyCounters(): SandboxCounters {
  return {
    accepted: 0,
    rejected: 0,
    markedRead: 0,
    inbound: 0,
    accountWebhooks: 0,
    statuses: { sent: 0, delivered: 0, read: 0, failed: 0 },
    webhookPosts: 0,
    webhookFailures: 0,
  };
}

export class SandboxState {
  readonly counters: SandboxCounters = emptyCounters();
  private readonly limits: StateLimits;
  /** Insertion order is activity order: a chat is moved to the end when written to. */
  private readonly chats = new Map<string, Chat>();
  private readonly chatOfWamid = new Map<string, string>();
  private writes = 0;

  constructor(limits: Partial<StateLimits> = {}) {
    this.limits = { messagesPerChat: limits.messagesPerChat ?? 500, chats: limits.chats ?? 10_000 };
  }

  append(tenantId: string, phone: string, entry: ChatEntry): void {
    const key = `${tenantId}\u0000${phone}`;
    const chat = this.chats.get(key) ?? { tenantId, phone, entries: [], touched: 0 };
    chat.touched = ++this.writes;
    this.chats.delete(key);
    this.chats.set(key, chat);
    chat.entries.push(entry);
    this.chatOfWamid.set(entry.wamid, key);
    while (chat.entries.length > this.limits.messagesPerChat) {
      const dropped = chat.entries.shift();
      if (dropped !== undefined) this.chatOfWamid.delete(dropped.wamid);
    }
    while (this.chats.size > this.limits.chats) {
      const oldest = this.chats.keys().next();
      if (oldest.done === true) break;
      for (const e of this.chats.get(oldest.value)?.entries ?? []) this.chatOfWamid.delete(e.wamid);
      this.chats.delete(oldest.value);
    }
  }

  /** A chat's entries, oldest first (empty for a chat the sandbox does not have). */
  entries(tenantId: string, phone: string): readonly ChatEntry[] {
    return this.chats.get(`${tenantId}\u0000${phone}`)?.entries ?? [];
  }

  /** When the customer last wrote in this chat (ms since the epoch), if a message of theirs is still kept. */
  lastInboundAt(tenantId: string, phone: string): number | undefined {
    const entries = this.entries(tenantId, phone);
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i]!;
      if (entry.direction === 'in') return Date.parse(entry.at);
    }
    return undefined;
  }

  /** A tenant's chats, most recently active first. */
  chatsOf(tenantId: string): ChatInfo[] {
    return this.tenantChats(tenantId).map(chatInfo);
  }

  /**
   * A tenant's chats a page at a time, most recently active first, after the chat last
   * written to at `after` (a previous page's nextCursor). A chat written to since moves to
   * the front, where the next pages do not look: it is listed again by a new first page.
   */
  chatPage(tenantId: string, limit: number, after: number | null): ChatPage {
    const chats = this.tenantChats(tenantId).filter((chat) => after === null || chat.touched < after);
    const items = chats.slice(0, limit);
    return { items: items.map(chatInfo), nextCursor: chats.length > limit ? String(items[items.length - 1]!.touched) : null };
  }

  private tenantChats(tenantId: string): Chat[] {
    const out: Chat[] = [];
    for (const chat of this.chats.values()) if (chat.tenantId === tenantId) out.push(chat);
    return out.reverse();
  }

  find(wamid: string): ChatEntry | undefined {
    const key = this.chatOfWamid.get(wamid);
    return key === undefined ? undefined : this.chats.get(key)?.entries.find((e) => e.wamid === wamid);
  }

  /**
   * Moves a message's status forward (accepted < sent < delivered < read; failed is final).
   * Returns false when the status would move backwards or the message is no longer kept.
   */
  advance(wamid: string, status: OutgoingStatus | IncomingStatus, at: string, errorCode?: number): boolean {
    const entry = this.find(wamid);
    if (entry === undefined || entry.status === 'failed' || RANK[status] <= RANK[entry.status]) return false;
    entry.status = status;
    entry.statuses.push({ status, at });
    if (errorCode !== undefined) entry.errorCode = errorCode;
    return true;
  }
}

function chatInfo(chat: Chat): ChatInfo {
  const last = chat.entries[chat.entries.length - 1];
  return { tenantId: chat.tenantId, phone: chat.phone, messages: chat.entries.length, lastAt: last?.at ?? '', last: last?.summary ?? null };
}
