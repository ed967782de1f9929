/**
 * Meta's account-level webhooks, second half (in the worker): each notice about a WhatsApp
 * Business Account reaches the tenants with that `businessAccountId` whose signature the
 * receiver checked (`vouched`: a secret that signed for one tenant never speaks for another),
 * as an operator alert when it needs one (domain/accounts/account-alert.ts), and good news
 * (a template reinstated) marks the open alerts about the same thing resolved. Alerts that
 * repeat within 15 minutes count on one (Meta redelivers; the job may run again).
 */
import { accountAlert, accountResolution } from '../domain/accounts/account-alert.js';
import type { AccountNotice } from '../domain/accounts/account-notice.js';
import type { AlertStore } from '../domain/ports/alert-store.js';
import type { Clock } from '../domain/ports/clock.js';
import type { IdGenerator } from '../domain/ports/ids.js';
import type { TenantStore } from '../domain/ports/tenant-store.js';

export interface AccountWebhookDeps {
  tenants: Pick<TenantStore, 'findByBusinessAccountId'>;
  alerts: Pick<AlertStore, 'raise' | 'resolve'>;
  clock: Clock;
  ids: IdGenerator;
}

export interface AccountSummary {
  alerts: number;
  /** Open alerts settled by good news (a template reinstated). */
  resolved: number;
  /** Notices for a WABA none of the vouched tenants has (any more). */
  unrouted: number;
}

export class AccountWebhookProcessor {
  constructor(private readonly deps: AccountWebhookDeps) {}

  async process(notices: readonly AccountNotice[], vouched: ReadonlySet<string>): Promise<AccountSummary> {
    const summary: AccountSummary = { alerts: 0, resolved: 0, unrouted: 0 };
    const now = this.deps.clock.now();
    for (const notice of notices) {
      const tenants = (await this.deps.tenants.findByBusinessAccountId(notice.businessAccountId)).filter((t) => vouched.has(t.id));
      if (tenants.length === 0) summary.unrouted++;
      const settles = accountResolution(notice);
      for (const tenant of tenants) {
        if (settles !== null) summary.resolved += await this.deps.alerts.resolve(tenant.id, settles, now);
        const alert = accountAlert(notice, tenant.settings);
        if (alert === null) continue;
        const { kind, detail, subject } = alert;
        await this.deps.alerts.raise({ id: this.deps.ids.next('alr'), tenantId: tenant.id, kind, detail, createdAt: now, ...(subject === undefined ? {} : { subject }) });
        summary.alerts++;
      }
    }
    return summary;
  }
}
