/**
 * The sandbox itself, without HTTP: a stand-in for Meta's `/messages` endpoint and for the
 * customer. `sandbox-routes.ts` puts it on Fastify; tests and the service may use it directly.
 *
 * A send goes: account by phone number id (unknown: Meta's 400 / code 100 / subcode 33) →
 * bearer token (wrong or missing: 401 / 190) → request checks (Meta's 400s) → failure rules
 * (an error answer, or a failed status later) → accepted with a fresh wamid → status webhooks.
 * All state is in memory (sandbox-state.ts): a restart forgets it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { systemClock, type Clock } from '../../domain/ports/clock.js';
import { Nullable } from '../../shared/answer-types.js';
import { FailureRules } from './failure-rules.js';
import { graphErrorBody, graphErrors, type GraphError, type GraphErrorBody } from './graph-error.js';
import { newFbtraceId, newWamid } from './graph-ids.js';
import { offeredIn, receiveFromCustomer, type CustomerAction, type InboundResult } from './inbound.js';
import { KnownTemplates } from './known-templates.js';
import { summarizeOutgoing } from './message-summary.js';
import type { ParsedSend } from './parsed-message.js';
import { checkMessageRequest } from './request-checks.js';
import type { SandboxAccount, SandboxDirectory } from './sandbox-directory.js';
import { SandboxState, type ChatEntry, type ChatPage, type StateLimits } from './sandbox-state.js';
import { timerScheduler, type ClosableScheduler, type Scheduler } from './scheduler.js';
import { StatusWebhooks, type StatusDelays, type TrackedMessage } from './status-webhooks.js';
import { accountWebhookPayload, type PricingCategory } from './webhook-payload.js';
import { WebhookPoster, type SandboxLogger } from './webhook-poster.js';

export interface SandboxOptions {
  directory: SandboxDirectory;
  /** Orderline's PUBLIC_URL: the default templates' URL buttons point there. */
  publicUrl?: string;
  /** Default: real timers. Tests pass a ManualScheduler. */
  scheduler?: Scheduler;
  delays?: Partial<StatusDelays>;
  clock?: Clock;
  /** Default true: `read` follows `delivered`. */
  readReceipts?: boolean;
  /** Gather statuses for this many ms per POST (0, the default: one status per POST). */
  statusBatchMs?: number;
  /** Waits before webhook retries (default 1 s, 5 s, 30 s, 2 min). */
  webhookRetryDelaysMs?: readonly number[];
  limits?: Partial<StateLimits>;
  logger?: SandboxLogger;
}

/** A Graph API answer: the status and the exact body. */
export interface GraphAnswer {
  httpStatus: number;
  body: GraphErrorBody | GraphSendBody | { success: true };
}

export interface GraphSendBody {
  messaging_product: 'whatsapp';
  contacts: { input: string; wa_id: string }[];
  messages: { id: string; message_status: 'accepted' }[];
}

/** What `POST /sandbox/tenants/{id}/account-webhook` answers (sandbox-routes.ts documents it by this). */
export const AccountWebhookResult = Type.Object({
  businessAccountId: Type.String({ description: 'The WABA id the webhook named (the tenant\'s whatsapp.businessAccountId)' }),
  webhookStatus: Nullable(Type.Integer(), { description: "The HTTP status the tenant's webhook answered the first attempt with; null when unreachable (retried later)" }),
  webhookError: Type.Optional(Type.String({ description: 'Why the first attempt failed' })),
});
export type AccountWebhookResult = Static<typeof AccountWebhookResult>;

export type AccountWebhookOutcome =
  | { kind: 'sent'; result: AccountWebhookResult }
  | { kind: 'unknownTenant' }
  /** The account names no WABA id (a tenant without `whatsapp.businessAccountId`). */
  | { kind: 'noAccountId' };

