import { afterEach, describe, expect, it, vi } from 'vitest';
import { TenantSettings } from '../domain/tenants/tenant-settings.js';
import { tenantView, TenantView } from '../domain/tenants/tenant-view.js';
import { checkSchema } from '../shared/schema-check.js';
import { printAnswer } from './output.js';

describe('printAnswer (the CLI --json)', () => {
  const at = new Date('2026-12-07T08:00:00Z');
  const settings = checkSchema(TenantSettings, { brandApi: { baseUrl: 'https://brand.example' }, cartRecovery: { quietHours: null } });
  if (!settings.ok) throw new Error('settings');
  const view = tenantView({ id: 'ten_1', name: 'Shop', settings: settings.value, sealedSecrets: { brandApiKey: 'v1.x' }, sendingPaused: null, createdAt: at, updatedAt: at });
  const printed = () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    return (tenant: TenantView) => {
      printAnswer(TenantView, tenant);
      return String(write.mock.calls.at(-1)?.[0]);
    };
  };
  afterEach(() => vi.restoreAllMocks());

  it('prints a tenant as JSON.stringify does, in its own order', () => {
    expect(printed()(view)).toBe(JSON.stringify(view, null, 2) + '\n');
  });

  it('leaves out a secret a view put in by mistake, as the admin API does', () => {
    const leaky = { ...view, brandApi: { ...view.brandApi, apiKey: 'leak-brand-key' } };
    const text = printed()(leaky);
    expect(text).not.toContain('leak-brand-key');
    expect(JSON.parse(text)).toEqual(view);
  });
});
