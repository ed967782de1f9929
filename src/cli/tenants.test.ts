import { describe, expect, it } from 'vitest';
import { TenantSettings } from '../domain/tenants/tenant-settings.js';
import { checkSchema } from '../shared/schema-check.js';
import { tenantView } from '../domain/tenants/tenant-view.js';
import { summary } from './tenants.js';

describe('tenant summary line', () => {
  const at = new Date('2026-12-07T08:00:00Z');
  const settings = checkSchema(TenantSettings, { whatsapp: { phoneNumberId: '3000001' } });
  if (!settings.ok) throw new Error('settings');
  const tenant = { id: 'ten_1', name: 'Shop', settings: settings.value, sealedSecrets: { whatsappAccessToken: 'v1.x' }, sendingPaused: null, createdAt: at, updatedAt: at };

  it('names the tenant, its mode and number', () => {
    expect(summary(tenantView(tenant))).toBe('ten_1  Shop  (cloud, phone number id 3000001)');
  });

  it('says when sending is paused, and why', () => {
    const line = summary(tenantView({ ...tenant, sendingPaused: '(#190) token expired' }));
    expect(line.split('\n')).toEqual(['ten_1  Shop  (cloud, phone number id 3000001)', '  sending paused until a new access token is saved: (#190) token expired']);
  });
});
