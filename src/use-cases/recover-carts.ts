/**
 * Abandoned-cart recovery: a timed sequence of marketing reminders per cart, counted from the
 * cart's own time, that stops the moment an order comes in (by checkout or cart token, or by
 * the customer's phone after the cart's time), when the cart completes, when the customer opts
 * out, or when the cart is too old. Every reminder that is not sent records why.
 */
import type { Cart, Order } from '../domain/events/model.js';
import { endOfQuietHours } from '../domain/carts/quiet-hours.js';
import type { CartRecord, CartState, CartStore } from '../domain/ports/cart-store.js';
import type { Clock } from '../domain/ports/clock.js';
import type { CustomerStore } from '../domain/ports/customer-store.js';
import type { EventStore, StoredEvent } from '../domain/ports/event-store.js';
import type { IdGenerator } from '../domain/ports/ids.js';
import type { LinkStore } from '../domain/ports/link-store.js';
import { redirectTarget } from '../domain/links/redirect-target.js';
import type { MessageStore } from '../domain/ports/message-store.js';
import type { StoredTenant, TenantStore } from '../domain/ports/tenant-store.js';
import { firstUsablePhone, readCustomerPhone } from '../domain/recipients/customer-phone.js';
import { countryOfDigits } from '../domain/recipients/phone.js';
import { customerPhone, orderPhones } from '../domain/recipients/phone-sources.js';
import { newCartRecord } from '../domain/carts/new-cart-record.js';
import { defaultCatalog, fixedBodyLength, type CatalogEntry, type CatalogKind } from '../domain/templates/default-catalog.js';
import { reminderMapping } from '../domain/templates/reminder-template.js';
import { renderTemplate } from '../domain/templates/render-template.js';
import { buildTemplateContext } from '../domain/templates/template-context.js';
import { durationMs } from '../domain/tenants/duration.js';
import type { JobResult } from '../worker/job-runner.js';
import { newLinkToken, sendJobFor, sequenceOf } from './plan-notifications.js';

export const CART_REMINDER_JOB = 'cart.remind';
const OPEN: ReadonlySet<CartState> = new Set(['pending', 'reminded']);
const ORDER_CONFIRMATIONS = ['order_confirmed', 'order_confirmed_cod'];

export const cartJobKey = (tenantId: string, cartKey: string) => `cart:${tenantId}:${cartKey}`;

/** A cart closed for want of something a later update of it may carry: a usable phone, recovery turned on. */
function awaitsUpdate(record: CartRecord): boolean {
  if (record.state !== 'skipped' || record.reason === null) return false;
  return record.reason === 'no_phone' || record.reason.startsWith('invalid_phone:') || record.reason === 'cart_recovery_disabled';
}

export interface CartRecoveryDeps {
  carts: CartStore;
  events: EventStore;
  tenants: TenantStore;
  messages: MessageStore;
  customers: CustomerStore;
  links: LinkStore;
  clock: Clock;
  ids: IdGenerator;
  publicUrl: string;
  /**
   * Whether some of the tenant's events wait to be planned later (parked while its sending is
   * far behind, see PlanningHorizon, or retrying): an order among them would stop a reminder,
   * so reminders wait for them.
   */
  eventsHeldBack?: (tenantId: string) => Promise<boolean>;
}

/** How long a reminder waits for held-back events to be planned before it looks again. */
export const HELD_BACK_EVENTS_WAIT_MS = 30_000;

export class CartRecovery {
  private readonly catalog: Record<CatalogKind, CatalogEntry>;

  constructor(private readonly deps: CartRecoveryDeps) {
    this.catalog = defaultCatalog(deps.publicUrl);
  }

  /** A stored event that matters to carts: a cart starts or updates a sequence, an order stops one. */
  async onEvent(tenantId: string, eventId: string): Promise<void> {
    const stored = await this.deps.events.get(tenantId, eventId);
    if (stored !== undefined) await this.onStoredEvent(stored);
  }

