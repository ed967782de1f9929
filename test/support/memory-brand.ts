/**
 * An in-memory brand for assistant tests: orders and customers in maps, every call recorded,
 * and the next calls scriptable to fail the way a real brand does (timeout, 5xx, garbage).
 * The HTTP client itself is tested against the reference brand server.
 */
import type { BrandApi, BrandCancelResult, BrandCustomer, BrandFailureKind, BrandLookup } from '../../src/domain/ports/brand-api.js';
import type { Order } from '../../src/domain/events/model.js';

export class MemoryBrand implements BrandApi {
  readonly orders = new Map<string, Order>();
  readonly customers = new Map<string, BrandCustomer>();
  readonly calls: string[] = [];
  readonly cancels: { id: string; reason: string }[] = [];
  private failures: BrandFailureKind[] = [];

  failNext(...kinds: BrandFailureKind[]): void {
    this.failures.push(...kinds);
  }

  /** get-orders lists every order twice (a brand's join gone wrong). */
  listsTwice = false;
  /** get-orders lists summaries: no items, no tracking (the order itself has them). */
  listsSummaries = false;

  /** The next call answers only after `meanwhile` has run (something happening while the brand is slow). */
  duringNextCall(meanwhile: () => Promise<void>): void {
    this.meanwhile = meanwhile;
  }
  private meanwhile: (() => Promise<void>) | null = null;

  private async slow(): Promise<void> {
    const meanwhile = this.meanwhile;
    this.meanwhile = null;
    if (meanwhile !== null) await meanwhile();
  }

  /** From now on every call fails this way (after any failNext), until called with null: an outage. */
  failAll(kind: BrandFailureKind | null): void {
    this.outage = kind;
  }
  private outage: BrandFailureKind | null = null;

  /** The next cancel fails this way without cancelling (other calls are unaffected). */
  failCancel(kind: BrandFailureKind): void {
    this.cancelFailure = { kind, after: false };
  }

  /** The next cancel is carried out, but its answer is lost this way (a brand slower than our timeout). */
  cancelThenFail(kind: BrandFailureKind): void {
    this.cancelFailure = { kind, after: true };
  }
  private cancelFailure: { kind: BrandFailureKind; after: boolean } | null = null;

  private failure(): { kind: 'failure'; failure: BrandFailureKind; cause: string; httpStatus: number | null } | null {
    const kind = this.failures.shift() ?? this.outage ?? undefined;
    return kind === undefined ? null : { kind: 'failure', failure: kind, cause: `scripted ${kind}`, httpStatus: kind === 'unavailable' ? 503 : null };
  }

  async getOrder(orderId: string): Promise<BrandLookup<Order>> {
    await this.slow();
    this.calls.push(`getOrder ${orderId}`);
    const order = this.orders.get(orderId);
    return this.failure() ?? (order === undefined ? { kind: 'not_found' } : { kind: 'found', value: order });
  }

  async customerByPhone(e164: string): Promise<BrandLookup<BrandCustomer>> {
    await this.slow();
    this.calls.push(`customerByPhone ${e164}`);
    const customer = this.customers.get(e164);
    return this.failure() ?? (customer === undefined ? { kind: 'not_found' } : { kind: 'found', value: customer });
  }

  async customerByEmail(email: string): Promise<BrandLookup<BrandCustomer>> {
    await this.slow();
    this.calls.push(`customerByEmail ${email}`);
    const customer = [...this.customers.values()].find((c) => c.email === email);
    return this.failure() ?? (customer === undefined ? { kind: 'not_found' } : { kind: 'found', value: customer });
  }

  async recentOrders(e164: string): Promise<BrandLookup<Order[]>> {
    await this.slow();
    this.calls.push(`recentOrders ${e164}`);
    const digits = e164.replace(/\D/g, '');
    let mine = [...this.orders.values()].filter((o) => (o.customer.phone ?? '').replace(/\D/g, '').endsWith(digits.slice(-10))).slice(-3).reverse();
    if (this.listsTwice) mine = [...mine, ...mine];
    if (this.listsSummaries) mine = mine.map((o) => ({ ...o, lineItems: [], tracking: null }));
    return this.failure() ?? (mine.length === 0 ? { kind: 'not_found' } : { kind: 'found', value: mine });
  }

  async cancelOrder(orderId: string, reason: string): Promise<BrandCancelResult> {
    await this.slow();
    this.calls.push(`cancelOrder ${orderId}`);
    const failed = this.failure();
    if (failed !== null) return failed;
    const scripted = this.cancelFailure;
    this.cancelFailure = null;
    if (scripted?.after === false) return { kind: 'failure', failure: scripted.kind, cause: `scripted ${scripted.kind}`, httpStatus: null };
    const order = this.orders.get(orderId);
    if (order === undefined) return { kind: 'not_found' };
    this.cancels.push({ id: orderId, reason });
    this.orders.set(orderId, { ...order, cancelledAt: '2026-03-01T10:00:00.000Z' });
    if (scripted !== null) return { kind: 'failure', failure: scripted.kind, cause: `scripted ${scripted.kind} after cancelling`, httpStatus: null };
    return { kind: 'cancelled' };
  }
}
