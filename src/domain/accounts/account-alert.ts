/**
 * Which account-level news an operator must see, as an alert of the tenant: a template
 * Meta rejected, paused, disabled, flagged, deleted or moved to another category, or whose
 * quality fell; a number flagged or given a lower messaging limit; the account restricted,
 * banned, found in violation or deleted; Meta's own account alerts that ask for action. Good
 * news (an approval, a reinstatement, an upgrade) raises nothing. The detail names the
 * template's uses in the tenant's settings, since a template the tenant sends with is the one
 * whose messages are about to fail (132015 paused, 132016 disabled, 132001 gone).
 */
import { templateUses } from '../templates/template-uses.js';
import type { TenantSettings } from '../tenants/tenant-settings.js';
import type { AccountNotice, TemplateRef } from './account-notice.js';

export interface AccountAlert {
  kind: string;
  detail: string;
  /** What it is about, when later news can settle it (see accountResolution). */
  subject?: string;
}

/** The subject of a template's alerts: its name and language (any language when Meta names none). */
export function templateSubject(t: TemplateRef): string {
  return `template:${t.name}:${t.language ?? '*'}`;
}

/** Template events after which the template sends again: its earlier alerts are settled. */
const TEMPLATE_GOOD_NEWS = new Set(['APPROVED', 'REINSTATED']);

/**
 * The subject whose open alerts this notice settles, or null: Meta approving or reinstating a
 * template that was paused, disabled, flagged or rejected. Good news raises nothing itself.
 */
export function accountResolution(notice: AccountNotice): string | null {
  return notice.kind === 'template_status' && TEMPLATE_GOOD_NEWS.has(notice.event) ? templateSubject(notice.template) : null;
}

/** Template events that need an operator, with what Meta did in words. */
const TEMPLATE_EVENTS: Readonly<Record<string, string>> = {
  REJECTED: 'rejected',
  PAUSED: 'paused',
  DISABLED: 'disabled',
  FLAGGED: 'flagged (customers reported it; it may be paused or disabled next)',
  PENDING_DELETION: 'is deleting',
  DELETED: 'deleted',
  ARCHIVED: 'archived',
  LIMIT_EXCEEDED: 'could not take (the account is at its template limit)',
};

/** Template quality, best first; UNKNOWN (pending) ranks with none. */
const QUALITY_RANK: Readonly<Record<string, number>> = { GREEN: 3, YELLOW: 2, RED: 1 };

/** Messaging limit tiers, lowest first (Meta has renamed the 1K tier 2K). */
const TIER_RANK: Readonly<Record<string, number>> = {
  TIER_50: 1,
  TIER_250: 2,
  TIER_1K: 3,
  TIER_2K: 3,
  TIER_10K: 4,
  TIER_100K: 5,
  TIER_UNLIMITED: 6,
};

function templateName(t: TemplateRef): string {
  return t.language === null ? `"${t.name}"` : `"${t.name}" (${t.language})`;
}

function usesOf(settings: TenantSettings, t: TemplateRef): string {
  const uses = templateUses(settings, t.name, t.language);
  return uses.length === 0 ? "Not used by this tenant's notifications." : `Used for ${uses.join(', ')}.`;
}

function sentence(...parts: (string | null)[]): string {
  return parts.filter((p): p is string => p !== null && p !== '').join(' ');
}

function lowered(rank: Readonly<Record<string, number>>, from: string | null, to: string): boolean {
  const now = rank[to];
  if (now === undefined) return false;
  const before = from === null ? undefined : rank[from];
  return before === undefined ? now < Math.max(...Object.values(rank)) : now < before;
}

