/**
 * Turns a stored event into its notification: which kind, to whom, with which template and
 * parameters. Every event that should notify ends as exactly one message row: queued with its
 * send job, or skipped with the reason (disabled, cancelled order, no usable phone, unknown
 * order, a parameter with no value, the brand failing the look-up that would have filled the
 * gap). Re-running is harmless: one message per (event, kind).
 *
 * A brand that failed a look-up (as opposed to answering "not found") says nothing about the
 * customer or the order, so it is not taken as "no phone" or "unknown order": a caller that
 * can run the planning again later (`mayRetry`) is told to, and only once it cannot is the
 * message skipped as `brand_api_<failure>` and the operator alerted.
 */
import { randomBytes } from 'node:crypto';
import type { DeliveryUpdate, Fulfillment, NormalizedEvent, Order } from '../domain/events/model.js';
import { AFTER_SHIPPING, notificationKindFor, orderIdOf } from '../domain/notifications/notification-for-event.js';
import type { Clock } from '../domain/ports/clock.js';
import type { EventStore, StoredEvent } from '../domain/ports/event-store.js';
import type { IdGenerator } from '../domain/ports/ids.js';
import type { LinkStore } from '../domain/ports/link-store.js';
import type { OutgoingMessage } from '../domain/ports/message-sender.js';
import type { MessageStore, NewMessage } from '../domain/ports/message-store.js';
import type { AlertStore } from '../domain/ports/alert-store.js';
import type { BrandApi, BrandFailure, BrandLookup } from '../domain/ports/brand-api.js';
import type { StoredTenant, TenantStore } from '../domain/ports/tenant-store.js';
import { firstRedirectTarget } from '../domain/links/redirect-target.js';
import { firstUsablePhone, readCustomerPhone, type WrittenPhone } from '../domain/recipients/customer-phone.js';
import { brandCustomerPhone, customerPhone, fulfillmentPhone, orderPhone, orderPhones } from '../domain/recipients/phone-sources.js';
import { defaultCatalog, fixedBodyLength, type CatalogEntry, type CatalogKind } from '../domain/templates/default-catalog.js';
import { renderTemplate } from '../domain/templates/render-template.js';
import { buildTemplateContext } from '../domain/templates/template-context.js';

export const SEND_MESSAGE_JOB = 'message.send';

export type PlanOutcome =
  | { planned: 'queued' | 'skipped'; messageId: string; reason?: string }
  /** Planned before (the job ran twice, a replay): nothing new was stored. */
  | { planned: 'duplicate' }
  /** Nothing to plan: no plan was written. */
  | { planned: 'nothing'; reason: string }
  /** The brand failed a look-up the plan needs and the caller may try later (`mayRetry`): no plan was written. */
  | { planned: 'retry'; reason: string };

export interface PlanOptions {
  /** The queued job doing this planning: finished in the commit that stores the plan (MessageStore.plan). */
  finishing?: string;
  /**
   * The caller will plan this event again if asked (a job with attempts left). Without it, a
   * look-up the brand failed ends the plan as a skip naming the failure.
   */
  mayRetry?: boolean;
}

export interface PlannerDeps {
  /** The brand's APIs, to fill gaps (an unknown order, a missing phone); null when it has none. */
  brandFor?: (tenant: StoredTenant) => Promise<BrandApi | null>;
  /** Told when a message is skipped because the brand kept failing a look-up. */
  alerts?: Pick<AlertStore, 'raise'>;
  events: EventStore;
  tenants: TenantStore;
  messages: MessageStore;
  links: LinkStore;
  clock: Clock;
  ids: IdGenerator;
  publicUrl: string;
}

interface OrderFacts {
  order: Order | null;
  fulfillment: Fulfillment | null;
  delivery: DeliveryUpdate | null;
  /** The phone to write to, with its country; null when the facts name none. */
  phone: WrittenPhone | null;
  /** A look-up the brand failed (not "not found"): what these facts lack may exist. */
  brandFailure: BrandFailure | null;
}

