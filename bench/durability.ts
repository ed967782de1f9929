/**
 * After the service is stopped: every order it answered 2xx must be in `events`, and
 * nothing else may be, apart from requests that autocannon cut off in flight when a run's
 * time was up (the service completed them, the client had already closed the connection).
 */
import BetterSqlite3 from 'better-sqlite3';
import type { AnswerLedger } from './ledger.js';
import type { OrderBodies } from './order-body.js';

export interface DurabilityReport {
  /** Rows in `events` (all tenants, all kinds). */
  stored: number;
  /** Requests the service answered 2xx. */
  answered2xx: number;
  /** Stored orders whose answer the client never read (cut off at the end of a run). */
  storedCutOff: number;
  /** Answered 2xx but not stored: a durability failure. */
  missing: number;
  /** Stored but answered non-2xx, stored twice, or never sent: a correctness failure. */
  unexpected: number;
  ok: boolean;
}

export function checkDurability(file: string, tenantId: string, ledger: AnswerLedger, bodies: OrderBodies): DurabilityReport {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    const total: unknown = db.prepare('select count(*) from events').pluck().get();
    const keys: unknown[] = db
      .prepare("select resource_key from events where tenant_id = ? and kind = 'order_created'")
      .pluck()
      .all(tenantId);
    const seen = new Set<string>();
    let storedCutOff = 0;
    let unexpected = 0;
    for (const key of keys) {
      if (typeof key !== 'string' || seen.has(key) || !bodies.wasIssued(key)) {
        unexpected++;
        continue;
      }
      seen.add(key);
      if (ledger.ok.has(key)) continue;
      if (ledger.answered(key)) unexpected++;
      else storedCutOff++;
    }
    let missing = 0;
    for (const id of ledger.ok) if (!seen.has(id)) missing++;
    const stored = typeof total === 'number' ? total : Number(total);
    unexpected += stored - keys.length; // rows of other tenants or kinds
    return {
      stored,
      answered2xx: ledger.ok.size,
      storedCutOff,
      missing,
      unexpected,
      ok: missing === 0 && unexpected === 0 && stored === ledger.ok.size + storedCutOff,
    };
  } finally {
    db.close();
  }
}
