/**
 * Shared by the cart recovery suites: one Orderline (real database, manual clock) with a
 * sender that records when each request went out, plus short ways to post carts and orders,
 * move time to an exact instant, and read carts, reminders and stats through the admin API.
 */
import { expect } from 'vitest';
import type { JsonObject } from '../../src/domain/events/fields.js';
import type { OutgoingMessage, SendOutcome, SenderAccount } from '../../src/domain/ports/message-sender.js';
import type { TargetFactory } from '../support/databases.js';
import { createTenant, drain, postEvent, startHarness, type Harness } from '../support/harness.js';
import { ScriptedSender } from '../support/scripted-sender.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export interface TemplateComponent {
  type: string;
  sub_type?: string;
  index?: string;
  parameters: { type: string; text?: string; payload?: string }[];
}

export interface TemplateBody {
  name: string;
  language: { code: string };
  components: TemplateComponent[];
}

/** The ScriptedSender, also noting the (manual) time of every request. */
export class ClockedSender extends ScriptedSender {
  readonly times: Date[] = [];
  clock: { now(): Date } | undefined;

  override async send(account: SenderAccount, message: OutgoingMessage): Promise<SendOutcome> {
    this.times.push(this.clock?.now() ?? new Date(Number.NaN));
    return super.send(account, message);
  }

  /** What went out to `digits`, as [ISO time, template name, body parameters, URL button parameter]. */
  log(digits: string): { at: string; template: string; body: string[]; url: string | null }[] {
    return this.sent.flatMap((s, i) => {
      if (s.message.to !== digits) return [];
      const template = s.message.template as TemplateBody | undefined;
      const body = template?.components.find((c) => c.type === 'body')?.parameters.map((p) => p.text ?? '') ?? [];
      const url = template?.components.find((c) => c.type === 'button' && c.sub_type === 'url')?.parameters[0]?.text ?? null;
      return [{ at: this.times[i]!.toISOString(), template: template?.name ?? String(s.message.type), body, url }];
    });
  }
}

export interface CartView {
  id: string;
  cartKey: string;
  state: string;
  remindersSent: number;
  nextStep: number;
  reason: string | null;
  customer: string | null;
  cartTime: string;
  lastRemindedAt: string | null;
  total: string | null;
  currency: string | null;
  items: number;
  recoveryUrl: string | null;
  recovered: { orderId: string | null; value: string | null; currency: string | null; afterReminder: number | null } | null;
  createdAt: string;
  updatedAt: string;
}

export interface MessageView {
  id: string;
  kind: string;
  category: string;
  state: string;
  skipReason: string | null;
  recipient: string | null;
  errorCode: number | null;
  attempts: number;
  createdAt: string;
  body: { to: string; template?: TemplateBody } | null;
}

export interface CartStats {
  carts: number;
  remindedCarts: number;
  remindersSent: number;
  recoveredCarts: number;
  recoveredRevenue: Record<string, number>;
  recoveryRate: number;
}

export interface TestTenant {
  id: string;
  guestKey: string;
  phoneNumberId: string;
}

export const iso = (ms: number) => new Date(ms).toISOString();
/** Epoch seconds, as BusinessOnBot's plugin sends `abandoned_cart_time`. */
export const epochSeconds = (ms: number) => Math.floor(ms / 1000);

export class CartWorld {
  private seq = 0;

  private constructor(
    readonly h: Harness,
    readonly sender: ClockedSender,
    /** Two digits that start this suite's phone numbers, so suites never share a customer. */
    private readonly prefix: string,
  ) {}

  static async start(factory: TargetFactory, prefix: string): Promise<CartWorld> {
    const sender = new ClockedSender();
    const h = await startHarness(factory, {}, { sender, inDoubtWaitMs: 60_000 });
    sender.clock = h.clock;
    return new CartWorld(h, sender, prefix);
  }

  async close(): Promise<void> {
    await this.h.close();
  }

  now(): number {
    return this.h.clock.now().getTime();
  }

  /**
   * Moves the clock to the next whole minute (pacing between sends may have left it a few
   * milliseconds past one; carts in epoch seconds need whole seconds) and returns it.
   */
  begin(): number {
    const at = Math.ceil(this.now() / MINUTE) * MINUTE;
    this.h.clock.set(new Date(at));
    return at;
  }

  uid(p: string): string {
    return `${p}-${++this.seq}-${this.now().toString(36)}`;
  }