/** A cancellation body may be thinner than the order it cancels: take what it lacks from the order. */
function withGapsFilled(order: Order, earlier: Order): Order {
  const or = <T>(value: T | null, fallback: T | null): T | null => value ?? fallback;
  const phoneFrom = order.customer.phone !== null ? order.customer : earlier.customer;
  const shippingAddress = or(order.shippingAddress, earlier.shippingAddress);
  const billingAddress = or(order.billingAddress, earlier.billingAddress);
  return {
    ...order,
    number: or(order.number, earlier.number),
    total: or(order.total, earlier.total),
    currency: or(order.currency, earlier.currency),
    statusUrl: or(order.statusUrl, earlier.statusUrl),
    shippingAddress,
    billingAddress,
    tracking: or(order.tracking, earlier.tracking),
    shipmentStatus: or(order.shipmentStatus, earlier.shipmentStatus),
    lineItems: order.lineItems.length > 0 ? order.lineItems : earlier.lineItems,
    payment: order.payment === 'unknown' ? earlier.payment : order.payment,
    customer: {
      firstName: or(order.customer.firstName, earlier.customer.firstName),
      lastName: or(order.customer.lastName, earlier.customer.lastName),
      email: or(order.customer.email, earlier.customer.email),
      // A phone keeps the country it came with; a cancellation's bare phone takes the order's.
      phone: phoneFrom.phone,
      phoneCountry: phoneFrom.phoneCountry ?? shippingAddress?.countryCode ?? billingAddress?.countryCode ?? null,
    },
  };
}

function nullWithout(written: WrittenPhone): WrittenPhone | null {
  return written.phone === null ? null : written;
}

function orderPhoneOrNull(order: Order): WrittenPhone | null {
  return nullWithout(orderPhone(order));
}

/**
 * The order's customer gets every message of the order (in order); the shipping
 * destination's phone is only the fallback for an order we never saw or that names none.
 */
function phoneOf(order: Order | null, fulfillment: Fulfillment | null): WrittenPhone | null {
  return (order === null ? null : orderPhoneOrNull(order)) ?? (fulfillment === null ? null : nullWithout(fulfillmentPhone(fulfillment, order)));
}

/** The time-ordered part of an id (`evt_01k…` → `01k…`), comparable across kinds of ids. */
export function sequenceOf(id: string): string {
  return id.slice(id.indexOf('_') + 1);
}

export function newLinkToken(): string {
  return randomBytes(9).toString('base64url');
}

export function sendJobFor(tenantId: string, messageId: string, runAt: Date) {
  return { kind: SEND_MESSAGE_JOB, payload: { messageId }, key: `send:${messageId}`, tenantId, runAt };
}

export class NotificationPlanner {
  private readonly catalog: Record<CatalogKind, CatalogEntry>;

  constructor(private readonly deps: PlannerDeps) {
    this.catalog = defaultCatalog(deps.publicUrl);
  }

  async planForEvent(tenantId: string, eventId: string): Promise<PlanOutcome> {
    const stored = await this.deps.events.get(tenantId, eventId);
    if (stored === undefined) return { planned: 'nothing', reason: 'event not found' };
    return this.planFor(stored);
  }

