/**
 * Which WhatsApp account a tenant sends from, and which secret signs its webhooks. Tenants
 * with a Meta access token use the Graph API; the others use the built-in sandbox, with a
 * token and an app secret derived from ORDERLINE_SECRET (so nothing more is stored) and the
 * sandbox reached on this service's own address.
 */
import { createHmac } from 'node:crypto';
import type { SenderAccount } from '../domain/ports/message-sender.js';
import type { StoredTenant, TenantStore } from '../domain/ports/tenant-store.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { SendAccounts } from '../use-cases/send-message.js';
import type { SandboxAccount, SandboxDirectory } from '../whatsapp/sandbox/sandbox-directory.js';

export interface AccountsConfig {
  graphUrl: string;
  /** The global app secret (WHATSAPP_APP_SECRET), for tenants without their own. */
  appSecret: string | undefined;
  /** Key material for the sandbox's derived tokens. */
  sandboxKey: string;
  /** This service's own base URL (known once it listens). */
  internalUrl: () => string;
}

export class WhatsAppAccounts implements SendAccounts {
  private readonly opened = new Map<string, string>();

  constructor(
    /** Read per message: give it a RecentTenants. */
    private readonly tenants: TenantStore,
    private readonly secretBox: SecretBox,
    private readonly config: AccountsConfig,
  ) {}

  private derive(purpose: string, tenantId: string): string {
    return createHmac('sha256', this.config.sandboxKey).update(`${purpose}:${tenantId}`).digest('base64url');
  }

  private tenant(tenantId: string): Promise<StoredTenant | undefined> {
    return this.tenants.get(tenantId);
  }

  isSandbox(tenant: StoredTenant): boolean {
    return tenant.sealedSecrets.whatsappAccessToken === undefined;
  }

  async forTenant(tenantId: string): Promise<(SenderAccount & { messagesPerSecond: number }) | null> {
    const tenant = await this.tenant(tenantId);
    const phoneNumberId = tenant?.settings.whatsapp.phoneNumberId ?? null;
    if (tenant === undefined || phoneNumberId === null) return null;
    const messagesPerSecond = tenant.settings.whatsapp.messagesPerSecond;
    const sealed = tenant.sealedSecrets.whatsappAccessToken;
    if (sealed === undefined) {
      return {
        tenantId,
        graphUrl: `${this.config.internalUrl()}/sandbox/graph`,
        phoneNumberId,
        accessToken: this.derive('sandbox-token', tenantId),
        messagesPerSecond,
      };
    }
    return { tenantId, graphUrl: this.config.graphUrl, phoneNumberId, accessToken: this.open(sealed), messagesPerSecond };
  }

  /** Each send needs its tenant's token: opened once per sealed value, not once per message. */
  private open(sealed: string): string {
    let plain = this.opened.get(sealed);
    if (plain === undefined) {
      plain = this.secretBox.open(sealed);
      if (this.opened.size >= 1000) this.opened.clear();
      this.opened.set(sealed, plain);
    }
    return plain;
  }

  /** The tenant a webhook's phone number id belongs to, and the secret its signature must use. */
  async webhookSecret(phoneNumberId: string): Promise<{ tenantId: string; secret: string | null } | undefined> {
    const tenant = await this.tenants.findByPhoneNumberId(phoneNumberId);
    if (tenant === undefined) return undefined;
    if (this.isSandbox(tenant)) return { tenantId: tenant.id, secret: this.derive('sandbox-app-secret', tenant.id) };
    const own = tenant.sealedSecrets.whatsappAppSecret;
    return { tenantId: tenant.id, secret: own !== undefined ? this.secretBox.open(own) : (this.config.appSecret ?? null) };
  }

  sandboxDirectory(): SandboxDirectory {
    const account = (tenant: StoredTenant | undefined): SandboxAccount | undefined => {
      const phoneNumberId = tenant?.settings.whatsapp.phoneNumberId ?? null;
      if (tenant === undefined || phoneNumberId === null || !this.isSandbox(tenant)) return undefined;
      return {
        tenantId: tenant.id,
        phoneNumberId,
        accessToken: this.derive('sandbox-token', tenant.id),
        appSecret: this.derive('sandbox-app-secret', tenant.id),
        webhookUrl: `${this.config.internalUrl()}/webhooks/whatsapp`,
        displayPhoneNumber: `+1555${phoneNumberId.slice(-7)}`,
      };
    };
    return {
      byPhoneNumberId: async (id) => account(await this.tenants.findByPhoneNumberId(id)),
      byTenantId: async (id) => account(await this.tenant(id)),
    };
  }
}
