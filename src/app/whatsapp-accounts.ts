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
import type { WebhookSecrets, WebhookSigner } from '../use-cases/receive-webhook.js';
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
  /** Milliseconds now (the injected clock): how long the list of tenants' own app secrets is kept. */
  now: () => number;
}

/**
 * How long the tenants' own app secrets are kept for webhooks naming no tenant (read on those
 * only). A change made through this process is seen at once (`forget`); one made by another
 * process within this long, meanwhile Meta retries what was refused.
 */
export const OWN_SECRETS_MS = 30_000;

export class WhatsAppAccounts implements SendAccounts, WebhookSecrets {
  private readonly opened = new Map<string, string>();
  private ownSecrets: { until: number; secrets: Promise<{ tenantId: string; secret: string }[]> } | undefined;

  constructor(
    /** Read per message: give it a RecentTenants. */
    private readonly tenants: Pick<TenantStore, 'get' | 'findByPhoneNumberId' | 'findByBusinessAccountId' | 'listWithSecret'>,
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

  /** The secret a tenant's webhooks are signed with: the sandbox's, its own app's, else the service's (null: none). */
  private signer(tenant: StoredTenant): WebhookSigner {
    if (this.isSandbox(tenant)) return { tenantId: tenant.id, secret: this.derive('sandbox-app-secret', tenant.id) };
    const own = tenant.sealedSecrets.whatsappAppSecret;
    return { tenantId: tenant.id, secret: own !== undefined ? this.open(own) : (this.config.appSecret ?? null) };
  }

  /** The tenant a webhook's phone number id belongs to, and the secret its signature must use. */
  async webhookSecret(phoneNumberId: string): Promise<WebhookSigner | undefined> {
    const tenant = await this.tenants.findByPhoneNumberId(phoneNumberId);
    return tenant === undefined ? undefined : this.signer(tenant);
  }

  /** The tenants of a WABA id, each with the secret its webhooks are signed with. */
  async accountSecrets(businessAccountId: string): Promise<WebhookSigner[]> {
    return (await this.tenants.findByBusinessAccountId(businessAccountId)).map((tenant) => this.signer(tenant));
  }

  /**
   * The Cloud API tenants' own app secrets (sandbox tenants' webhooks come from the sandbox,
   * which names their numbers). Kept OWN_SECRETS_MS: asked for by every webhook that names
   * no tenant, which an unsigned caller can send at will.
   */
  ownAppSecrets(): Promise<{ tenantId: string; secret: string }[]> {
    const now = this.config.now();
    if (this.ownSecrets !== undefined && this.ownSecrets.until > now) return this.ownSecrets.secrets;
    const secrets = this.tenants.listWithSecret('whatsappAppSecret').then((tenants) =>
      tenants.flatMap((tenant) => {
        const sealed = tenant.sealedSecrets.whatsappAppSecret;
        return this.isSandbox(tenant) || sealed === undefined ? [] : [{ tenantId: tenant.id, secret: this.open(sealed) }];
      }),
    );
    const kept = { until: now + OWN_SECRETS_MS, secrets };
    this.ownSecrets = kept;
    // A failed read is not kept: the next webhook reads again.
    void secrets.catch(() => {
      if (this.ownSecrets === kept) this.ownSecrets = undefined;
    });
    return secrets;
  }

  /** Forgets the kept app secrets (a tenant changed: its secret may have). */
  forget(): void {
    this.ownSecrets = undefined;
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
        // Its webhooks name the WABA the tenant says it has, so account-level ones reach it.
        ...(tenant.settings.whatsapp.businessAccountId === null ? {} : { wabaId: tenant.settings.whatsapp.businessAccountId }),
      };
    };
    return {
      byPhoneNumberId: async (id) => account(await this.tenants.findByPhoneNumberId(id)),
      byTenantId: async (id) => account(await this.tenant(id)),
    };
  }
}