  /**
   * As planForEvent, for a caller that already holds the stored event. Every outcome but
   * 'nothing' wrote a plan, and with it finished `options.finishing`.
   */
  async planFor(stored: StoredEvent, options: PlanOptions = {}): Promise<PlanOutcome> {
    const { events, tenants, messages, clock, ids } = this.deps;
    const { tenantId, id: eventId } = stored;
    const finishing = options.finishing ?? null;
    const event = stored.normalized;
    if (event === null) return { planned: 'nothing', reason: 'the stored body no longer reads as its kind' };
    const kind = notificationKindFor(event);
    if (kind === null) return { planned: 'nothing', reason: `no notification for ${event.kind}` };
    const tenant = await tenants.get(tenantId);
    if (tenant === undefined) return { planned: 'nothing', reason: 'tenant not found' };

    const now = clock.now();
    const orderId = orderIdOf(event);
    const base: NewMessage = {
      id: ids.next('msg'),
      tenantId,
      eventId,
      dedupeKey: `${eventId}:${kind}`,
      sequence: sequenceOf(eventId),
      kind,
      category: 'utility',
      orderId,
      recipient: null,
      state: 'skipped',
      skipReason: null,
      body: null,
      createdAt: now,
    };
    const skip = async (reason: string, recipient: string | null = null): Promise<PlanOutcome> => {
      const wrote = await messages.plan({ ...base, recipient, skipReason: reason }, null, finishing);
      return wrote ? { planned: 'skipped', messageId: base.id, reason } : { planned: 'duplicate' };
    };

    const setting = tenant.settings.notifications[kind];
    if (!setting.enabled) return skip('kind_disabled');
    if (AFTER_SHIPPING.has(kind) && orderId !== null && (await events.exists(tenantId, 'order_cancelled', orderId))) {
      return skip('order_cancelled');
    }
    const facts = await this.fillGaps(tenant, await this.factsOf(tenantId, event), orderId);
    let brandFailure = facts.brandFailure;
    /** A skip for want of something the brand failed to give is the brand's failure, not the reason. */
    const skipUnlessBrandFailed = async (reason: string, recipient: string | null = null): Promise<PlanOutcome> => {
      const failed = brandFailure;
      if (failed === null) return skip(reason, recipient);
      // A malformed answer is the brand's bug: asking again in a few minutes gets the same.
      if (options.mayRetry === true && failed.failure !== 'malformed') {
        return { planned: 'retry', reason: `the brand failed a look-up: ${failed.cause}` };
      }
      const skipped = await skip(`brand_api_${failed.failure}`, recipient);
      if (skipped.planned === 'skipped') {
        await this.deps.alerts?.raise({
          id: ids.next('alr'),
          tenantId,
          kind: `brand_api_${failed.failure}`,
          detail: `${kind} for order ${orderId ?? '(none)'} not sent: ${failed.cause}`,
          createdAt: clock.now(),
        });
      }
      return skipped;
    };
    if (facts.phone === null) return skipUnlessBrandFailed(facts.order === null && event.kind === 'delivery_updated' ? 'unknown_order' : 'no_phone');
    const { defaultCountry } = tenant.settings;
    // The first phone in the brief's order may be junk ("1234567" in Shopify's top-level
    // `phone`) while the addresses or the shipment hold the customer's real number.
    const order = facts.order;
    const candidates = [facts.phone, ...(order === null ? [] : orderPhones(order))];
    if (facts.fulfillment !== null) candidates.push(fulfillmentPhone(facts.fulfillment, order));
    let phone = firstUsablePhone(candidates, defaultCountry);
    if (!phone.ok) {
      const looked = await this.phoneByEmail(tenant, facts.order?.customer.email ?? facts.fulfillment?.email ?? null);
      if (looked.kind === 'found') phone = readCustomerPhone(looked.value, defaultCountry);
      if (looked.kind === 'failure') brandFailure = looked;
    }
    if (!phone.ok) return skipUnlessBrandFailed(`invalid_phone:${phone.reason}`);

    const mapping = setting.template ?? this.catalog[kind].mapping;
    const usesLink = JSON.stringify(mapping).includes('link.token');
    let linkToken: string | null = null;
    if (usesLink) {
      linkToken = newLinkToken();
      // A link the brand wrote unusably (no scheme, a space inside) must not shadow the next one.
      const target = firstRedirectTarget(facts.fulfillment?.tracking.url, facts.order?.tracking?.url, facts.order?.statusUrl);
      await this.deps.links.create({ token: linkToken, tenantId, messageId: base.id, target, createdAt: now });
    }
    const context = buildTemplateContext({
      order: facts.order,
      fulfillment: facts.fulfillment,
      delivery: facts.delivery,
      storeName: tenant.name,
      linkToken,
      timeZone: tenant.settings.timezone,
      locale: tenant.settings.locale,
    });
    const rendered = renderTemplate(mapping, context, { bodyFixedLength: fixedBodyLength(this.catalog, mapping.name) });
    if (!rendered.ok) {
      const missing = rendered.missing.map((m) => `${m.component}${m.index}`).join(',');
      return skipUnlessBrandFailed(`missing_parameter:${missing}`, phone.digits);
    }
    const body: OutgoingMessage = {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: phone.digits,
      type: 'template',
      template: rendered.template,
      biz_opaque_callback_data: base.id,
    };
    const planned = await messages.plan(
      { ...base, state: 'queued', recipient: phone.digits, body },
      sendJobFor(tenantId, base.id, now),
      finishing,
    );
    return planned ? { planned: 'queued', messageId: base.id } : { planned: 'duplicate' };
  }