  /** A fresh valid Indian mobile (10 digits, national form): every test gets its own customers. */
  phone(): string {
    return `${this.prefix}${String(++this.seq).padStart(8, '0')}`;
  }

  /** A tenant whose reminders never wait for quiet hours, unless `settings` says otherwise. */
  async tenant(name: string, cartRecovery: JsonObject = {}, more: JsonObject = {}): Promise<TestTenant> {
    const created = await createTenant(this.h, { name, ...more, cartRecovery: { quietHours: null, ...cartRecovery } });
    const view = await this.h.orderline.tenants.get(created.id);
    return { ...created, phoneNumberId: view.whatsapp.phoneNumberId! };
  }

  async post(tenant: TestTenant, path: string, body: JsonObject): Promise<void> {
    await postEvent(this.h, tenant.guestKey, path, body);
  }

  /** Runs everything due now, without moving the clock. */
  async settle(): Promise<void> {
    await drain(this.h, 0);
  }

  /**
   * Runs every job due up to `at` (the clock stopping at each job's exact time on the way)
   * and leaves the clock at `at` (or a few milliseconds past it when sends due then were
   * paced: the harness's pacing waits move the manual clock).
   */
  async runUntil(at: number): Promise<void> {
    expect(at).toBeGreaterThanOrEqual(this.now());
    await drain(this.h, at - this.now());
    if (this.now() < at) this.h.clock.set(new Date(at));
    await drain(this.h, 0);
  }

  async get<T>(url: string): Promise<T> {
    const res = await this.h.app.inject({ method: 'GET', url, headers: this.h.admin });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<T>();
  }

  /** PATCHes the tenant's settings (a JSON merge patch) through the admin API. */
  async patch(tenant: TestTenant, patch: JsonObject): Promise<void> {
    const res = await this.h.app.inject({ method: 'PATCH', url: `/admin/tenants/${tenant.id}`, headers: this.h.admin, payload: patch });
    expect(res.statusCode, res.body).toBe(200);
  }

  async carts(tenant: TestTenant): Promise<CartView[]> {
    return (await this.get<{ items: CartView[] }>(`/admin/tenants/${tenant.id}/carts?limit=200`)).items;
  }

  async cart(tenant: TestTenant, cartKey: string): Promise<CartView> {
    const found = (await this.carts(tenant)).find((c) => c.cartKey === cartKey);
    if (found === undefined) throw new Error(`no cart ${cartKey}`);
    return found;
  }

  /** Cart reminders (sent and skipped) to one customer, oldest first. */
  async reminders(tenant: TestTenant, digits: string): Promise<MessageView[]> {
    const items = (await this.get<{ items: MessageView[] }>(`/admin/tenants/${tenant.id}/messages?kind=cart_reminder&limit=200`)).items;
    return items.filter((m) => m.recipient === digits).reverse();
  }

  /**
   * The cart reminders that went to Meta for a customer, oldest first, each at the exact time
   * the reminder was made (its send may trail by the number's pacing when several are due at
   * once). Checks that Meta got exactly these requests, in this order.
   */
  async sent(tenant: TestTenant, digits: string): Promise<{ at: string; template: string; body: string[]; url: string | null }[]> {
    const made = (await this.reminders(tenant, digits)).filter((m) => m.body !== null);
    const requests = this.sender.sent.filter((s) => s.message.to === digits && made.some((m) => m.id === s.message.biz_opaque_callback_data));
    expect(requests.map((r) => r.message)).toEqual(made.map((m) => m.body));
    return made.map((m) => {
      const components = m.body?.template?.components ?? [];
      return {
        at: m.createdAt,
        template: m.body?.template?.name ?? '',
        body: components.find((c) => c.type === 'body')?.parameters.map((p) => p.text ?? '') ?? [],
        url: components.find((c) => c.type === 'button' && c.sub_type === 'url')?.parameters[0]?.text ?? null,
      };
    });
  }

  async stats(tenant: TestTenant): Promise<CartStats> {
    return (await this.get<{ stats: { carts: CartStats } }>(`/admin/tenants/${tenant.id}/stats`)).stats.carts;
  }

  /** Follows a `/r/{token}` link; returns the redirect target. */
  async follow(token: string | null): Promise<string | undefined> {
    expect(token).toMatch(/^[A-Za-z0-9_-]{6,64}$/);
    const res = await this.h.app.inject({ method: 'GET', url: `/r/${token}` });
    expect(res.statusCode).toBe(302);
    const location = res.headers.location;
    return typeof location === 'string' ? location : undefined;
  }
}
