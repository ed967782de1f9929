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

  /** `phoneNumberIds`: the numbers the body is about, read by the adapter that parsed it. */
  async receive(raw: Buffer, signature: string | undefined, phoneNumberIds: readonly string[]): Promise<ReceiveResult> {
    const ids = phoneNumberIds;
    const tenants: string[] = [];
    const unknownNumbers: string[] = [];
    const candidates = new Set<string>();
    if (this.globalSecret !== undefined) candidates.add(this.globalSecret);
    for (const id of ids) {
      const found = await this.secrets.webhookSecret(id);
      if (found === undefined) {
        unknownNumbers.push(id);
        continue;
      }
      tenants.push(found.tenantId);
      if (found.secret !== null) candidates.add(found.secret);
    }
    // One app can serve several numbers: the signature must match one of the secrets involved.
    if (![...candidates].some((secret) => signatureMatches(raw, signature, secret))) return { status: 'bad_signature' };
    if (tenants.length > 0) {
      await this.queue.enqueue([
        { kind: PROCESS_WEBHOOK_JOB, payload: { body: raw.toString('utf8') }, runAt: this.clock.now(), maxAttempts: 20 },
      ]);
    }
    return { status: 'accepted', tenants, unknownNumbers };
  }
}