export type InboundOutcome =
  | { kind: 'received'; result: InboundResult }
  | { kind: 'unknownTenant' }
  /** `from` was left out and no chat of the tenant offers this button or row. */
  | { kind: 'noChat' };

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function bearerMatches(authorization: string | undefined, expected: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), digest(expected));
}

/** The customer-service window (reference: whatsapp-cloud-api.md, Limits). */
const SERVICE_WINDOW_MS = 24 * 3_600_000;
/** Meta's code for a message other than a template outside that window. */
const REENGAGEMENT = 131047;

export class Sandbox {
  readonly state: SandboxState;
  readonly rules = new FailureRules();
  private readonly templates: KnownTemplates;
  private readonly clock: Clock;
  private readonly poster: WebhookPoster;
  private readonly statuses: StatusWebhooks;
  /** Set when the sandbox made its own timers (and so must stop them on close). */
  private readonly ownScheduler?: ClosableScheduler;

  constructor(private readonly options: SandboxOptions) {
    this.state = new SandboxState(options.limits);
    this.templates = KnownTemplates.defaultCatalog(options.publicUrl ?? 'http://localhost:3000');
    this.clock = options.clock ?? systemClock;
    const logger = options.logger;
    let scheduler: Scheduler;
    if (options.scheduler === undefined) {
      this.ownScheduler = timerScheduler((error) => logger?.warn({ err: error }, 'sandbox task failed'));
      scheduler = this.ownScheduler;
    } else {
      scheduler = options.scheduler;
    }
    this.poster = new WebhookPoster({ scheduler, counters: this.state.counters, logger, retryDelaysMs: options.webhookRetryDelaysMs });
    this.statuses = new StatusWebhooks({
      scheduler,
      poster: this.poster,
      state: this.state,
      clock: this.clock,
      delays: options.delays,
      readReceipts: options.readReceipts,
      batchMs: options.statusBatchMs,
    });
  }

  private failure(error: GraphError): GraphAnswer {
    this.state.counters.rejected++;
    return { httpStatus: error.httpStatus, body: graphErrorBody(error, newFbtraceId()) };
  }

  /** `POST /{version}/{phoneNumberId}/messages` with the request's Authorization header and parsed JSON body. */
  async handleMessages(phoneNumberId: string, authorization: string | undefined, body: unknown): Promise<GraphAnswer> {
    const account = await this.options.directory.byPhoneNumberId(phoneNumberId);
    if (account === undefined) return this.failure(graphErrors.unknownObject(phoneNumberId));
    if (!bearerMatches(authorization, account.accessToken)) return this.failure(graphErrors.invalidToken());
    const checked = checkMessageRequest(body, this.templates);
    if (checked.kind === 'invalid') return this.failure(checked.error);
    if (checked.kind === 'markRead') {
      this.state.advance(checked.messageId, 'read', this.clock.now().toISOString());
      this.state.counters.markedRead++;
      return { httpStatus: 200, body: { success: true } };
    }
    const decision = this.rules.decide(account.phoneNumberId, checked.send.to);
    if (decision.kind === 'respond') return this.failure(decision.error);
    const wamid = this.accept(account, checked.send, body);
    const tracked: TrackedMessage = { account, wamid, recipientId: checked.send.to, category: this.categoryOf(checked.send) };
    if (checked.send.callbackData !== undefined) tracked.callbackData = checked.send.callbackData;
    if (decision.kind === 'failStatus') this.statuses.fail(tracked, decision.code);
    else if (!this.mayReach(account.tenantId, checked.send)) this.statuses.fail(tracked, REENGAGEMENT);
    else this.statuses.deliver(tracked);
    return {
      httpStatus: 200,
      body: {
        messaging_product: 'whatsapp',
        contacts: [{ input: checked.send.to, wa_id: checked.send.to }],
        messages: [{ id: wamid, message_status: 'accepted' }],
      },
    };
  }