  /** As onEvent, for a caller that already holds the stored event. */
  async onStoredEvent(stored: StoredEvent): Promise<void> {
    const event = stored.normalized;
    if (event?.kind === 'cart_abandoned') await this.onCart(stored.tenantId, event.cart);
    if (event?.kind === 'order_created') await this.onOrder(stored.tenantId, event.order, stored.receivedAt);
  }

  async onCart(tenantId: string, cart: Cart): Promise<void> {
    const tenant = await this.deps.tenants.get(tenantId);
    if (tenant === undefined) return;
    const now = this.deps.clock.now();
    const found = await this.deps.carts.get(tenantId, cart.key);
    // Closed for what a later update can bring (Shopify's checkouts/create comes before the
    // customer types a phone, checkouts/update with it): the update opens it again.
    const existing = found !== undefined && awaitsUpdate(found) ? { ...found, state: 'pending' as const, reason: null } : found;
    if (existing !== undefined && !OPEN.has(existing.state)) return;
    // An older copy of the cart arriving late changes nothing.
    if (existing !== undefined && Date.parse(cart.cartTime) < existing.cartTime.getTime()) return;
    // Read as the order that recovers it reads its phone (onOrder), or the two would not match.
    const phone = readCustomerPhone(customerPhone(cart.customer), tenant.settings.defaultCountry);
    const record: CartRecord = {
      ...(existing ?? newCartRecord(this.deps.ids.next('cart'), tenantId, cart, now)),
      cart,
      token: cart.token,
      cartToken: cart.cartToken,
      customer: phone.ok ? phone.digits : null,
      cartTime: new Date(cart.cartTime),
      updatedAt: now,
    };
    if (cart.recovered) {
      return this.close(record, record.remindersSent > 0 ? 'recovered' : 'completed', cart.completedAt !== null ? 'checkout_completed' : 'order_placed', {
        orderId: cart.orderId,
        value: cart.total,
        currency: cart.currency,
      });
    }
    if (!tenant.settings.cartRecovery.enabled) return this.close(record, 'skipped', 'cart_recovery_disabled');
    if (!phone.ok) return this.close(record, 'skipped', phone.reason === 'missing' ? 'no_phone' : `invalid_phone:${phone.reason}`);
    // Moving the pending reminder to the new cart time; steps already sent are not repeated.
    await this.deps.carts.save(record, { key: cartJobKey(tenantId, cart.key), next: this.nextJob(tenant, record) });
  }

  async onOrder(tenantId: string, order: Order, receivedAt: Date): Promise<void> {
    const tenant = await this.deps.tenants.get(tenantId);
    if (tenant === undefined) return;
    // The number planning messages: a junk first phone falls through to the addresses' phones.
    const phone = firstUsablePhone(orderPhones(order), tenant.settings.defaultCountry);
    const orderTime = order.createdAt !== null ? new Date(order.createdAt) : receivedAt;
    const window = durationMs(tenant.settings.cartRecovery.attributionWindow);
    const open = await this.deps.carts.openForOrder(tenantId, {
      token: order.checkoutToken,
      cartToken: order.cartToken,
      customer: phone.ok ? phone.digits : null,
      since: new Date(orderTime.getTime() - window),
    });
    for (const cart of open) {
      const byToken =
        (order.checkoutToken !== null && (cart.token === order.checkoutToken || cart.cartKey === order.checkoutToken)) ||
        (order.cartToken !== null && (cart.cartToken === order.cartToken || cart.cartKey === order.cartToken));
      // By phone only for a cart left before the order: a cart started later is a new one.
      if (!byToken && cart.cartTime.getTime() > orderTime.getTime()) continue;
      await this.close({ ...cart, updatedAt: this.deps.clock.now() }, cart.remindersSent > 0 ? 'recovered' : 'completed', byToken ? 'order_by_token' : 'order_by_phone', {
        orderId: order.id,
        value: order.total,
        currency: order.currency,
      });
    }
  }

