/** Operator alerts and the per-tenant sending pause (an expired access token stops all sends). */
import type { Page, PageRequest } from './page.js';

export interface Alert {
  id: string;
  tenantId: string;
  kind: string;
  detail: string;
  createdAt: Date;
  /** What it is about (`template:name:language`), when later news can resolve it. */
  subject?: string;
}

/** An alert as listed: how often it recurred after it was raised, and when it last did. */
export interface RaisedAlert extends Alert {
  repeats: number;
  lastAt: Date;
  /** When later news about its subject settled it (a paused template reinstated), or null. */
  resolvedAt: Date | null;
}

/** An alert with the same tenant, kind and detail within this long of its last occurrence is a repeat. */
export const ALERT_REPEAT_WINDOW_MS = 15 * 60_000;

export interface AlertStore {
  /** Raises the alert, or counts it on the same open one raised or repeated within ALERT_REPEAT_WINDOW_MS. */
  raise(alert: Alert): Promise<void>;
  /** Marks the tenant's open alerts about `subject` resolved; returns how many. */
  resolve(tenantId: string, subject: string, at: Date): Promise<number>;
  /** Newest first, a page at a time. */
  list(tenantId: string, page: PageRequest): Promise<Page<RaisedAlert>>;
  pauseSending(tenantId: string, reason: string): Promise<void>;
  resumeSending(tenantId: string): Promise<void>;
  /** The reason sending is paused, or null. */
  sendingPaused(tenantId: string): Promise<string | null>;
}
