/**
 * The secrets webhooks are checked with: a WABA's tenants each with its own (the sandbox's,
 * its app's, else the service's), and the tenants' own app secrets, read once per 30 s for the
 * webhooks that name no tenant (which anyone may send) and at once after a change here.
 */
import { describe, expect, it } from 'vitest';
import type { SecretName, StoredTenant, TenantStore } from '../domain/ports/tenant-store.js';
import { TenantSettings } from '../domain/tenants/tenant-settings.js';
import { checkSchema } from '../shared/schema-check.js';
import { createSecretBox } from '../shared/secret-box.js';
import { OWN_SECRETS_MS, WhatsAppAccounts } from './whatsapp-accounts.js';

const box = createSecretBox('test-secret-0123456789abcdef0123456789');

function tenant(id: string, secrets: Partial<Record<SecretName, string>>, businessAccountId: string | null = null): StoredTenant {
  const settings = checkSchema(TenantSettings, { whatsapp: { phoneNumberId: id.replace(/\D/g, ''), businessAccountId } });
  if (!settings.ok) throw new Error(JSON.stringify(settings.issues));
  const sealed = Object.fromEntries(Object.entries(secrets).map(([name, value]) => [name, box.seal(value)]));
  const at = new Date('2026-03-01T10:00:00.000Z');
  return { id, name: id, settings: settings.value, sealedSecrets: sealed, sendingPaused: null, createdAt: at, updatedAt: at };
}

class Tenants implements Pick<TenantStore, 'get' | 'findByPhoneNumberId' | 'findByBusinessAccountId' | 'listWithSecret'> {
  listed = 0;
  constructor(public all: StoredTenant[]) {}
  async get(id: string) {
    return this.all.find((t) => t.id === id);
  }
  async findByPhoneNumberId(id: string) {
    return this.all.find((t) => t.settings.whatsapp.phoneNumberId === id);
  }
  async findByBusinessAccountId(id: string) {
    return this.all.filter((t) => t.settings.whatsapp.businessAccountId === id);
  }
  async listWithSecret(name: SecretName) {
    this.listed++;
    return this.all.filter((t) => t.sealedSecrets[name] !== undefined);
  }
}

/** `appSecret` null: no WHATSAPP_APP_SECRET. */
function accounts(tenants: Tenants, clock: { now: number }, appSecret: string | null = 'service-secret') {
  return new WhatsAppAccounts(tenants, box, { graphUrl: 'https://graph.example', appSecret: appSecret ?? undefined, sandboxKey: 'k', internalUrl: () => 'http://x', now: () => clock.now });
}

describe('WhatsAppAccounts webhook secrets', () => {
  it("gives each tenant of a WABA the secret its webhooks are signed with", async () => {
    const tenants = new Tenants([
      tenant('ten_1', { whatsappAccessToken: 't', whatsappAppSecret: 'own-1' }, '77'),
      tenant('ten_2', { whatsappAccessToken: 't' }, '77'),
      tenant('ten_3', {}, '77'),
      tenant('ten_4', { whatsappAccessToken: 't', whatsappAppSecret: 'own-4' }, '88'),
    ]);
    const signers = await accounts(tenants, { now: 0 }).accountSecrets('77');
    expect(signers.map((s) => s.tenantId)).toEqual(['ten_1', 'ten_2', 'ten_3']);
    expect(signers[0]?.secret).toBe('own-1');
    expect(signers[1]?.secret).toBe('service-secret');
    // A sandbox tenant's webhooks come from the sandbox, signed with a secret derived for it.
    expect(signers[2]?.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await accounts(tenants, { now: 0 }, null).accountSecrets('77'))[1]?.secret).toBeNull();
  });

  it("lists the Cloud API tenants' own app secrets, kept 30 s and forgotten on demand", async () => {
    const tenants = new Tenants([
      tenant('ten_1', { whatsappAccessToken: 't', whatsappAppSecret: 'own-1' }),
      tenant('ten_2', { whatsappAppSecret: 'sandbox-tenant-secret' }),
      tenant('ten_3', { whatsappAccessToken: 't' }),
    ]);
    const clock = { now: 1_000 };
    const subject = accounts(tenants, clock);
    expect(await subject.ownAppSecrets()).toEqual([{ tenantId: 'ten_1', secret: 'own-1' }]);
    tenants.all.push(tenant('ten_5', { whatsappAccessToken: 't', whatsappAppSecret: 'own-5' }));
    clock.now += OWN_SECRETS_MS - 1;
    expect((await subject.ownAppSecrets()).map((s) => s.tenantId)).toEqual(['ten_1']);
    expect(tenants.listed).toBe(1);
    clock.now += 1;
    expect((await subject.ownAppSecrets()).map((s) => s.tenantId)).toEqual(['ten_1', 'ten_5']);
    subject.forget();
    await subject.ownAppSecrets();
    expect(tenants.listed).toBe(3);
  });

  it('reads the secrets again after a failed read instead of keeping the failure', async () => {
    const tenants = new Tenants([tenant('ten_1', { whatsappAccessToken: 't', whatsappAppSecret: 'own-1' })]);
    const subject = accounts(tenants, { now: 0 });
    const listWithSecret = tenants.listWithSecret.bind(tenants);
    tenants.listWithSecret = () => Promise.reject(new Error('database unavailable'));
    await expect(subject.ownAppSecrets()).rejects.toThrow('database unavailable');
    tenants.listWithSecret = listWithSecret;
    expect(await subject.ownAppSecrets()).toEqual([{ tenantId: 'ten_1', secret: 'own-1' }]);
  });
});
