/** Operator alerts and the per-tenant sending pause (an expired access token stops all sends). */
export interface Alert {
  id: string;
  tenantId: string;
  kind: string;
  detail: string;
  createdAt: Date;
}

export interface AlertStore {
  raise(alert: Alert): Promise<void>;
  list(tenantId: string, limit: number): Promise<Alert[]>;
  pauseSending(tenantId: string, reason: string): Promise<void>;
  resumeSending(tenantId: string): Promise<void>;
  /** The reason sending is paused, or null. */
  sendingPaused(tenantId: string): Promise<string | null>;
}
