/**
 * Meta's webhook, first half: check the signature on the raw bytes, persist, answer. The
 * body is stored as a job (one insert) and processed by the worker, so Meta gets its 200 in
 * milliseconds and nothing acknowledged is lost.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../domain/ports/clock.js';
import type { JobQueue } from '../domain/ports/job-queue.js';

export const PROCESS_WEBHOOK_JOB = 'webhook.process';

export interface WebhookSecrets {
  webhookSecret(phoneNumberId: string): Promise<{ tenantId: string; secret: string | null } | undefined>;
}

export type ReceiveResult =
  | { status: 'accepted'; tenants: string[]; unknownNumbers: string[] }
  | { status: 'bad_signature' };

function signatureMatches(raw: Buffer, header: string | undefined, secret: string): boolean {
  if (header === undefined || !header.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  const expected = createHmac('sha256', secret).update(raw).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export class WebhookReceiver {
  constructor(
    private readonly secrets: WebhookSecrets,
    private readonly queue: JobQueue,
    private readonly clock: Clock,
    private readonly globalSecret: string | undefined,
  ) {}

  /**
   * `phoneNumberIds`: the numbers the body is about, read by the adapter that parsed it. The
   * signature must be right for each tenant the body speaks for: with the tenant's own app
   * secret where it has one, else the service's (WHATSAPP_APP_SECRET). A secret that signs
   * for one tenant never vouches for another's entries. A body about no known number must
   * carry the service's signature (it changes nothing, but an unsigned caller learns nothing).
   */
  async receive(raw: Buffer, signature: string | undefined, phoneNumberIds: readonly string[]): Promise<ReceiveResult> {
    const tenants: string[] = [];
    const unknownNumbers: string[] = [];
    const required = new Set<string | undefined>();
    for (const id of phoneNumberIds) {
      const found = await this.secrets.webhookSecret(id);
      if (found === undefined) {
        unknownNumbers.push(id);
        continue;
      }
      tenants.push(found.tenantId);
      required.add(found.secret ?? this.globalSecret);
    }
    if (tenants.length === 0) required.add(this.globalSecret);
    // A tenant with no secret of its own where the service has none either cannot be vouched for.
    const signed = [...required].every((secret) => secret !== undefined && signatureMatches(raw, signature, secret));
    if (!signed) return { status: 'bad_signature' };
    if (tenants.length > 0) {
      await this.queue.enqueue([
        { kind: PROCESS_WEBHOOK_JOB, payload: { body: raw.toString('utf8') }, runAt: this.clock.now(), maxAttempts: 20 },
      ]);
    }
    return { status: 'accepted', tenants, unknownNumbers };
  }
}