  /** The reminder job: checks every rule at its due time, then sends or records why not. */
  async remind(tenantId: string, cartKey: string, step: number): Promise<JobResult> {
    const { carts, customers, messages, clock } = this.deps;
    const record = await carts.get(tenantId, cartKey);
    if (record === undefined || !OPEN.has(record.state) || record.nextStep !== step) return { kind: 'done' };
    const tenant = await this.deps.tenants.get(tenantId);
    if (tenant === undefined) return { kind: 'done' };
    const settings = tenant.settings.cartRecovery;
    const now = clock.now();
    const updated = { ...record, updatedAt: now };

    // Turned off after the cart came: what was scheduled stops too.
    if (!settings.enabled) {
      await this.close(updated, 'skipped', 'cart_recovery_disabled');
      return { kind: 'done' };
    }
    if (settings.expireAfter !== null && now.getTime() > record.cartTime.getTime() + durationMs(settings.expireAfter)) {
      await this.close(updated, 'expired', 'older_than_expire_after');
      return { kind: 'done' };
    }
    const quietEnd = endOfQuietHours(now, tenant.settings.timezone, settings.quietHours);
    if (quietEnd !== null) return { kind: 'postpone', afterMs: quietEnd.getTime() - now.getTime(), reason: 'quiet hours' };
    if ((await this.deps.eventsHeldBack?.(tenantId)) === true) {
      return { kind: 'postpone', afterMs: HELD_BACK_EVENTS_WAIT_MS, reason: 'events waiting to be planned' };
    }
    // Late (held by quiet hours, or the service was down) and the next step is due too: only
    // the latest due step goes out, so the customer never gets two reminders at once.
    const following = settings.reminders[step + 1];
    if (following !== undefined && now.getTime() >= record.cartTime.getTime() + durationMs(following.after)) {
      return this.skipStep(tenant, updated, step, 'superseded');
    }

    if (!tenant.settings.notifications.cart_reminder.enabled) return this.skipStep(tenant, updated, step, 'kind_disabled');
    const customer = record.customer!;
    const optOut = (await customers.optOuts(tenantId, customer)).find((o) => o.scope === 'all' || o.scope === 'marketing');
    if (optOut !== undefined) {
      await this.close(updated, 'opted_out', `opted_out:${optOut.source}`);
      return { kind: 'done' };
    }
    if (countryOfDigits(customer) === 'US') {
      // Meta does not deliver marketing messages to US numbers.
      await this.recordSkip(tenant, updated, step, 'us_number');
      await this.close(updated, 'skipped', 'us_number');
      return { kind: 'done' };
    }
    const contact = await customers.contact(tenantId, customer);
    if (contact?.marketingPausedUntil !== null && contact?.marketingPausedUntil !== undefined && contact.marketingPausedUntil > now) {
      return this.skipStep(tenant, updated, step, 'marketing_limit');
    }
    const afterOrder = settings.suppression.afterOrderConfirmation;
    if (afterOrder !== null) {
      const since = new Date(now.getTime() - durationMs(afterOrder));
      const confirmations = await messages.recentToCustomer(tenantId, customer, ORDER_CONFIRMATIONS, since);
      // A confirmation that was never sent (skipped) does not count.
      if (confirmations.some((m) => m.state !== 'skipped')) {
        return this.skipStep(tenant, updated, step, 'recent_order_confirmation');
      }
    }
    const perCustomer = settings.suppression.perCustomer;
    if (perCustomer !== null) {
      const since = new Date(now.getTime() - durationMs(perCustomer));
      const others = (await messages.recentToCustomer(tenantId, customer, ['cart_reminder'], since)).filter(
        (m) => m.state !== 'skipped' && !m.dedupeKey.startsWith(`cart:${cartKey}|`),
      );
      if (others.length > 0) return this.skipStep(tenant, updated, step, 'customer_reminded_recently');
    }
    return this.send(tenant, updated, step);
  }

