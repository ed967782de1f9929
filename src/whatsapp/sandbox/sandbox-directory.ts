/**
 * How the sandbox knows the accounts it stands in for. The service implements this over its
 * tenants (a sandbox tenant's generated access token and app secret); `staticDirectory`
 * serves the standalone process and tests. Deliberately left out: creating or changing
 * accounts (the sandbox only reads them) and any notion of a WhatsApp Business Account
 * beyond the id that goes into webhooks.
 */

export interface SandboxAccount {
  tenantId: string;
  phoneNumberId: string;
  /** The bearer token `/messages` must be called with. */
  accessToken: string;
  /** Signs every webhook the sandbox sends for this account (`X-Hub-Signature-256`). */
  appSecret: string;
  /** Where status and inbound-message webhooks go. */
  webhookUrl: string;
  /** The business number shown in webhook metadata, e.g. "15550001111". */
  displayPhoneNumber: string;
  /**
   * `entry[].id` of the webhooks; derived from the phone number id when not given. Account-level
   * webhooks name only it, so the sandbox sends them for accounts that give one.
   */
  wabaId?: string;
}

export interface SandboxDirectory {
  byPhoneNumberId(id: string): Promise<SandboxAccount | undefined>;
  byTenantId(id: string): Promise<SandboxAccount | undefined>;
}

/** A fixed set of accounts (standalone sandbox, tests). Later duplicates of an id are refused. */
export function staticDirectory(accounts: readonly SandboxAccount[]): SandboxDirectory {
  const byPhone = new Map<string, SandboxAccount>();
  const byTenant = new Map<string, SandboxAccount>();
  for (const account of accounts) {
    if (byPhone.has(account.phoneNumberId)) throw new Error(`phone number id ${account.phoneNumberId} is listed twice`);
    if (byTenant.has(account.tenantId)) throw new Error(`tenant ${account.tenantId} is listed twice`);
    const copy = Object.freeze({ ...account });
    byPhone.set(account.phoneNumberId, copy);
    byTenant.set(account.tenantId, copy);
  }
  return {
    byPhoneNumberId: async (id) => byPhone.get(id),
    byTenantId: async (id) => byTenant.get(id),
  };
}
