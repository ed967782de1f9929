/**
 * Where tenants and their guest keys live. Keys are only ever handled as SHA-256 hashes
 * here; secrets only as sealed strings. The store neither hashes nor seals: callers do.
 */
import type { TenantSettings } from '../tenants/tenant-settings.js';
import type { Page, PageRequest } from './page.js';

export type SecretName = 'whatsappAccessToken' | 'whatsappAppSecret' | 'brandApiKey';
export type SealedSecrets = Partial<Record<SecretName, string>>;

export interface StoredTenant {
  id: string;
  name: string;
  settings: TenantSettings;
  sealedSecrets: SealedSecrets;
  /**
   * Why sending is paused (Meta refused the access token), or null. Set and cleared by the
   * sender (`AlertStore.pauseSending`); `update` leaves it as it is.
   */
  sendingPaused: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface GuestKeyMatch {
  tenantId: string;
  keyHash: string;
}

/** Thrown when a WhatsApp phone number id already belongs to another tenant. */
export class PhoneNumberIdTakenError extends Error {
  constructor(readonly phoneNumberId: string) {
    super(`phone number id ${phoneNumberId} is already used by another tenant`);
    this.name = 'PhoneNumberIdTakenError';
  }
}

export interface TenantStore {
  create(tenant: StoredTenant, guestKeyHash: string): Promise<void>;
  update(tenant: StoredTenant): Promise<void>;
  get(id: string): Promise<StoredTenant | undefined>;
  findByPhoneNumberId(phoneNumberId: string): Promise<StoredTenant | undefined>;
  /** The tenants whose `whatsapp.businessAccountId` is this WABA id (several may share one), oldest first. */
  findByBusinessAccountId(businessAccountId: string): Promise<StoredTenant[]>;
  /** The tenants that hold this secret, oldest first (the webhook's search for a signer of a body naming no tenant). */
  listWithSecret(name: SecretName): Promise<StoredTenant[]>;
  list(page: PageRequest): Promise<Page<StoredTenant>>;
  /** The tenant of a key that is current or still inside its grace period at `now`. */
  findGuestKey(keyHash: string, now: Date): Promise<GuestKeyMatch | undefined>;
  /** Adds a key and limits every other live key of the tenant to `previousValidUntil`. */
  rotateGuestKey(tenantId: string, newKeyHash: string, now: Date, previousValidUntil: Date): Promise<void>;
}
