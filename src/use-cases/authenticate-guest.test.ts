import { describe, expect, it } from 'vitest';
import { ManualClock } from '../domain/ports/clock.js';
import type { GuestKeyMatch, StoredTenant, TenantStore } from '../domain/ports/tenant-store.js';
import { TenantSettings } from '../domain/tenants/tenant-settings.js';
import { generateGuestKey, hashGuestKey } from '../domain/tenants/guest-key.js';
import { checkSchema } from '../shared/schema-check.js';
import { GuestAuthenticator } from './authenticate-guest.js';

/** A tenant store holding one key; counts look-ups, and fails them on demand. */
class OneKeyStore implements TenantStore {
  lookups = 0;
  failing = false;
  constructor(
    private readonly tenant: StoredTenant,
    private readonly keyHash: string,
  ) {}
  async findGuestKey(keyHash: string): Promise<GuestKeyMatch | undefined> {
    this.lookups += 1;
    if (this.failing) throw new Error('database unavailable');
    return keyHash === this.keyHash ? { tenantId: this.tenant.id, keyHash } : undefined;
  }
  async get(id: string): Promise<StoredTenant | undefined> {
    return id === this.tenant.id ? this.tenant : undefined;
  }
  create(): Promise<void> {
    throw new Error('not used');
  }
  update(): Promise<void> {
    throw new Error('not used');
  }
  findByPhoneNumberId(): Promise<StoredTenant | undefined> {
    throw new Error('not used');
  }
  findByBusinessAccountId(): Promise<StoredTenant[]> {
    throw new Error('not used');
  }
  listWithSecret(): Promise<StoredTenant[]> {
    throw new Error('not used');
  }
  list(): never {
    throw new Error('not used');
  }
  rotateGuestKey(): Promise<void> {
    throw new Error('not used');
  }
}

function setUp() {
  const settings = checkSchema(TenantSettings, { guestApi: { requestsPerSecond: 20 } });
  if (!settings.ok) throw new Error(JSON.stringify(settings.issues));
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');
  const tenant: StoredTenant = { id: 'ten_1', name: 'Shop', settings: settings.value, sealedSecrets: {}, sendingPaused: null, createdAt: clock.now(), updatedAt: clock.now() };
  const key = generateGuestKey();
  const store = new OneKeyStore(tenant, hashGuestKey(key));
  return { clock, key, store, auth: new GuestAuthenticator(store, clock, 2000) };
}

describe('GuestAuthenticator', () => {
  it('finds a key once, then answers it from memory, at once, until the entry expires', async () => {
    const { clock, key, store, auth } = setUp();
    expect(auth.recent(key)).toBeUndefined();
    expect(await auth.authenticate(key)).toEqual({ tenantId: 'ten_1', requestsPerSecond: 20 });
    expect(auth.recent(key)).toEqual({ tenantId: 'ten_1', requestsPerSecond: 20 });
    expect(await auth.authenticate(key)).toEqual({ tenantId: 'ten_1', requestsPerSecond: 20 });
    expect(store.lookups).toBe(1);
    clock.advance(2000);
    expect(auth.recent(key)).toBeUndefined();
    expect(await auth.authenticate(key)).toBeDefined();
    expect(store.lookups).toBe(2);
  });

  it('never remembers a key it did not find, nor a key of a forgotten tenant', async () => {
    const { key, store, auth } = setUp();
    const stranger = generateGuestKey();
    expect(await auth.authenticate(stranger)).toBeUndefined();
    expect(auth.recent(stranger)).toBeUndefined();
    for (const bad of [undefined, '', 'x'.repeat(257)]) expect(await auth.authenticate(bad)).toBeUndefined();
    expect(store.lookups).toBe(1);
    await auth.authenticate(key);
    auth.forget('ten_1');
    expect(auth.recent(key)).toBeUndefined();
  });

  it('lets a failed look-up surface as an error, not as an unknown key', async () => {
    const { key, store, auth } = setUp();
    store.failing = true;
    await expect(auth.authenticate(key)).rejects.toThrow('database unavailable');
  });
});
