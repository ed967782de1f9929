/**
 * Table shapes as Kysely sees them. Times are epoch milliseconds (bigint) and JSON is text in
 * both dialects, so the code above the dialect never branches on the database.
 */
import type { Generated } from 'kysely';

export interface TenantsTable {
  id: string;
  name: string;
  /** Validated tenant configuration without its secrets (JSON). */
  config: string;
  /** AES-256-GCM sealed secrets (JSON of sealed strings by name). */
  secrets: string;
  phone_number_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface GuestKeysTable {
  key_hash: string;
  tenant_id: string;
  created_at: number;
  /** Null while the key is current; set when it was rotated away. */
  valid_until: number | null;
}

export interface EventsTable {
  id: string;
  tenant_id: string;
  kind: string;
  resource_key: string;
  body_hash: string;
  revision: number;
  outcome: string;
  raw_body: string;
  normalized: string;
  idempotency_key: string | null;
  received_at: number;
}

export interface ResourcesTable {
  tenant_id: string;
  kind: string;
  resource_key: string;
  revisions: number;
  /** For delivery progress: the rank of the furthest status seen. */
  progress: number;
  latest_event_id: string;
  updated_at: number;
}

export interface IdempotencyKeysTable {
  tenant_id: string;
  key: string;
  body_hash: string;
  expires_at: number;
}

export interface JobsTable {
  id: string;
  kind: string;
  tenant_id: string | null;
  job_key: string | null;
  payload: string;
  state: string;
  run_at: number;
  attempts: number;
  max_attempts: number;
  locked_until: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface SettingsTable {
  name: string;
  value: string;
}

export interface Database {
  tenants: TenantsTable;
  guest_keys: GuestKeysTable;
  events: EventsTable;
  resources: ResourcesTable;
  idempotency_keys: IdempotencyKeysTable;
  jobs: JobsTable;
  settings: SettingsTable;
}

// Kept for the day a table needs a database-generated column.
export type { Generated };
