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
  /** `whatsapp.businessAccountId` of the config, indexed (not unique): account-level webhooks name only it. */
  business_account_id: string | null;
  created_at: number;
  updated_at: number;
  /** Why sending is paused (e.g. an expired access token), or null. */
  sending_paused: string | null;
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

export interface SendSlotsTable {
  key: string;
  /** The key's next free slot (theoretical arrival time), epoch ms with fractions. */
  next_at: number;
}

export interface ParkedChainsTable {
  tenant_id: string;
  /** When the tenant's latest parked event job is due, epoch ms. */
  last_run_at: number;
}

export interface MessagesTable {
  id: string;
  tenant_id: string;
  event_id: string | null;
  /** Makes planning idempotent: one message per (event, kind) however often a job re-runs. */
  dedupe_key: string;
  /** Orders one customer's messages by when their cause happened (the event's id, time-ordered). */
  sequence: string;
  kind: string;
  category: string;
  order_id: string | null;
  recipient: string | null;
  wa_id: string | null;
  state: string;
  skip_reason: string | null;
  body: string | null;
  wamid: string | null;
  error_code: number | null;
  error_detail: string | null;
  attempts: number;
  send_started_at: number | null;
  sent_at: number | null;
  delivered_at: number | null;
  read_at: number | null;
  failed_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface MessageStatusesTable {
  wamid: string;
  status: string;
  at: number;
  error_code: number | null;
  error_detail: string | null;
  callback_data: string | null;
  /** 0 until applied to its message (a status may arrive before its wamid is known). */
  applied: number;
  received_at: number;
}

export interface InboundMessagesTable {
  wamid: string;
  tenant_id: string;
  customer: string;
  type: string;
  text: string | null;
  payload: string;
  sent_at: number;
  received_at: number;
  /** When its handling finished (STOP/START applied, the assistant answered); null until then. */
  handled_at: number | null;
}

export interface ContactsTable {
  tenant_id: string;
  customer: string;
  wa_id: string | null;
  user_id: string | null;
  profile_name: string | null;
  last_inbound_at: number | null;
  undeliverable_at: number | null;
  marketing_paused_until: number | null;
  updated_at: number;
}

export interface OptOutsTable {
  tenant_id: string;
  customer: string;
  /** 'all' (typed STOP) or 'marketing' (user_preferences, error 131050). */
  scope: string;
  source: string;
  at: number;
}

/** The latest time a customer resumed a scope: an opt-out from before it arriving late is void. */
export interface OptInsTable {
  tenant_id: string;
  customer: string;
  scope: string;
  at: number;
}

export interface LinksTable {
  token: string;
  tenant_id: string;
  message_id: string | null;
  target: string;
  clicks: number;
  created_at: number;
  last_click_at: number | null;
}

export interface AlertsTable {
  id: string;
  tenant_id: string;
  kind: string;
  detail: string;
  created_at: number;
  resolved_at: number | null;
  repeats: number;
  last_at: number;
  /** What the alert is about, for resolving it (`template:name:language`), or null. */
  subject: string | null;
}

export interface CartsTable {
  tenant_id: string;
  cart_key: string;
  /** An opaque id for the admin API. */
  id: string;
  token: string | null;
  cart_token: string | null;
  /** The customer's number as digits, when usable. */
  customer: string | null;
  /** The latest normalised cart (JSON). */
  snapshot: string;
  cart_time: number;
  state: string;
  reminders_sent: number;
  next_step: number;
  last_reminded_at: number | null;
  reason: string | null;
  recovered_order_id: string | null;
  recovered_value: string | null;
  recovered_currency: string | null;
  recovered_after_step: number | null;
  created_at: number;
  updated_at: number;
}

export interface ConversationsTable {
  id: string;
  tenant_id: string;
  customer: string;
  /** 'bot', or 'human' while an operator has taken the conversation. */
  mode: string;
  /** Where the customer is in a flow (JSON). */
  state: string;
  last_inbound_at: number;
  expires_at: number;
  updated_at: number;
}

export interface OrderConfirmationsTable {
  tenant_id: string;
  order_id: string;
  /** 'confirmed' or 'cancel_requested' (a cash-on-delivery customer's answer). */
  decision: string;
  customer: string;
  at: number;
}

export interface Database {
  tenants: TenantsTable;
  guest_keys: GuestKeysTable;
  events: EventsTable;
  resources: ResourcesTable;
  idempotency_keys: IdempotencyKeysTable;
  jobs: JobsTable;
  settings: SettingsTable;
  messages: MessagesTable;
  message_statuses: MessageStatusesTable;
  inbound_messages: InboundMessagesTable;
  contacts: ContactsTable;
  opt_outs: OptOutsTable;
  opt_ins: OptInsTable;
  links: LinksTable;
  alerts: AlertsTable;
  carts: CartsTable;
  conversations: ConversationsTable;
  order_confirmations: OrderConfirmationsTable;
  send_slots: SendSlotsTable;
  parked_chains: ParkedChainsTable;
}

// Kept for the day a table needs a database-generated column.
export type { Generated };
