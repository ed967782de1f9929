/**
 * Tenant reads for the per-message steps (planning, cart recovery, sending), kept for 2 s:
 * each message would otherwise read and parse its tenant's settings three times. A change made
 * through this process (admin API, CLI) is forgotten at once; one made by another process
 * applies within the 2 s.
 */
import type { Page, PageRequest } from '../domain/ports/page.js';
import type { GuestKeyMatch, SecretName, StoredTenant, TenantStore } from '../domain/ports/tenant-store.js';

export const RECENT_TENANT_MS = 2_000;

export class RecentTenants implements TenantStore {
  private readonly recent = new Map<string, { tenant: StoredTenant | undefined; until: number }>();

  constructor(
    private readonly store: TenantStore,
    private readonly now: () => number,
  ) {}

  async get(id: string): Promise<StoredTenant | undefined> {
    const hit = this.recent.get(id);
    if (hit !== undefined && hit.until > this.now()) return hit.tenant;
    const tenant = await this.store.get(id);
    this.recent.set(id, { tenant, until: this.now() + RECENT_TENANT_MS });
    return tenant;
  }

  /** Drops what is kept of a tenant (after a change). */
  forget(id: string): void {
    this.recent.delete(id);
  }

  async create(tenant: StoredTenant, guestKeyHash: string): Promise<void> {
    await this.store.create(tenant, guestKeyHash);
    this.forget(tenant.id);
  }

  async update(tenant: StoredTenant): Promise<void> {
    await this.store.update(tenant);
    this.forget(tenant.id);
  }

  findByPhoneNumberId(phoneNumberId: string): Promise<StoredTenant | undefined> {
    return this.store.findByPhoneNumberId(phoneNumberId);
  }

  findByBusinessAccountId(businessAccountId: string): Promise<StoredTenant[]> {
    return this.store.findByBusinessAccountId(businessAccountId);
  }

  listWithSecret(name: SecretName): Promise<StoredTenant[]> {
    return this.store.listWithSecret(name);
  }

  list(page: PageRequest): Promise<Page<StoredTenant>> {
    return this.store.list(page);
  }

  findGuestKey(keyHash: string, now: Date): Promise<GuestKeyMatch | undefined> {
    return this.store.findGuestKey(keyHash, now);
  }

  rotateGuestKey(tenantId: string, newKeyHash: string, now: Date, previousValidUntil: Date): Promise<void> {
    return this.store.rotateGuestKey(tenantId, newKeyHash, now, previousValidUntil);
  }
}
