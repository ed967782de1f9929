/**
 * Which account-level news becomes an operator alert, and what it says: the template's uses
 * in the tenant's settings (its own mappings, the default catalog, reminder steps, kinds
 * switched off), downgrades and not upgrades, bans and not reinstatements.
 */
import { describe, expect, it } from 'vitest';
import { checkSchema } from '../../shared/schema-check.js';
import { TenantSettings } from '../tenants/tenant-settings.js';
import { accountAlert, accountResolution } from './account-alert.js';
import type { AccountNotice } from './account-notice.js';

function settings(raw: unknown = {}): TenantSettings {
  const result = checkSchema(TenantSettings, raw);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value;
}

const WABA = '102290129340398';
const status = (event: string, name: string, language: string | null = 'en', reason: string | null = null): AccountNotice => ({
  businessAccountId: WABA,
  kind: 'template_status',
  template: { name, language },
  event,
  reason,
  explanation: null,
});

const own = { name: 'brand_shipped', language: 'en_US', body: ['{{customer.firstName}}'], layout: { bodyParams: 1 } };

describe('accountAlert', () => {
  it('raises rejected, paused, disabled and flagged templates, naming where the tenant sends with them', () => {
    const s = settings({ notifications: { order_shipped: { template: own } } });
    expect(accountAlert(status('PAUSED', 'brand_shipped', 'en-US'), s)).toEqual({
      kind: 'template_paused',
      detail: 'Meta paused template "brand_shipped" (en-US). Used for order_shipped.',
      subject: 'template:brand_shipped:en-US',
    });
    expect(accountAlert(status('REJECTED', 'orderline_order_delivered', 'en', 'INVALID_FORMAT'), s)).toEqual({
      kind: 'template_rejected',
      detail: 'Meta rejected template "orderline_order_delivered" (en). Reason: INVALID_FORMAT. Used for order_delivered.',
      subject: 'template:orderline_order_delivered:en',
    });
    // The default catalog template the tenant replaced, and one in another language, are not used.
    expect(accountAlert(status('DISABLED', 'orderline_order_shipped'), s)?.detail).toBe(
      'Meta disabled template "orderline_order_shipped" (en). Not used by this tenant\'s notifications.',
    );
    expect(accountAlert(status('FLAGGED', 'brand_shipped', 'en'), s)?.detail).toContain("Not used by this tenant's notifications.");
    expect(accountAlert(status('FLAGGED', 'brand_shipped', null), s)).toMatchObject({ kind: 'template_flagged', detail: expect.stringContaining('Used for order_shipped.') as unknown });
  });

  it('says nothing of good news: approvals, reinstatements, reviews', () => {
    for (const event of ['APPROVED', 'REINSTATED', 'PENDING', 'IN_APPEAL', 'UNARCHIVED', 'SOMETHING_NEW']) {
      expect(accountAlert(status(event, 'orderline_order_shipped'), settings())).toBeNull();
    }
  });

  it('settles the alerts of a template Meta approves or reinstates, and of nothing else', () => {
    expect(accountResolution(status('REINSTATED', 'brand_shipped', 'en-US'))).toBe('template:brand_shipped:en-US');
    expect(accountResolution(status('APPROVED', 'brand_shipped', 'en'))).toBe(accountAlert(status('REJECTED', 'brand_shipped', 'en'), settings())?.subject);
    for (const event of ['PAUSED', 'PENDING', 'IN_APPEAL', 'DISABLED']) expect(accountResolution(status(event, 'brand_shipped'))).toBeNull();
  });

  it('counts only kinds and reminder steps that are on, with the discount template on the last step', () => {
    const s = settings({ notifications: { order_cancelled: { enabled: false } }, cartRecovery: { discountCode: 'COME10' } });
    expect(accountAlert(status('PAUSED', 'orderline_order_cancelled'), s)?.detail).toContain("Not used by this tenant's notifications.");
    expect(accountAlert(status('PAUSED', 'orderline_cart_reminder'), s)?.detail).toContain('Used for cart_reminder step 1, cart_reminder step 2.');
    expect(accountAlert(status('PAUSED', 'orderline_cart_reminder_discount'), s)?.detail).toContain('Used for cart_reminder step 3.');
    const off = settings({ cartRecovery: { enabled: false } });
    expect(accountAlert(status('PAUSED', 'orderline_cart_reminder'), off)?.detail).toContain("Not used by this tenant's notifications.");
  });

  it('raises a template quality that fell and a category that changed or will', () => {
    const template = { name: 'orderline_order_confirmed', language: 'en' };
    const quality = (previous: string | null, score: string): AccountNotice => ({ businessAccountId: WABA, kind: 'template_quality', template, previous, score });
    expect(accountAlert(quality('GREEN', 'YELLOW'), settings())).toEqual({
      kind: 'template_quality_lowered',
      detail: 'Meta lowered the quality of template "orderline_order_confirmed" (en) from GREEN to YELLOW. Used for order_confirmed.',
    });
    expect(accountAlert(quality(null, 'RED'), settings())?.kind).toBe('template_quality_lowered');
    expect(accountAlert(quality('RED', 'YELLOW'), settings())).toBeNull();
    expect(accountAlert(quality('UNKNOWN', 'GREEN'), settings())).toBeNull();

    const category = (previous: string | null, now: string, upcoming: { category: string; at: Date | null } | null): AccountNotice => ({
      businessAccountId: WABA,
      kind: 'template_category',
      template,
      previous,
      category: now,
      upcoming,
    });
    expect(accountAlert(category('UTILITY', 'MARKETING', null), settings())?.detail).toBe(
      'Meta changed the category of template "orderline_order_confirmed" (en) from UTILITY to MARKETING. Used for order_confirmed.',
    );
    expect(accountAlert(category(null, 'UTILITY', { category: 'MARKETING', at: new Date('2025-05-02T07:00:00Z') }), settings())?.detail).toContain(
      'will change the category of template "orderline_order_confirmed" (en) from UTILITY to MARKETING on 2025-05-02T07:00:00.000Z.',
    );
    expect(accountAlert(category('UTILITY', 'UTILITY', null), settings())).toBeNull();
  });

  it("raises a number flagged or given a lower limit, not one raised or unflagged", () => {
    const number = (event: string, previousLimit: string | null, limit: string | null): AccountNotice => ({
      businessAccountId: WABA,
      kind: 'number_quality',
      displayPhoneNumber: '15550783881',
      event,
      limit,
      previousLimit,
    });
    expect(accountAlert(number('FLAGGED', null, 'TIER_10K'), settings())).toEqual({
      kind: 'phone_number_flagged',
      detail: `Meta flagged +15550783881 (WABA ${WABA}) for low quality: its messaging limit goes down unless quality improves.`,
    });
    expect(accountAlert(number('DOWNGRADE', 'TIER_10K', 'TIER_2K'), settings())?.kind).toBe('messaging_limit_lowered');
    expect(accountAlert(number('DOWNGRADE', null, null), settings())?.detail).toBe(`Meta lowered the messaging limit of +15550783881 (WABA ${WABA}).`);
    // A lower tier said without the event name is still a downgrade.
    expect(accountAlert(number('ONBOARDING', 'TIER_1K', 'TIER_250'), settings())?.kind).toBe('messaging_limit_lowered');
    for (const quiet of [number('UPGRADE', 'TIER_1K', 'TIER_10K'), number('UNFLAGGED', null, 'TIER_10K'), number('THROUGHPUT_UPGRADE', null, 'TIER_UNLIMITED')]) {
      expect(accountAlert(quiet, settings())).toBeNull();
    }
  });

  it('raises violations, restrictions, bans and deletion of the account, and the alerts Meta marks as needing action', () => {
    const update = (event: string, extra: Partial<Extract<AccountNotice, { kind: 'account_update' }>> = {}): AccountNotice => ({
      businessAccountId: WABA,
      kind: 'account_update',
      event,
      ban: null,
      violation: null,
      restrictions: [],
      ...extra,
    });
    expect(accountAlert(update('ACCOUNT_VIOLATION', { violation: 'ADULT' }), settings())).toEqual({
      kind: 'account_violation',
      detail: `Meta reports a policy violation by the account (WABA ${WABA}): ADULT.`,
    });
    expect(accountAlert(update('ACCOUNT_RESTRICTION', { restrictions: ['RESTRICTED_ADD_PHONE_NUMBER_ACTION'] }), settings())?.kind).toBe('account_restricted');
    expect(accountAlert(update('DISABLED_UPDATE', { ban: { state: 'SCHEDULE_FOR_DISABLE', date: 'April 17, 2025' } }), settings())?.detail).toBe(
      `Meta scheduled the account to be disabled (WABA ${WABA}) (April 17, 2025).`,
    );
    expect(accountAlert(update('DISABLED_UPDATE', { ban: { state: 'DISABLE', date: null } }), settings())?.kind).toBe('account_banned');
    expect(accountAlert(update('DISABLED_UPDATE', { ban: { state: 'REINSTATE', date: null } }), settings())).toBeNull();
    expect(accountAlert(update('ACCOUNT_DELETED'), settings())?.kind).toBe('account_deleted');
    expect(accountAlert(update('PARTNER_ADDED'), settings())).toBeNull();

    const alert = (severity: string, status: string | null): AccountNotice => ({
      businessAccountId: WABA,
      kind: 'account_alert',
      severity,
      status,
      type: 'INCREASED_CAPABILITIES_ELIGIBILITY_FAILED',
      description: 'Limits cannot be increased.',
    });
    expect(accountAlert(alert('CRITICAL', 'ACTIVE'), settings())).toEqual({
      kind: 'meta_account_alert',
      detail: `CRITICAL INCREASED_CAPABILITIES_ELIGIBILITY_FAILED (WABA ${WABA}): Limits cannot be increased.`,
    });
    expect(accountAlert(alert('INFORMATIONAL', 'ACTIVE'), settings())).toBeNull();
    expect(accountAlert(alert('WARNING', 'NONE'), settings())).toBeNull();
  });
});