  /**
   * What our own records lack, asked of the brand: an order Orderline never saw (a delivery
   * update for it), and a phone for an event that has only an email. A failed look-up is
   * kept in `brandFailure`.
   */
  private async fillGaps(tenant: StoredTenant, facts: OrderFacts, orderId: string | null): Promise<OrderFacts> {
    let filled = facts;
    if (filled.order === null && orderId !== null && this.deps.brandFor !== undefined) {
      const brand = await this.deps.brandFor(tenant);
      const found = brand === null ? null : await brand.getOrder(orderId);
      if (found?.kind === 'found') filled = { ...filled, order: found.value, phone: filled.phone ?? orderPhoneOrNull(found.value) };
      if (found?.kind === 'failure') filled = { ...filled, brandFailure: found };
    }
    if (filled.phone === null) {
      const looked = await this.phoneByEmail(tenant, filled.order?.customer.email ?? filled.fulfillment?.email ?? null);
      if (looked.kind === 'found') filled = { ...filled, phone: looked.value };
      if (looked.kind === 'failure') filled = { ...filled, brandFailure: filled.brandFailure ?? looked };
    }
    return filled;
  }

  /** The phone the brand has for an email: not_found also when there is no email, no brand API, or no phone. */
  private async phoneByEmail(tenant: StoredTenant, email: string | null): Promise<BrandLookup<WrittenPhone>> {
    if (email === null || this.deps.brandFor === undefined) return { kind: 'not_found' };
    const brand = await this.deps.brandFor(tenant);
    if (brand === null) return { kind: 'not_found' };
    const customer = await brand.customerByEmail(email);
    if (customer.kind !== 'found') return customer;
    return customer.value.phone === null ? { kind: 'not_found' } : { kind: 'found', value: brandCustomerPhone(customer.value) };
  }

  /** The order, fulfillment and delivery behind an event, and the phone to write to. */
  private async factsOf(tenantId: string, event: NormalizedEvent): Promise<OrderFacts> {
    const { events } = this.deps;
    const storedOrder = async (orderId: string): Promise<Order | null> => {
      const latest = await events.latestOf(tenantId, 'order_created', orderId);
      const normalized = latest?.normalized;
      return normalized?.kind === 'order_created' ? normalized.order : null;
    };
    switch (event.kind) {
      case 'order_created':
      case 'order_cancelled': {
        const earlier = event.kind === 'order_cancelled' ? await storedOrder(event.order.id) : null;
        const order = earlier === null ? event.order : withGapsFilled(event.order, earlier);
        return { order, fulfillment: null, delivery: null, phone: orderPhoneOrNull(order), brandFailure: null };
      }
      case 'fulfillment_created': {
        const order = await storedOrder(event.fulfillment.orderId);
        return { order, fulfillment: event.fulfillment, delivery: null, phone: phoneOf(order, event.fulfillment), brandFailure: null };
      }
      case 'delivery_updated': {
        const order = await storedOrder(event.delivery.orderId);
        const latest = await events.latestOf(tenantId, 'fulfillment_created', event.delivery.fulfillmentId);
        const f = latest?.normalized as NormalizedEvent | undefined;
        const fulfillment = f?.kind === 'fulfillment_created' ? f.fulfillment : null;
        return { order, fulfillment, delivery: event.delivery, phone: phoneOf(order, fulfillment), brandFailure: null };
      }
      case 'cart_abandoned':
        return { order: null, fulfillment: null, delivery: null, phone: nullWithout(customerPhone(event.cart.customer)), brandFailure: null };
    }
  }
}
