/**
 * The reference brand's own database: customers and orders in one SQLite file (or in
 * memory). A real store has its own schema; what matters for Orderline is only what the
 * five endpoints answer, so this one is as small as it can be while staying honest:
 *
 * - customers are keyed by phone, stored as digits with the country code ("919812345678"),
 *   so a look-up works whatever form the caller used (see phone-key.ts);
 * - an order keeps the document the shop's system holds (`body`, BusinessOnBot's camelCase
 *   order) beside the few columns the endpoints query or change: whose it is, its
 *   fulfilment status and, once cancelled, by whom and why.
 */
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';

/** Where an order is in the shop: only an `open` one can still be cancelled. */
export type OrderStatus = 'open' | 'shipped' | 'delivered' | 'cancelled';

export const ORDER_STATUSES: readonly OrderStatus[] = ['open', 'shipped', 'delivered', 'cancelled'];

export interface CustomerRow {
  phone: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  /** Shopify-style address objects, as the shop stores them. */
  addresses: Record<string, unknown>[];
}

export interface OrderRow {
  id: string;
  phone: string;
  status: OrderStatus;
  createdAt: string;
  body: Record<string, unknown>;
  cancelledAt: string | null;
  cancellationReason: string | null;
  cancelledBy: string | null;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS customers (
    phone       TEXT PRIMARY KEY,
    first_name  TEXT,
    last_name   TEXT,
    email       TEXT COLLATE NOCASE,
    addresses   TEXT NOT NULL DEFAULT '[]'
  );
  CREATE INDEX IF NOT EXISTS customers_by_email ON customers (email);
  CREATE TABLE IF NOT EXISTS orders (
    id                   TEXT PRIMARY KEY,
    phone                TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('open', 'shipped', 'delivered', 'cancelled')),
    created_at           TEXT NOT NULL,
    body                 TEXT NOT NULL,
    cancelled_at         TEXT,
    cancellation_reason  TEXT,
    cancelled_by         TEXT
  );
  CREATE INDEX IF NOT EXISTS orders_by_phone ON orders (phone, created_at DESC);
`;

interface CustomerRecord {
  phone: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  addresses: string;
}

interface OrderRecord {
  id: string;
  phone: string;
  status: OrderStatus;
  created_at: string;
  body: string;
  cancelled_at: string | null;
  cancellation_reason: string | null;
  cancelled_by: string | null;
}

function customerOf(r: CustomerRecord): CustomerRow {
  return {
    phone: r.phone,
    firstName: r.first_name,
    lastName: r.last_name,
    email: r.email,
    addresses: JSON.parse(r.addresses) as Record<string, unknown>[],
  };
}

function orderOf(r: OrderRecord): OrderRow {
  return {
    id: r.id,
    phone: r.phone,
    status: r.status,
    createdAt: r.created_at,
    body: JSON.parse(r.body) as Record<string, unknown>,
    cancelledAt: r.cancelled_at,
    cancellationReason: r.cancellation_reason,
    cancelledBy: r.cancelled_by,
  };
}

export class BrandStore {
  private readonly db: Database;

  /** `file`: a path, or ":memory:" for a store that lives as long as the process. */
  constructor(file = ':memory:') {
    this.db = new BetterSqlite3(file);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
  }

  customerByPhone(phone: string): CustomerRow | null {
    const r = this.db.prepare<[string], CustomerRecord>('SELECT * FROM customers WHERE phone = ?').get(phone);
    return r === undefined ? null : customerOf(r);
  }

  customerByEmail(email: string): CustomerRow | null {
    const r = this.db.prepare<[string], CustomerRecord>('SELECT * FROM customers WHERE email = ? LIMIT 1').get(email);
    return r === undefined ? null : customerOf(r);
  }

  order(id: string): OrderRow | null {
    const r = this.db.prepare<[string], OrderRecord>('SELECT * FROM orders WHERE id = ?').get(id);
    return r === undefined ? null : orderOf(r);
  }

  /** The customer's latest orders, newest first. */
  recentOrders(phone: string, limit: number): OrderRow[] {
    return this.db
      .prepare<[string, number], OrderRecord>('SELECT * FROM orders WHERE phone = ? ORDER BY created_at DESC, id DESC LIMIT ?')
      .all(phone, limit)
      .map(orderOf);
  }

  /** Adds or replaces a customer (seed data, tests). */
  putCustomer(c: CustomerRow): void {
    this.db
      .prepare('INSERT OR REPLACE INTO customers (phone, first_name, last_name, email, addresses) VALUES (?, ?, ?, ?, ?)')
      .run(c.phone, c.firstName, c.lastName, c.email, JSON.stringify(c.addresses));
  }

  /** Adds an order; false when its id is taken. */
  addOrder(o: Omit<OrderRow, 'cancelledAt' | 'cancellationReason' | 'cancelledBy'>): boolean {
    const result = this.db
      .prepare('INSERT OR IGNORE INTO orders (id, phone, status, created_at, body) VALUES (?, ?, ?, ?, ?)')
      .run(o.id, o.phone, o.status, o.createdAt, JSON.stringify(o.body));
    return result.changes === 1;
  }

  /**
   * Cancels an open order. The status check and the update are one statement, so two
   * cancels racing a shipment cannot both win.
   */
  cancel(id: string, reason: string, by: string, at: string): boolean {
    const result = this.db
      .prepare(
        `UPDATE orders SET status = 'cancelled', cancelled_at = ?, cancellation_reason = ?, cancelled_by = ?
         WHERE id = ? AND status = 'open'`,
      )
      .run(at, reason, by, id);
    return result.changes === 1;
  }

  close(): void {
    this.db.close();
  }
}
