/**
 * The assistant's access to orders, with the security rule applied everywhere: a customer
 * sees and cancels only orders whose phone is the WhatsApp number they write from.
 */
import type { Order } from '../../domain/events/model.js';
import type { BrandApi, BrandFailure } from '../../domain/ports/brand-api.js';
import type { EventStore } from '../../domain/ports/event-store.js';
import { shipmentStage } from '../../domain/events/shipment-stage.js';
import { readCustomerPhone, type WrittenPhone } from '../../domain/recipients/customer-phone.js';
import { orderPhones } from '../../domain/recipients/phone-sources.js';

export type OrderAccess =
  | { kind: 'mine'; order: Order; shipped: 'no' | 'shipped' | 'delivered' }
  | { kind: 'not_found' }
  | { kind: 'not_yours'; order: Order }
  | BrandFailure;

export class CustomerOrders {
  constructor(
    private readonly events: EventStore,
    private readonly tenantId: string,
    private readonly brand: BrandApi,
    private readonly customer: string,
    private readonly defaultCountry: string,
  ) {}

  get e164(): string {
    return `+${this.customer}`;
  }

  /** Whether one of the order's phones is this customer's number (read as planning reads it). */
  owns(order: Order): boolean {
    return orderPhones(order).some((written) => this.isCustomersPhone(written));
  }

  /** Whether a phone as the brand wrote it (with its country) is this customer's number; no phone is not. */
  isCustomersPhone(written: WrittenPhone): boolean {
    const phone = readCustomerPhone(written, this.defaultCountry);
    return phone.ok && phone.digits === this.customer;
  }

  async recent(): Promise<{ kind: 'found'; orders: Order[] } | { kind: 'not_found' } | BrandFailure> {
    const result = await this.brand.recentOrders(this.e164);
    if (result.kind !== 'found') return result;
    // The brand's list is for this phone, but only orders that say so are shown.
    // A brand listing one order twice would give two rows with one id, which Meta refuses (131009).
    const seen = new Set<string>();
    const mine = result.value.filter((o) => this.owns(o) && !seen.has(o.id) && seen.add(o.id));
    return mine.length === 0 ? { kind: 'not_found' } : { kind: 'found', orders: mine };
  }

  /** An order by id (a tap) or by the number a customer typed ("#2207"). */
  async find(ref: string, typed: boolean): Promise<OrderAccess> {
    let order: Order | null = null;
    if (typed) {
      // No look-up by number exists: match it in the customer's recent orders, then try it as an id.
      const recent = await this.brand.recentOrders(this.e164);
      if (recent.kind === 'failure') return recent;
      if (recent.kind === 'found') {
        order = recent.value.find((o) => [o.number, o.id].some((n) => n !== null && n.replace(/\D/g, '') === ref)) ?? null;
      }
      // The list may be a summary (no items, no tracking): the order itself, if the brand gives it.
      if (order !== null) {
        const full = await this.brand.getOrder(order.id);
        if (full.kind === 'found' && full.value.id === order.id) order = full.value;
      }
    }
    if (order === null) {
      const byId = await this.brand.getOrder(ref);
      if (byId.kind !== 'found') return byId;
      order = byId.value;
    }
    if (!this.owns(order)) return { kind: 'not_yours', order };
    return { kind: 'mine', order, shipped: await this.shippedState(order) };
  }

  /** What the brand says, else what Orderline saw (delivery updates, a tracking link). */
  private async shippedState(order: Order): Promise<'no' | 'shipped' | 'delivered'> {
    const stage = shipmentStage(order.shipmentStatus);
    if (stage === 'delivered') return 'delivered';
    if (stage === 'shipped') return 'shipped';
    // Delivery updates Orderline was sent are facts even when the brand's field lags behind;
    // a tracking link alone counts only when the brand says nothing (labels come before shipping).
    const rank = await this.events.deliveryProgressOf(this.tenantId, order.id);
    if (rank === 3) return 'delivered';
    if (rank > 0 || (stage === 'unknown' && order.tracking !== null)) return 'shipped';
    return 'no';
  }
}

export function statusText(order: Order, shipped: 'no' | 'shipped' | 'delivered'): string {
  if (order.cancelledAt !== null) return 'cancelled';
  if (shipped === 'delivered') return 'delivered';
  if (shipped === 'shipped') return 'shipped and on its way';
  return 'confirmed and being prepared';
}