  private async send(tenant: StoredTenant, record: CartRecord, step: number): Promise<JobResult> {
    const { messages, links, clock, ids } = this.deps;
    const now = clock.now();
    const settings = tenant.settings.cartRecovery;
    const reminders = settings.reminders;
    const last = step === reminders.length - 1;
    const discount = last ? settings.discountCode : null;
    const mapping = reminderMapping(reminders[step]?.template ?? null, tenant.settings.notifications.cart_reminder.template, discount !== null, this.catalog);
    const messageId = ids.next('msg');
    const linkToken = newLinkToken();
    await links.create({ token: linkToken, tenantId: tenant.id, messageId, target: redirectTarget(record.cart.recoveryUrl), createdAt: now });
    const rendered = renderTemplate(
      mapping,
      buildTemplateContext({ cart: record.cart, storeName: tenant.name, linkToken, discountCode: discount, timeZone: tenant.settings.timezone, locale: tenant.settings.locale }),
      { bodyFixedLength: fixedBodyLength(this.catalog, mapping.name) },
    );
    if (!rendered.ok) return this.skipStep(tenant, record, step, `missing_parameter:${rendered.missing.map((m) => `${m.component}${m.index}`).join(',')}`);
    const planned = await messages.plan(
      {
        id: messageId,
        tenantId: tenant.id,
        eventId: null,
        dedupeKey: this.dedupeKey(record, step),
        sequence: sequenceOf(messageId),
        kind: 'cart_reminder',
        category: 'marketing',
        orderId: null,
        recipient: record.customer,
        state: 'queued',
        skipReason: null,
        body: {
          messaging_product: 'whatsapp',
          recipient_type: 'individual',
          to: record.customer!,
          type: 'template',
          template: rendered.template,
          biz_opaque_callback_data: messageId,
        },
        createdAt: now,
      },
      sendJobFor(tenant.id, messageId, now),
    );
    const next: CartRecord = {
      ...record,
      state: 'reminded',
      remindersSent: record.remindersSent + (planned ? 1 : 0),
      lastRemindedAt: now,
      nextStep: step + 1,
      reason: null,
    };
    await this.deps.carts.save(next, { key: cartJobKey(tenant.id, record.cartKey), next: this.nextJob(tenant, next) });
    return { kind: 'done' };
  }

  /** This step is not sent (recorded with its reason); the sequence goes on with the next one. */
  private async skipStep(tenant: StoredTenant, record: CartRecord, step: number, reason: string): Promise<JobResult> {
    await this.recordSkip(tenant, record, step, reason);
    const next: CartRecord = { ...record, nextStep: step + 1, reason };
    await this.deps.carts.save(next, { key: cartJobKey(tenant.id, record.cartKey), next: this.nextJob(tenant, next) });
    return { kind: 'done' };
  }

  private async recordSkip(tenant: StoredTenant, record: CartRecord, step: number, reason: string): Promise<void> {
    const id = this.deps.ids.next('msg');
    await this.deps.messages.plan(
      {
        id,
        tenantId: tenant.id,
        eventId: null,
        dedupeKey: this.dedupeKey(record, step),
        sequence: sequenceOf(id),
        kind: 'cart_reminder',
        category: 'marketing',
        orderId: null,
        recipient: record.customer,
        state: 'skipped',
        skipReason: reason,
        body: null,
        createdAt: this.deps.clock.now(),
      },
      null,
    );
  }

  private dedupeKey(record: CartRecord, step: number): string {
    return `cart:${record.cartKey}|${record.cartTime.getTime()}|${step}`;
  }

  private nextJob(tenant: StoredTenant, record: CartRecord) {
    const step = tenant.settings.cartRecovery.reminders[record.nextStep];
    if (step === undefined) return null;
    return {
      kind: CART_REMINDER_JOB,
      payload: { cartKey: record.cartKey, step: record.nextStep },
      tenantId: tenant.id,
      runAt: new Date(record.cartTime.getTime() + durationMs(step.after)),
    };
  }

  private async close(
    record: CartRecord,
    state: CartState,
    reason: string,
    recovered?: { orderId: string | null; value: string | null; currency: string | null },
  ): Promise<void> {
    const closed: CartRecord = {
      ...record,
      state,
      reason,
      ...(state === 'recovered' && recovered !== undefined
        ? {
            recoveredOrderId: recovered.orderId,
            recoveredValue: recovered.value,
            recoveredCurrency: recovered.currency,
            recoveredAfterStep: record.remindersSent,
          }
        : {}),
    };
    await this.deps.carts.save(closed, { key: cartJobKey(record.tenantId, record.cartKey), next: null });
  }
}
