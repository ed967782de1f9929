/**
 * BrandApiFactory over real HTTP (a scripted brand that always fails): one client and one
 * circuit breaker per tenant until its settings change, and logs that never hold the key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrandApiFactory } from '../../src/brand/brand-api-factory.js';
import { scriptedServer, type ScriptedServer } from './support/brand-servers.js';

describe('BrandApiFactory', () => {
  let s: ScriptedServer;
  beforeAll(async () => {
    s = await scriptedServer(() => ({ status: 500 }));
  });
  afterAll(async () => s.close());

  it('gives no client without a base URL, and the same client (and breaker) per tenant until settings change', async () => {
    const factory = new BrandApiFactory({ retryDelaysMs: [], failureThreshold: 2 });
    try {
      expect(factory.brandApiFor({ id: 't0', brandApi: { baseUrl: null } }, 'k')).toBeNull();
      const tenant = { id: 't1', brandApi: { baseUrl: s.url, timeoutMs: 1000, phoneFormat: 'digits' as const } };
      const first = factory.brandApiFor(tenant, 'k');
      expect(factory.brandApiFor(tenant, 'k')).toBe(first);
      await first?.getOrder('1');
      await first?.getOrder('1');
      const before = s.requests.length;
      expect((await first?.getOrder('1'))?.kind).toBe('failure');
      expect(s.requests.length).toBe(before); // the tenant's circuit is open
      expect(factory.brandApiFor({ id: 't2', brandApi: tenant.brandApi }, 'k')).not.toBe(first);
      const rotated = factory.brandApiFor(tenant, 'k2');
      expect(rotated).not.toBe(first);
      await rotated?.getOrder('1');
      expect(s.requests.at(-1)?.headers['x-guest-id']).toBe('k2');
    } finally {
      await factory.close();
    }
  });

  it('logs failed attempts with the tenant id and never the key', async () => {
    const lines: string[] = [];
    const factory = new BrandApiFactory({ retryDelaysMs: [], logger: { warn: (obj: object, msg?: string) => void lines.push(JSON.stringify([obj, msg])) } });
    try {
      await factory.brandApiFor({ id: 't9', brandApi: { baseUrl: s.url } }, 'very-secret-key')?.getOrder('1');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('"tenantId":"t9"');
      expect(lines[0]).toContain('HTTP 500');
      expect(lines[0]).not.toContain('very-secret-key');
    } finally {
      await factory.close();
    }
  });
});
