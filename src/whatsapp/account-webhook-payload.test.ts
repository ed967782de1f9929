/**
 * Meta's account-level webhooks as its webhook reference pages give them, read into notices;
 * and which part of a body names a number and which a WhatsApp Business Account.
 */
import { describe, expect, it } from 'vitest';
import { accountNotices } from './account-webhook-payload.js';
import { webhookSubjects } from './webhook-payload.js';

const WABA = '102290129340398';

function envelope(changes: unknown[], id: unknown = WABA) {
  return { object: 'whatsapp_business_account', entry: [{ id, time: 1_751_247_548, changes }] };
}

describe('accountNotices', () => {
  it("reads a template rejection with Meta's reason and its explanation", () => {
    const body = envelope([
      {
        field: 'message_template_status_update',
        value: {
          event: 'REJECTED',
          message_template_id: 1689556908129835,
          message_template_name: 'abandoned_cart',
          message_template_language: 'en',
          reason: 'INVALID_FORMAT',
          message_template_category: 'MARKETING',
          rejection_info: {
            reason: 'Your template has parameters placed next to each other (like {{1}}{{2}}) without text or punctuation between them.',
            recommendation: 'Separate parameters with descriptive text.',
          },
        },
      },
    ]);
    expect(accountNotices(body)).toEqual([
      {
        businessAccountId: WABA,
        kind: 'template_status',
        template: { name: 'abandoned_cart', language: 'en' },
        event: 'REJECTED',
        reason: 'INVALID_FORMAT',
        explanation:
          'Your template has parameters placed next to each other (like {{1}}{{2}}) without text or punctuation between them. Separate parameters with descriptive text.',
      },
    ]);
  });

  it('reads a pause (reason NONE is no reason) and a disable date; a quality change filed under the status field is a quality change', () => {
    const notices = accountNotices(
      envelope([
        { field: 'message_template_status_update', value: { event: 'PAUSED', message_template_name: 't1', message_template_language: 'en_US', reason: 'NONE', other_info: { title: 'FIRST_PAUSE', description: 'Paused for 3 hours.' } } },
        { field: 'message_template_status_update', value: { event: 'DISABLED', message_template_name: 't2', reason: null, disable_info: { disable_date: 1751234563 } } },
        { field: 'message_template_status_update', value: { event: 'DISABLED', message_template_name: 't4', disable_info: { disable_date: 1e20 } } },
        { field: 'message_template_status_update', value: { previous_quality_score: 'GREEN', new_quality_score: 'YELLOW', message_template_id: 1, message_template_name: 't3', message_template_language: 'en-US' } },
      ]),
    );
    expect(notices).toEqual([
      { businessAccountId: WABA, kind: 'template_status', template: { name: 't1', language: 'en_US' }, event: 'PAUSED', reason: null, explanation: 'Paused for 3 hours.' },
      {
        businessAccountId: WABA,
        kind: 'template_status',
        template: { name: 't2', language: null },
        event: 'DISABLED',
        reason: null,
        explanation: 'Disabled on 2025-06-29T22:02:43.000Z.',
      },
      // A date that is no time is left out rather than failing the webhook's job.
      { businessAccountId: WABA, kind: 'template_status', template: { name: 't4', language: null }, event: 'DISABLED', reason: null, explanation: null },
      { businessAccountId: WABA, kind: 'template_quality', template: { name: 't3', language: 'en-US' }, previous: 'GREEN', score: 'YELLOW' },
    ]);
  });

  it('reads category changes made and announced, quality and limit changes of a number, account updates and alerts', () => {
    const notices = accountNotices(
      envelope([
        { field: 'template_category_update', value: { message_template_id: 2, message_template_name: 'welcome', message_template_language: 'en-US', previous_category: 'UTILITY', new_category: 'MARKETING' } },
        { field: 'template_category_update', value: { message_template_name: 'welcome', new_category: 'UTILITY', correct_category: 'MARKETING', category_update_timestamp: 1746169200 } },
        { field: 'phone_number_quality_update', value: { display_phone_number: '15550783881', event: 'DOWNGRADE', old_limit: 'TIER_10K', current_limit: 'TIER_2K' } },
        { field: 'account_update', value: { event: 'DISABLED_UPDATE', ban_info: { waba_ban_state: 'SCHEDULE_FOR_DISABLE', waba_ban_date: 'April 17, 2025' } } },
        { field: 'account_update', value: { event: 'ACCOUNT_VIOLATION', violation_info: { violation_type: 'ADULT' } } },
        {
          field: 'account_alerts',
          value: { entity_type: 'BUSINESS', entity_id: '506914307656634', alert_info: { alert_severity: 'WARNING', alert_status: 'ACTIVE', alert_type: 'INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED', alert_description: 'Limits cannot be increased.' } },
        },
      ]),
    );
    expect(notices.map((n) => ({ ...n, businessAccountId: undefined }))).toEqual([
      { kind: 'template_category', template: { name: 'welcome', language: 'en-US' }, previous: 'UTILITY', category: 'MARKETING', upcoming: null },
      { kind: 'template_category', template: { name: 'welcome', language: null }, previous: null, category: 'UTILITY', upcoming: { category: 'MARKETING', at: new Date(1746169200_000) } },
      { kind: 'number_quality', displayPhoneNumber: '15550783881', event: 'DOWNGRADE', limit: 'TIER_2K', previousLimit: 'TIER_10K' },
      { kind: 'account_update', event: 'DISABLED_UPDATE', ban: { state: 'SCHEDULE_FOR_DISABLE', date: 'April 17, 2025' }, violation: null, restrictions: [] },
      { kind: 'account_update', event: 'ACCOUNT_VIOLATION', ban: null, violation: 'ADULT', restrictions: [] },
      { kind: 'account_alert', severity: 'WARNING', status: 'ACTIVE', type: 'INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED', description: 'Limits cannot be increased.' },
    ]);
  });

  it('skips what does not fit, fields it does not act on, per-number changes and entries without a WABA id; keeps the rest', () => {
    const fits = { field: 'account_update', value: { event: 'ACCOUNT_DELETED' } };
    const notices = accountNotices({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: WABA,
          changes: [
            { field: 'message_template_status_update', value: { event: 42, message_template_name: 'x' } },
            { field: 'business_capability_update', value: { max_daily_conversations_per_business: 2000 } },
            { field: 'account_update', value: { event: 'ACCOUNT_DELETED', metadata: { phone_number_id: '1001' } } },
            'not a change',
            fits,
          ],
        },
        { id: 'WABA-1', changes: [fits] },
        { changes: [fits] },
        { id: 524126980791429, changes: [fits] },
      ],
    });
    expect(notices.map((n) => [n.businessAccountId, n.kind])).toEqual([
      [WABA, 'account_update'],
      ['524126980791429', 'account_update'],
    ]);
  });

  it('keeps control characters and long texts out of what an alert will show', () => {
    const [notice] = accountNotices(
      envelope([{ field: 'message_template_status_update', value: { event: 'REJECTED', message_template_name: 'x', reason: 'SCAM', rejection_info: { reason: `line\nbreak\u0000${'y'.repeat(600)}` } } }]),
    );
    const explanation = notice?.kind === 'template_status' ? notice.explanation : null;
    expect(explanation).toMatch(/^line break y+…$/);
    expect(explanation).toHaveLength(500);
  });
});

describe('webhookSubjects', () => {
  it('names the phone numbers of per-number changes and the WABA of account-level ones, and lists the fields taken but ignored', () => {
    const body = {
      object: 'whatsapp_business_account',
      entry: [
        { id: '111', changes: [{ field: 'messages', value: { metadata: { phone_number_id: '1001' }, statuses: [] } }] },
        { id: '222', changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED' } }] },
        { id: '333', changes: [{ field: 'business_capability_update', value: {} }, { field: 'smb_message_echoes', value: { metadata: { phone_number_id: 1002 } } }] },
        { id: '444', changes: ['junk', { value: {} }] },
      ],
    };
    expect(webhookSubjects(body)).toEqual({
      phoneNumberIds: ['1001', '1002'],
      businessAccountIds: ['222', '333'],
      ignoredFields: ['business_capability_update', 'smb_message_echoes'],
    });
  });
});
