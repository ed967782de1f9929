/**
 * Meta's webhook, first half: check the signature on the raw bytes, persist, answer. The
 * body is stored as a job (one insert) and processed by the worker, so Meta gets its 200 in
 * milliseconds and nothing acknowledged is lost.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../domain/ports/clock.js';
import type { JobQueue } from '../domain/ports/job-queue.js';

export const PROCESS_WEBHOOK_JOB = 'webhook.process';

/** A tenant a webhook may be about, and the secret its webhooks are signed with (null: none to check with). */
export interface WebhookSigner {
  tenantId: string;
  secret: string | null;
}

export interface WebhookSecrets {
  /** The tenant of one of our phone number ids. */
  webhookSecret(phoneNumberId: string): Promise<WebhookSigner | undefined>;
  /** The tenants of a WhatsApp Business Account id (several may share one WABA). */
  accountSecrets(businessAccountId: string): Promise<WebhookSigner[]>;
  /** The Cloud API tenants with an app secret of their own, each with it: read rarely, keep it cheap (cache). */
  ownAppSecrets(): Promise<{ tenantId: string; secret: string }[]>;
}

/** What a webhook body is about, as the adapter that read Meta's shape found it. */
export interface WebhookSubjects {
  /** `value.metadata.phone_number_id` of the per-number changes (messages, statuses, preferences). */
  phoneNumberIds: readonly string[];
  /** `entry[].id` of the entries with account-level changes (templates, quality, account updates). */
  businessAccountIds: readonly string[];
}

export type ReceiveResult =
  | {
      status: 'accepted';
      /** The tenants the signature vouched for: the worker acts for these only. */
      tenants: string[];
      unknownNumbers: string[];
      unknownAccounts: string[];
      /** For a body naming no tenant, taken because one of these tenants' own app secret signed it. */
      signedWithSecretOf: string[];
    }
  | { status: 'bad_signature' };

/**
 * A body that names no tenant is also taken when a tenant's own app secret signed it, but
 * only up to this size: each such secret costs one HMAC of the body, and an unsigned caller
 * must not make the service hash 3 MB once per tenant. Meta's account-level webhooks and
 * single-message ones are a few KB.
 */
export const OWN_SECRET_SEARCH_MAX_BYTES = 256 * 1024;

const BAD_SIGNATURE: ReceiveResult = { status: 'bad_signature' };

/** `X-Hub-Signature-256` of one body, checked against secrets; each secret's HMAC is computed once. */
class HubSignature {
  private readonly given: Buffer | null;
  private readonly checked = new Map<string, boolean>();

  constructor(
    private readonly raw: Buffer,
    header: string | undefined,
  ) {
    const hex = header?.startsWith('sha256=') === true ? header.slice('sha256='.length) : '';
    this.given = /^[0-9a-fA-F]{64}$/.test(hex) ? Buffer.from(hex, 'hex') : null;
  }

  /** Whether there is a signature at all: a missing or malformed one matches no secret. */
  get present(): boolean {
    return this.given !== null;
  }

  by(secret: string | null | undefined): boolean {
    if (this.given === null || secret === null || secret === undefined) return false;
    let matches = this.checked.get(secret);
    if (matches === undefined) {
      matches = timingSafeEqual(this.given, createHmac('sha256', secret).update(this.raw).digest());
      this.checked.set(secret, matches);
    }
    return matches;
  }
}

export class WebhookReceiver {
  constructor(
    private readonly secrets: WebhookSecrets,
    private readonly queue: Pick<JobQueue, 'enqueue'>,
    private readonly clock: Clock,
    private readonly globalSecret: string | undefined,
  ) {}

  /**
   * The signature must be right for each tenant the body speaks for, with the tenant's own
   * app secret where it has one, else the service's (WHATSAPP_APP_SECRET); a secret that signs
   * for one tenant never vouches for another's entries.
   *   - A phone number id names one tenant: signed for it, or refused.
   *   - A WABA id names the tenants with that `businessAccountId`: its changes go to those of
   *     them whose secret signed the body (each Meta app signs its own deliveries of a shared
   *     WABA); none of them: refused.
   *   - A body naming no known number or WABA changes nothing. It is taken (and dropped) when
   *     signed with the service's secret, or with any tenant's own app secret: Meta disables
   *     the webhook of an app whose deliveries keep failing, so a tenant's own app must not be
   *     refused for a number or WABA no tenant has (a WABA not configured yet). Unsigned, a
   *     caller learns nothing either way.
   */
  async receive(raw: Buffer, header: string | undefined, subjects: WebhookSubjects): Promise<ReceiveResult> {
    const signature = new HubSignature(raw, header);
    // No secret can match: nothing is looked up for it.
    if (!signature.present) return BAD_SIGNATURE;
    const tenants = new Set<string>();
    const unknownNumbers: string[] = [];
    const unknownAccounts: string[] = [];
    for (const id of subjects.phoneNumberIds) {
      const found = await this.secrets.webhookSecret(id);
      if (found === undefined) {
        unknownNumbers.push(id);
        continue;
      }
      // A tenant with no secret of its own where the service has none either cannot be vouched for.
      if (!signature.by(found.secret ?? this.globalSecret)) return BAD_SIGNATURE;
      tenants.add(found.tenantId);
    }
    for (const id of subjects.businessAccountIds) {
      const found = await this.secrets.accountSecrets(id);
      if (found.length === 0) {
        unknownAccounts.push(id);
        continue;
      }
      const signers = found.filter((tenant) => signature.by(tenant.secret ?? this.globalSecret));
      if (signers.length === 0) return BAD_SIGNATURE;
      for (const signer of signers) tenants.add(signer.tenantId);
    }
    let signedWithSecretOf: string[] = [];
    if (tenants.size === 0 && !signature.by(this.globalSecret)) {
      signedWithSecretOf = await this.ownSecretSigners(raw, signature);
      if (signedWithSecretOf.length === 0) return BAD_SIGNATURE;
    }
    if (tenants.size > 0) {
      await this.queue.enqueue([
        { kind: PROCESS_WEBHOOK_JOB, payload: { body: raw.toString('utf8'), tenants: [...tenants] }, runAt: this.clock.now(), maxAttempts: 20 },
      ]);
    }
    return { status: 'accepted', tenants: [...tenants], unknownNumbers, unknownAccounts, signedWithSecretOf };
  }

  private async ownSecretSigners(raw: Buffer, signature: HubSignature): Promise<string[]> {
    if (raw.length > OWN_SECRET_SEARCH_MAX_BYTES) return [];
    const owners = await this.secrets.ownAppSecrets();
    return owners.filter((owner) => signature.by(owner.secret)).map((owner) => owner.tenantId);
  }
}
