/**
 * What the order assistant and the notifier ask of a brand's own backend (the seed's "APIs
 * for Internal Usage"): one order, a customer by phone or email, a customer's recent orders,
 * and cancelling an order. Designed from the caller's side: every call resolves to a typed
 * result and never throws for anything the brand does, so a conversation branches on
 * `kind` and answers politely whatever the brand's state.
 *
 * Deliberately left out: HTTP details (paths, headers, phone formats, status codes),
 * retries, timeouts and circuit breaking (the adapter's business), look-up by order number
 * (the brand APIs have none: the caller matches `Order.number` in `recentOrders`), and any
 * write other than cancelling.
 */
import type { Address, Order } from '../events/model.js';

/**
 * Why a call gave no answer the caller can use. Each kind suggests a different reply:
 * - `timeout`: no answer in time (or the caller cancelled); the brand may be slow.
 * - `unavailable`: 5xx, network error, the key refused, or the circuit is open after
 *   repeated failures; try again later.
 * - `malformed`: the brand answered, but not in any of the contract's shapes.
 * - `refused`: a cancel the brand declined (e.g. the order has shipped).
 */
export type BrandFailureKind = 'timeout' | 'unavailable' | 'malformed' | 'refused';

export interface BrandFailure {
  kind: 'failure';
  failure: BrandFailureKind;
  /** For operators and logs: what happened, in plain words. Never holds the API key. */
  cause: string;
  /** The brand's HTTP status when it answered at all, else null. */
  httpStatus: number | null;
}

export interface BrandFound<T> {
  kind: 'found';
  value: T;
}

/** The brand answered that it has no such thing (404, its 400 failure envelope, or an empty 200). */
export interface BrandNotFound {
  kind: 'not_found';
}

export type BrandLookup<T> = BrandFound<T> | BrandNotFound | BrandFailure;

export type BrandCancelResult = { kind: 'cancelled' } | BrandNotFound | BrandFailure;

/** A customer as the brand knows them. Absent values are null, as in the event model. */
export interface BrandCustomer {
  firstName: string | null;
  lastName: string | null;
  /** As the brand sent it (not normalised: the caller knows the tenant's default country). */
  phone: string | null;
  email: string | null;
  addresses: Address[];
}

export interface BrandCallOptions {
  /** Ends the call early (e.g. the conversation moved on); the result is then `timeout`. */
  signal?: AbortSignal;
}

/** How many orders `recentOrders` returns at most (the seed's "last 3 orders"). */
export const RECENT_ORDERS_LIMIT = 3;

export interface BrandApi {
  getOrder(orderId: string, options?: BrandCallOptions): Promise<BrandLookup<Order>>;
  /** `e164`: "+919812345678" (a leading "+" may be omitted). */
  customerByPhone(e164: string, options?: BrandCallOptions): Promise<BrandLookup<BrandCustomer>>;
  customerByEmail(email: string, options?: BrandCallOptions): Promise<BrandLookup<BrandCustomer>>;
  /**
   * The customer's latest orders as the brand lists them, at most RECENT_ORDERS_LIMIT and
   * never empty: a brand that lists none answers `not_found`.
   */
  recentOrders(e164: string, options?: BrandCallOptions): Promise<BrandLookup<Order[]>>;
  /** Never retried: a cancel whose answer was lost may have happened. */
  cancelOrder(orderId: string, reason: string, options?: BrandCallOptions): Promise<BrandCancelResult>;
}
