/**
 * The built service as the end-to-end suites see it: plain `fetch` on 127.0.0.1, the
 * `Orderline` client over its admin, guest, sandbox and metrics routes, polling with a
 * deadline (never a fixed sleep), and readers for the sandbox's chats. The view types hold
 * only the fields some test reads.
 */
import { expect } from 'vitest';
import type { JsonObject } from '../../src/domain/events/fields.js';
import { admin, SUCCESS } from './e2e-fixtures.js';
import { waitFor } from './process.js';

// ---------------------------------------------------------------------------------------
// What the APIs answer

interface TemplateComponent {
  type: string;
  sub_type?: string;
  index?: string;
  parameters: { type: string; text?: string; payload?: string }[];
}

/** A Graph API send request as the sandbox received it. */
export interface SentBody {
  messaging_product: string;
  to: string;
  type: string;
  text?: { body: string };
  template?: { name: string; language: { code: string }; components: TemplateComponent[] };
  biz_opaque_callback_data?: string;
}

export interface ListRow {
  id: string;
  title: string;
  description?: string;
}

/** One message of a sandbox chat, either way. */
export interface ChatEntry {
  direction: 'out' | 'in';
  wamid: string;
  type: string;
  status: string;
  errorCode?: number;
  summary: {
    text?: string;
    template?: { name: string; language: string; parameters: string[] };
    buttons?: { id: string; title: string }[];
    list?: ListRow[];
    links?: string[];
  };
  body: unknown;
}

export interface ChatInfo {
  phone: string;
  messages: number;
}

export interface SandboxCounters {
  accepted: number;
  rejected: number;
  statuses: { sent: number; delivered: number; read: number; failed: number };
  webhookPosts: number;
  webhookFailures: number;
}

export interface MessageView {
  id: string;
  kind: string;
  state: string;
  skipReason: string | null;
  recipient: string | null;
  wamid: string | null;
  orderId: string | null;
  errorCode: number | null;
  attempts: number;
  body: SentBody | null;
}

export interface EventView {
  kind: string;
  resourceKey: string;
  outcome: string;
}

export interface Tenant {
  id: string;
  guestKey: string;
  phoneNumberId: string;
}

export interface ConversationView {
  id: string;
  customer: string;
  mode: 'bot' | 'human';
}

export interface AlertView {
  kind: string;
  detail: string;
  repeats: number;
}

export interface OrderStory {
  order: { id: string; confirmation: { decision: string; customer: string } | null };
}

// ---------------------------------------------------------------------------------------
// HTTP

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