  private accept(account: SandboxAccount, send: ParsedSend, body: unknown): string {
    const wamid = newWamid(send.to);
    const at = this.clock.now().toISOString();
    this.state.append(account.tenantId, send.to, {
      direction: 'out',
      wamid,
      type: send.content.type,
      at,
      status: 'accepted',
      statuses: [{ status: 'accepted', at }],
      summary: summarizeOutgoing(send.content, this.templates),
      body,
    });
    this.state.counters.accepted++;
    return wamid;
  }

  /**
   * Outside the customer-service window (24 h from the customer's last message) only templates
   * go out: Meta accepts any other message and then reports it failed with 131047.
   */
  private mayReach(tenantId: string, send: ParsedSend): boolean {
    if (send.content.type === 'template') return true;
    const wrote = this.state.lastInboundAt(tenantId, send.to);
    return wrote !== undefined && this.clock.now().getTime() - wrote < SERVICE_WINDOW_MS;
  }

  private categoryOf(send: ParsedSend): PricingCategory {
    if (send.content.type !== 'template') return 'service';
    return this.templates.get(send.content.template.name)?.category ?? 'utility';
  }

  /**
   * The customer writes or taps. Without `from`, a button or row id is sent from the chat
   * whose newest offer of it is the most recent (the operator need not repeat the number).
   */
  async receive(tenantId: string, from: string | undefined, action: CustomerAction, name?: string): Promise<InboundOutcome> {
    const account = await this.options.directory.byTenantId(tenantId);
    if (account === undefined) return { kind: 'unknownTenant' };
    const phone = from ?? this.chatOffering(tenantId, action);
    if (phone === undefined) return { kind: 'noChat' };
    const customer = name === undefined ? { phone } : { phone, name };
    const deps = { state: this.state, poster: this.poster, clock: this.clock };
    return { kind: 'received', result: await receiveFromCustomer(deps, account, customer, action) };
  }

  /**
   * Meta telling the account's webhook about the WhatsApp Business Account itself (a template
   * paused, a quality downgrade, …): `field` and `value` as Meta's webhook reference gives
   * them, in Meta's envelope under the account's WABA id, signed, retried as any webhook.
   */
  async accountWebhook(tenantId: string, field: string, value: Record<string, unknown>): Promise<AccountWebhookOutcome> {
    const account = await this.options.directory.byTenantId(tenantId);
    if (account === undefined) return { kind: 'unknownTenant' };
    if (account.wabaId === undefined) return { kind: 'noAccountId' };
    this.state.counters.accountWebhooks++;
    const attempt = await this.poster.post(account, accountWebhookPayload(account.wabaId, field, value, this.clock.now()));
    const result = { businessAccountId: account.wabaId, webhookStatus: attempt.status };
    return { kind: 'sent', result: attempt.error === undefined ? result : { ...result, webhookError: attempt.error } };
  }

  private chatOffering(tenantId: string, action: CustomerAction): string | undefined {
    if ('text' in action) return undefined;
    const [id, kind] = 'buttonId' in action ? [action.buttonId, 'button' as const] : [action.listRowId, 'row' as const];
    // chatsOf lists the most recently active chat first.
    return this.state.chatsOf(tenantId).find((chat) => offeredIn(this.state.entries(tenantId, chat.phone), id, kind))?.phone;
  }

  /** A chat with the customer whose number is `digits`, oldest first; undefined for an unknown tenant. */
  async chat(tenantId: string, digits: string): Promise<readonly ChatEntry[] | undefined> {
    if ((await this.options.directory.byTenantId(tenantId)) === undefined) return undefined;
    return this.state.entries(tenantId, digits);
  }

  async chats(tenantId: string, limit: number, after: number | null): Promise<ChatPage | undefined> {
    if ((await this.options.directory.byTenantId(tenantId)) === undefined) return undefined;
    return this.state.chatPage(tenantId, limit, after);
  }

  /** Stops pending webhooks (when it owns the timers) and closes the webhook connections. */
  async close(): Promise<void> {
    this.ownScheduler?.close();
    await this.poster.close();
  }
}
