/**
 * Meta's account-level webhooks, second half (in the worker): each notice about a WhatsApp
 * Business Account reaches the tenants with that `businessAccountId` whose signature the
 * receiver checked (`vouched`: a secret that signed for one tenant never speaks for another),
 * as an operator alert when it needs one (domain/accounts/account-alert.ts). Alerts that
 * repeat within 15 minutes count on one (Meta redelivers; the job may run again).
 */
import { accountAlert } from '../domain/accounts/account-alert.js';
import type { AccountNotice } from '../domain/accounts/account-notice.js';
import type { AlertStore } from '../domain/ports/alert-store.js';
import type { Clock } from '../domain/ports/clock.js';
import type { IdGenerator } from '../domain/ports/ids.js';
import type { TenantStore } from '../domain/ports/tenant-store.js';

export interface AccountWebhookDeps {
  tenants: Pick<TenantStore, 'findByBusinessAccountId'>;
  alerts: Pick<AlertStore, 'raise'>;
  clock: Clock;
  ids: IdGenerator;
}

export interface AccountSummary {
  alerts: number;
  /** Notices for a WABA none of the vouched tenants has (any more). */
  unrouted: number;
}

export class AccountWebhookProcessor {
  constructor(private readonly deps: AccountWebhookDeps) {}

  async process(notices: readonly AccountNotice[], vouched: ReadonlySet<string>): Promise<AccountSummary> {
    const summary: AccountSummary = { alerts: 0, unrouted: 0 };
    const now = this.deps.clock.now();
    for (const notice of notices) {
      const tenants = (await this.deps.tenants.findByBusinessAccountId(notice.businessAccountId)).filter((t) => vouched.has(t.id));
      if (tenants.length === 0) summary.unrouted++;
      for (const tenant of tenants) {
        const alert = accountAlert(notice, tenant.settings);
        if (alert === null) continue;
        await this.deps.alerts.raise({ id: this.deps.ids.next('alr'), tenantId: tenant.id, kind: alert.kind, detail: alert.detail, createdAt: now });
        summary.alerts++;
      }
    }
    return summary;
  }
}
