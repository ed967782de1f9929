/**
 * Abandoned carts and where their reminder sequence stands. Saving a cart replaces its one
 * pending reminder job (found by key), in the same transaction, so a sequence is moved or
 * stopped with one indexed write.
 */
import type { Cart } from '../events/model.js';
import type { JobSpec } from './job-queue.js';
import type { Page, PageRequest } from './page.js';

export type CartState = 'pending' | 'reminded' | 'recovered' | 'completed' | 'expired' | 'opted_out' | 'skipped';

export interface CartRecord {
  id: string;
  tenantId: string;
  cartKey: string;
  token: string | null;
  cartToken: string | null;
  /** The customer's number as digits, when usable. */
  customer: string | null;
  cart: Cart;
  cartTime: Date;
  state: CartState;
  remindersSent: number;
  nextStep: number;
  lastRemindedAt: Date | null;
  /** Why the cart stopped or why its last step was skipped. */
  reason: string | null;
  recoveredOrderId: string | null;
  recoveredValue: string | null;
  recoveredCurrency: string | null;
  recoveredAfterStep: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface CartStats {
  carts: number;
  remindedCarts: number;
  remindersSent: number;
  recoveredCarts: number;
  /** Recovered revenue per currency (decimal strings summed). */
  recoveredRevenue: Record<string, number>;
}

export interface CartStore {
  get(tenantId: string, cartKey: string): Promise<CartRecord | undefined>;
  /** Writes the cart and replaces its pending reminder job (`job` null: none pending). */
  save(cart: CartRecord, job: { key: string; next: JobSpec | null }): Promise<void>;
  /** Carts still in their sequence that an order may close: same checkout/cart token, or the same customer since `since`. */
  openForOrder(tenantId: string, match: { token: string | null; cartToken: string | null; customer: string | null; since: Date }): Promise<CartRecord[]>;
  list(tenantId: string, page: PageRequest): Promise<Page<CartRecord>>;
  stats(tenantId: string): Promise<CartStats>;
}