export async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; json?: unknown; raw?: string; redirect?: 'follow' | 'manual' } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined = init.raw;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(url, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    ...(body === undefined ? {} : { body }),
    redirect: init.redirect ?? 'follow',
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export function parsed<T>(reply: Reply, status = 200): T {
  if (reply.status !== status) throw new Error(`expected HTTP ${status}, got ${reply.status}: ${reply.text.slice(0, 500)}`);
  return JSON.parse(reply.text) as T;
}

/** Polls until `done` holds; the last value seen is in the timeout message. */
export async function eventually<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  let last: T | undefined;
  try {
    return await waitFor(
      what,
      async () => {
        last = await probe();
        return done(last) ? last : undefined;
      },
      { timeoutMs, intervalMs: 50 },
    );
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; last seen: ${JSON.stringify(last)?.slice(0, 1500)}`);
  }
}

// ---------------------------------------------------------------------------------------
// The service

/** A running Orderline service, seen through its HTTP APIs. */
export class Orderline {
  constructor(readonly url: string) {}

  async createTenant(body: JsonObject): Promise<Tenant> {
    const json = parsed<{ tenant: { id: string; whatsapp: { phoneNumberId: string } }; guestKey: string }>(
      await call(`${this.url}/admin/tenants`, { headers: admin, json: body }),
      201,
    );
    return { id: json.tenant.id, guestKey: json.guestKey, phoneNumberId: json.tenant.whatsapp.phoneNumberId };
  }

  /** A guest API POST that must be accepted. */
  async post(tenant: Tenant, endpoint: string, body: JsonObject): Promise<void> {
    const reply = await call(`${this.url}${endpoint}`, { headers: { 'x-guest-id': tenant.guestKey }, json: body });
    expect(reply.text, `${endpoint} ${JSON.stringify(body).slice(0, 120)}`).toBe(SUCCESS);
    expect(reply.status).toBe(200);
  }

  /** Every message of the tenant (all pages), newest first. */
  async messages(tenantId: string, query = ''): Promise<MessageView[]> {
    const items: MessageView[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: MessageView[]; nextCursor: string | null } = parsed(
        await call(
          `${this.url}/admin/tenants/${tenantId}/messages?limit=200${query}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
          { headers: admin },
        ),
      );
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return items;
  }

  async events(tenantId: string): Promise<EventView[]> {
    return parsed<{ items: EventView[] }>(await call(`${this.url}/admin/tenants/${tenantId}/events?limit=200`, { headers: admin })).items;
  }

  /** The built-in sandbox's chat with a customer, oldest first. */
  async chat(tenantId: string, phone: string): Promise<ChatEntry[]> {
    return parsed<{ items: ChatEntry[] }>(
      await call(`${this.url}/sandbox/tenants/${tenantId}/chats/${encodeURIComponent(phone)}`, { headers: admin }),
    ).items;
  }

  /** Plays the customer in the built-in sandbox; the webhook must have taken it. */
  async inbound(tenantId: string, body: JsonObject): Promise<void> {
    const answer = parsed<{ wamid: string; webhookStatus: number | null }>(
      await call(`${this.url}/sandbox/tenants/${tenantId}/inbound`, { headers: admin, json: body }),
    );
    expect(answer.webhookStatus, JSON.stringify(answer)).toBe(200);
  }

  async alerts(tenantId: string): Promise<AlertView[]> {
    return parsed<{ items: AlertView[] }>(await call(`${this.url}/admin/tenants/${tenantId}/alerts`, { headers: admin })).items;
  }

  async conversations(tenantId: string): Promise<ConversationView[]> {
    return parsed<{ items: ConversationView[] }>(await call(`${this.url}/admin/tenants/${tenantId}/conversations?limit=200`, { headers: admin })).items;
  }

  async conversationAction(tenantId: string, conversationId: string, action: 'take' | 'release'): Promise<ConversationView> {
    return parsed<{ conversation: ConversationView }>(
      await call(`${this.url}/admin/tenants/${tenantId}/conversations/${conversationId}/${action}`, { method: 'POST', headers: admin }),
    ).conversation;
  }

  async order(tenantId: string, orderId: string): Promise<OrderStory> {
    return parsed<OrderStory>(await call(`${this.url}/admin/tenants/${tenantId}/orders/${orderId}`, { headers: admin }));
  }

  async metric(name: string): Promise<number | undefined> {
    const text = (await call(`${this.url}/metrics`)).text;
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.slice(name.length + 1));
  }

  async queueDepth(): Promise<number> {
    const depth = await this.metric('orderline_queue_depth');
    if (depth === undefined) throw new Error('no orderline_queue_depth in /metrics');
    return depth;
  }

  /**
   * Waits until no job is pending or running. Every guest event and every inbound webhook has
   * its job committed before its 200, and each job commits its follow-up (send job,
   * confirmation, reply) before it is removed, so a depth of 0 after the calls means
   * everything they caused has been planned and sent (and is in the sandbox chat).
   */
  async drained(timeoutMs = 15_000): Promise<void> {
    await waitFor('the job queue to drain', async () => ((await this.queueDepth()) === 0 ? true : undefined), {
      timeoutMs,
      intervalMs: 30,
    });
  }
}

// ---------------------------------------------------------------------------------------
// Reading chats

export function sentBody(entry: ChatEntry | undefined): SentBody {
  if (entry === undefined) throw new Error('no such chat entry');
  return entry.body as SentBody;
}

/** The suffix sent for the template's URL button (Orderline's `/r/{token}`). */
export function urlButtonToken(entry: ChatEntry | undefined): string {
  const button = sentBody(entry).template?.components.find((c) => c.type === 'button' && c.sub_type === 'url');
  const token = button?.parameters[0]?.text;
  if (token === undefined) throw new Error(`no URL button in ${JSON.stringify(entry?.body)}`);
  return token;
}

export function templateNames(chat: ChatEntry[]): (string | undefined)[] {
  return chat.map((e) => e.summary.template?.name);
}

/** A compact view of a chat: direction, type and what the customer reads or sees. */
export function transcript(chat: ChatEntry[]): string[] {
  return chat.map((e) => `${e.direction} ${e.type} ${e.summary.template?.name ?? e.summary.text ?? ''}`);
}

export const rowIds = (entry: ChatEntry): string[] => entry.summary.list?.map((r) => r.id) ?? [];
export const buttonIds = (entry: ChatEntry): string[] => entry.summary.buttons?.map((b) => b.id) ?? [];
