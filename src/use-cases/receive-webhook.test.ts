/**
 * The webhook's signature rules with the tenants as fakes: which secret may sign for which
 * tenant, for per-number and account-level (WABA) bodies, and what a body naming no tenant
 * needs. The route and real stores: test/http/account-webhooks.test.ts.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../domain/ports/clock.js';
import type { JobSpec } from '../domain/ports/job-queue.js';
import { OWN_SECRET_SEARCH_MAX_BYTES, WebhookReceiver, type WebhookSecrets, type WebhookSigner, type WebhookSubjects } from './receive-webhook.js';

const GLOBAL = 'service-secret';

/** Tenants by phone number id and by WABA id; counts look-ups. */
class FakeSecrets implements WebhookSecrets {
  lookups = 0;
  ownListed = 0;
  constructor(
    private readonly numbers: Record<string, WebhookSigner>,
    private readonly accounts: Record<string, WebhookSigner[]>,
    private readonly own: { tenantId: string; secret: string }[] = [],
  ) {}
  async webhookSecret(id: string): Promise<WebhookSigner | undefined> {
    this.lookups++;
    return this.numbers[id];
  }
  async accountSecrets(id: string): Promise<WebhookSigner[]> {
    this.lookups++;
    return this.accounts[id] ?? [];
  }
  async ownAppSecrets(): Promise<{ tenantId: string; secret: string }[]> {
    this.ownListed++;
    return this.own;
  }
}

class RecordingQueue {
  readonly jobs: JobSpec[] = [];
  async enqueue(jobs: JobSpec[]): Promise<void> {
    this.jobs.push(...jobs);
  }
}

const sign = (raw: Buffer, secret: string) => 'sha256=' + createHmac('sha256', secret).update(raw).digest('hex');
const body = (text = '{"object":"whatsapp_business_account","entry":[]}') => Buffer.from(text);
const about = (phoneNumberIds: string[], businessAccountIds: string[] = []): WebhookSubjects => ({ phoneNumberIds, businessAccountIds });

/** `globalSecret` null: no WHATSAPP_APP_SECRET. */
function setUp(secrets: FakeSecrets, globalSecret: string | null = GLOBAL) {
  const queue = new RecordingQueue();
  const receiver = new WebhookReceiver(secrets, queue, new ManualClock('2026-03-01T10:00:00.000Z'), globalSecret ?? undefined);
  return { receiver, queue };
}

const A = { tenantId: 'ten_a', secret: 'a-own' };
const B = { tenantId: 'ten_b', secret: 'b-own' };
const C = { tenantId: 'ten_c', secret: null };