export function accountAlert(notice: AccountNotice, settings: TenantSettings): AccountAlert | null {
  const waba = `(WABA ${notice.businessAccountId})`;
  switch (notice.kind) {
    case 'template_status': {
      const did = TEMPLATE_EVENTS[notice.event];
      if (did === undefined) return null;
      const reason = notice.reason === null ? null : `Reason: ${notice.reason}.`;
      return {
        kind: `template_${notice.event.toLowerCase()}`,
        detail: sentence(`Meta ${did} template ${templateName(notice.template)}.`, reason, notice.explanation, usesOf(settings, notice.template)),
        subject: templateSubject(notice.template),
      };
    }
    case 'template_quality': {
      if (!lowered(QUALITY_RANK, notice.previous, notice.score)) return null;
      const from = notice.previous === null ? '' : ` from ${notice.previous}`;
      return {
        kind: 'template_quality_lowered',
        detail: sentence(`Meta lowered the quality of template ${templateName(notice.template)}${from} to ${notice.score}.`, usesOf(settings, notice.template)),
      };
    }
    case 'template_category': {
      const { previous, category, upcoming } = notice;
      let change: string;
      if (upcoming !== null && upcoming.category !== category) {
        const when = upcoming.at === null ? '' : ` on ${upcoming.at.toISOString()}`;
        change = `Meta will change the category of template ${templateName(notice.template)} from ${category} to ${upcoming.category}${when}.`;
      } else if (previous !== null && previous !== category) {
        change = `Meta changed the category of template ${templateName(notice.template)} from ${previous} to ${category}.`;
      } else {
        return null;
      }
      return { kind: 'template_category_changed', detail: sentence(change, usesOf(settings, notice.template)) };
    }
    case 'number_quality': {
      const number = notice.displayPhoneNumber === null ? 'a number' : `+${notice.displayPhoneNumber.replace(/^\+/, '')}`;
      if (notice.event === 'FLAGGED') {
        return { kind: 'phone_number_flagged', detail: `Meta flagged ${number} ${waba} for low quality: its messaging limit goes down unless quality improves.` };
      }
      const limitFell = notice.previousLimit !== null && notice.limit !== null && lowered(TIER_RANK, notice.previousLimit, notice.limit);
      if (notice.event !== 'DOWNGRADE' && !limitFell) return null;
      const from = notice.previousLimit === null ? '' : ` from ${notice.previousLimit}`;
      const to = notice.limit === null ? '' : ` to ${notice.limit}`;
      return { kind: 'messaging_limit_lowered', detail: `Meta lowered the messaging limit of ${number} ${waba}${from}${to}.` };
    }
    case 'account_update':
      return accountUpdateAlert(notice, waba);
    case 'account_alert': {
      if ((notice.severity !== 'CRITICAL' && notice.severity !== 'WARNING') || notice.status === 'NONE') return null;
      return { kind: 'meta_account_alert', detail: sentence(`${notice.severity} ${notice.type} ${waba}:`, notice.description) };
    }
  }
}

function accountUpdateAlert(notice: Extract<AccountNotice, { kind: 'account_update' }>, waba: string): AccountAlert | null {
  switch (notice.event) {
    case 'ACCOUNT_VIOLATION':
      return { kind: 'account_violation', detail: `Meta reports a policy violation by the account ${waba}${notice.violation === null ? '' : `: ${notice.violation}`}.` };
    case 'ACCOUNT_RESTRICTION': {
      const what = notice.restrictions.length === 0 ? '' : `: ${notice.restrictions.join(', ')}`;
      return { kind: 'account_restricted', detail: `Meta restricted the account ${waba}${what}.` };
    }
    case 'DISABLED_UPDATE': {
      if (notice.ban?.state === 'REINSTATE') return null;
      const date = notice.ban?.date === null || notice.ban?.date === undefined ? '' : ` (${notice.ban.date})`;
      const scheduled = notice.ban?.state === 'SCHEDULE_FOR_DISABLE';
      return { kind: 'account_banned', detail: `Meta ${scheduled ? 'scheduled the account to be disabled' : 'disabled the account'} ${waba}${date}.` };
    }
    case 'ACCOUNT_DELETED':
      return { kind: 'account_deleted', detail: `Meta deleted the account ${waba}.` };
    default:
      return null;
  }
}
