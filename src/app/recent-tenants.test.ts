import { describe, expect, it } from 'vitest';
import type { StoredTenant, TenantStore } from '../domain/ports/tenant-store.js';
import type { TenantSettings } from '../domain/tenants/tenant-settings.js';
import { RECENT_TENANT_MS, RecentTenants } from './recent-tenants.js';

function tenant(name: string): StoredTenant {
  const at = new Date('2026-03-01T10:00:00.000Z');
  return { id: 'ten_1', name, settings: {} as TenantSettings, sealedSecrets: {}, sendingPaused: null, createdAt: at, updatedAt: at };
}

/** A store that counts its reads and answers whatever tenant it holds now. */
function countingStore() {
  const state = { current: tenant('First') as StoredTenant | undefined, reads: 0 };
  const store = {
    get: (id: string) => {
      state.reads++;
      return Promise.resolve(state.current?.id === id ? state.current : undefined);
    },
    update: (t: StoredTenant) => {
      state.current = t;
      return Promise.resolve();
    },
  } as unknown as TenantStore;
  return { state, store };
}

describe('RecentTenants', () => {
  it('answers repeated reads from memory for 2 s, then reads again', async () => {
    const { state, store } = countingStore();
    let now = 0;
    const tenants = new RecentTenants(store, () => now);
    expect((await tenants.get('ten_1'))?.name).toBe('First');
    state.current = tenant('Changed elsewhere');
    now += RECENT_TENANT_MS - 1;
    expect((await tenants.get('ten_1'))?.name).toBe('First');
    expect(state.reads).toBe(1);
    now += 1;
    expect((await tenants.get('ten_1'))?.name).toBe('Changed elsewhere');
    expect(state.reads).toBe(2);
  });

  it('forgets a tenant changed through it or reported changed, and keeps unknown ids briefly too', async () => {
    const { state, store } = countingStore();
    const tenants = new RecentTenants(store, () => 0);
    await tenants.get('ten_1');
    await tenants.update(tenant('Patched'));
    expect((await tenants.get('ten_1'))?.name).toBe('Patched');
    state.current = tenant('Patched again');
    tenants.forget('ten_1');
    expect((await tenants.get('ten_1'))?.name).toBe('Patched again');
    expect(await tenants.get('ten_unknown')).toBeUndefined();
    expect(await tenants.get('ten_unknown')).toBeUndefined();
    expect(state.reads).toBe(4);
  });
});