describe('WebhookReceiver', () => {
  it("takes a WABA's body signed with its tenant's own secret and queues it for that tenant only", async () => {
    const { receiver, queue } = setUp(new FakeSecrets({}, { W_A: [A], W_B: [B] }));
    const raw = body();
    for (const secret of [GLOBAL, 'b-own', 'nobody']) {
      expect(await receiver.receive(raw, sign(raw, secret), about([], ['W_A']))).toEqual({ status: 'bad_signature' });
    }
    expect(queue.jobs).toEqual([]);
    const taken = await receiver.receive(raw, sign(raw, 'a-own'), about([], ['W_A']));
    expect(taken).toEqual({ status: 'accepted', tenants: ['ten_a'], unknownNumbers: [], unknownAccounts: [], signedWithSecretOf: [] });
    expect(queue.jobs.map((j) => j.payload)).toEqual([{ body: raw.toString('utf8'), tenants: ['ten_a'] }]);
  });

  it("checks a tenant without its own secret with the service's, and refuses it when the service has none", async () => {
    const secrets = new FakeSecrets({}, { W_C: [C] });
    const raw = body();
    expect((await setUp(secrets).receiver.receive(raw, sign(raw, GLOBAL), about([], ['W_C']))).status).toBe('accepted');
    expect((await setUp(secrets, null).receiver.receive(raw, sign(raw, GLOBAL), about([], ['W_C']))).status).toBe('bad_signature');
  });

  it('gives a shared WABA to the tenants whose secret signed, and refuses when none of them did', async () => {
    const { receiver } = setUp(new FakeSecrets({}, { W: [A, C] }));
    const raw = body();
    expect(await receiver.receive(raw, sign(raw, 'a-own'), about([], ['W']))).toMatchObject({ status: 'accepted', tenants: ['ten_a'] });
    expect(await receiver.receive(raw, sign(raw, GLOBAL), about([], ['W']))).toMatchObject({ status: 'accepted', tenants: ['ten_c'] });
    expect(await receiver.receive(raw, sign(raw, 'b-own'), about([], ['W']))).toEqual({ status: 'bad_signature' });
  });

  it('needs every named tenant signed for: a number of one and a WABA of another are refused with either secret', async () => {
    const { receiver } = setUp(new FakeSecrets({ N_A: A }, { W_B: [B] }));
    const raw = body();
    for (const secret of ['a-own', 'b-own', GLOBAL]) {
      expect((await receiver.receive(raw, sign(raw, secret), about(['N_A'], ['W_B']))).status).toBe('bad_signature');
    }
    // A number and an unknown WABA: the known tenant's signature is what counts; the rest is dropped.
    expect(await receiver.receive(raw, sign(raw, 'a-own'), about(['N_A'], ['W_unknown']))).toMatchObject({
      status: 'accepted',
      tenants: ['ten_a'],
      unknownAccounts: ['W_unknown'],
    });
  });

  it("takes a body naming no tenant when the service's or any tenant's own secret signed it, queueing nothing", async () => {
    const secrets = new FakeSecrets({}, {}, [A, B]);
    const { receiver, queue } = setUp(secrets);
    const raw = body();
    expect(await receiver.receive(raw, sign(raw, 'b-own'), about(['N_x'], ['W_x']))).toEqual({
      status: 'accepted',
      tenants: [],
      unknownNumbers: ['N_x'],
      unknownAccounts: ['W_x'],
      signedWithSecretOf: ['ten_b'],
    });
    expect(await receiver.receive(raw, sign(raw, GLOBAL), about([], ['W_x']))).toMatchObject({ status: 'accepted', signedWithSecretOf: [] });
    expect(await receiver.receive(raw, sign(raw, 'nobody'), about([], ['W_x']))).toEqual({ status: 'bad_signature' });
    expect(queue.jobs).toEqual([]);
    // The service's signature is tried first: the tenants' secrets are not listed for it.
    const listed = secrets.ownListed;
    await receiver.receive(raw, sign(raw, GLOBAL), about([], []));
    expect(secrets.ownListed).toBe(listed);
  });

  it("does not search the tenants' secrets for a body naming no tenant above 256 KiB", async () => {
    const secrets = new FakeSecrets({}, {}, [A]);
    const { receiver } = setUp(secrets);
    const big = body(`{"pad":"${'x'.repeat(OWN_SECRET_SEARCH_MAX_BYTES)}"}`);
    expect(await receiver.receive(big, sign(big, 'a-own'), about([], ['W_x']))).toEqual({ status: 'bad_signature' });
    expect(secrets.ownListed).toBe(0);
    expect((await receiver.receive(big, sign(big, GLOBAL), about([], ['W_x']))).status).toBe('accepted');
  });

  it('refuses a missing or malformed signature without looking anything up', async () => {
    const secrets = new FakeSecrets({ N_A: A }, { W_A: [A] }, [A]);
    const { receiver } = setUp(secrets);
    const raw = body();
    const good = sign(raw, 'a-own');
    for (const header of [undefined, '', 'sha256=', good.slice(0, -2), `sha1=${good.slice(7)}`, `${good}00`, good.replace('sha256=', 'sha256=zz')]) {
      expect(await receiver.receive(raw, header, about(['N_A'], ['W_A']))).toEqual({ status: 'bad_signature' });
    }
    expect(secrets.lookups).toBe(0);
    expect(secrets.ownListed).toBe(0);
    expect((await receiver.receive(raw, good.toUpperCase().replace('SHA256=', 'sha256='), about(['N_A'], ['W_A']))).status).toBe('accepted');
  });
});
