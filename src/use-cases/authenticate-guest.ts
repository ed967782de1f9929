/**
 * Finds the tenant of an `x-guest-id` key by its SHA-256 hash through an index. Answers are
 * cached briefly (per process) so the hot path skips the database; rotation in this process
 * drops the tenant's entries at once, other processes see it within `ttlMs`.
 */
import type { Clock } from '../domain/ports/clock.js';
import type { TenantStore } from '../domain/ports/tenant-store.js';
import { hashGuestKey, sameDigest } from '../domain/tenants/guest-key.js';

export interface GuestIdentity {
  tenantId: string;
  /** The tenant's own guest API limit, or null for none. */
  requestsPerSecond: number | null;
}

interface CacheEntry {
  identity: GuestIdentity;
  expiresAt: number;
}

const MAX_KEY_LENGTH = 256;

export class GuestAuthenticator {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly store: TenantStore,
    private readonly clock: Clock,
    private readonly ttlMs = 2000,
    private readonly maxEntries = 10_000,
  ) {}

  /**
   * The identity of a key answered recently, without waiting: most requests are answered by
   * the cache, and an await costs them a promise and a microtask hop. Undefined means "ask
   * authenticate", not "unknown".
   */
  recent(key: string | undefined): GuestIdentity | undefined {
    if (key === undefined || key === '' || key.length > MAX_KEY_LENGTH) return undefined;
    return this.cached(hashGuestKey(key), this.clock.now());
  }

  async authenticate(key: string | undefined): Promise<GuestIdentity | undefined> {
    if (key === undefined || key === '' || key.length > MAX_KEY_LENGTH) return undefined;
    const keyHash = hashGuestKey(key);
    const now = this.clock.now();
    const cached = this.cached(keyHash, now);
    if (cached !== undefined) return cached;
    const match = await this.store.findGuestKey(keyHash, now);
    // The index found the row by hash; comparing the digests again in constant time keeps
    // the decision itself free of timing differences.
    if (match === undefined || !sameDigest(match.keyHash, keyHash)) {
      this.cache.delete(keyHash);
      return undefined;
    }
    const tenant = await this.store.get(match.tenantId);
    if (tenant === undefined) return undefined;
    const identity = { tenantId: tenant.id, requestsPerSecond: tenant.settings.guestApi.requestsPerSecond };
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(keyHash, { identity, expiresAt: now.getTime() + this.ttlMs });
    return identity;
  }

  private cached(keyHash: string, now: Date): GuestIdentity | undefined {
    const entry = this.cache.get(keyHash);
    // Found by its digest, so the entry's digest is this one: comparing them again (it was, in
    // constant time) cost 1.5% of ingestion's CPU to learn nothing.
    return entry !== undefined && entry.expiresAt > now.getTime() ? entry.identity : undefined;
  }

  /** Drops cached keys of a tenant (after rotation or a settings change). */
  forget(tenantId: string): void {
    for (const [hash, entry] of this.cache) if (entry.identity.tenantId === tenantId) this.cache.delete(hash);
  }
}
