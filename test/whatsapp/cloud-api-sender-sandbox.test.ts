/**
 * CloudApiSender end to end against the sandbox over real HTTP: the two adapters agree on
 * the protocol, so what the sandbox answers becomes the outcome the worker expects.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OutgoingMessage, SenderAccount } from '../../src/domain/ports/message-sender.js';
import { CloudApiSender } from '../../src/whatsapp/cloud-api-sender.js';
import { API_VERSION, orderConfirmed, startSandbox, type RunningSandbox } from './support/sandbox-server.js';
import { validSignature } from './support/webhook-receiver.js';

let sb: RunningSandbox;
let sender: CloudApiSender;
let account: SenderAccount;
const TO = '919812345678';

beforeAll(async () => {
  sb = await startSandbox();
  sender = new CloudApiSender({ apiVersion: API_VERSION, timeoutMs: 5_000 });
  account = { tenantId: sb.account.tenantId, graphUrl: sb.graphUrl, phoneNumberId: sb.account.phoneNumberId, accessToken: sb.account.accessToken };
});
afterAll(async () => {
  await sender.close();
  await sb.close();
});
afterEach(async () => {
  await sb.operator('POST', '/sandbox/graph/_rules', []);
  await sb.scheduler.runAll();
  sb.receiver.clear();
});

const template = (to = TO, params?: string[]) => orderConfirmed(to, params) as OutgoingMessage;

describe('CloudApiSender against the sandbox', () => {
  it('sends a template: accepted with the wamid the chat shows, then signed statuses with the callback data', async () => {
    const outcome = await sender.send(account, { ...template(), biz_opaque_callback_data: 'msg_42:1' });
    expect(outcome).toMatchObject({ kind: 'accepted', recipientId: TO });
    if (outcome.kind !== 'accepted') throw new Error('unreachable');
    expect(outcome.messageId).toMatch(/^wamid\./);
    const chat = await sb.operator('GET', `/sandbox/tenants/${sb.account.tenantId}/chats/${TO}`);
    expect((chat.body as { items: { wamid: string }[] }).items.at(-1)?.wamid).toBe(outcome.messageId);

    await sb.scheduler.runAll();
    const hooks = sb.receiver.received;
    expect(hooks).toHaveLength(3);
    for (const hook of hooks) {
      expect(validSignature(hook, sb.account.appSecret)).toBe(true);
      expect(hook.raw).toContain(`"id":"${outcome.messageId}"`);
      expect(hook.raw).toContain('"biz_opaque_callback_data":"msg_42:1"');
    }
  });

  it('is rejected with pause_sender for a wrong token', async () => {
    expect(await sender.send({ ...account, accessToken: 'expired' }, template())).toMatchObject({ kind: 'rejected', code: 190, effect: 'pause_sender' });
  });

  it('is rejected with alert for a template parameter count Meta would refuse', async () => {
    const outcome = await sender.send(account, template(TO, ['only', 'three', 'params']));
    expect(outcome).toMatchObject({ kind: 'rejected', code: 132000, effect: 'alert' });
    if (outcome.kind !== 'rejected') throw new Error('unreachable');
    expect(outcome.reason).toContain('number of localizable_params (3) does not match the expected number of params (5)');
  });

  it('is rejected for an unknown phone number id', async () => {
    expect(await sender.send({ ...account, phoneNumberId: '123' }, template())).toMatchObject({ kind: 'rejected', code: 100, effect: 'none' });
  });

  it('retries on the sandbox’s throughput and server errors', async () => {
    await sb.operator('POST', '/sandbox/graph/_rules', [
      { times: 1, respond: { httpStatus: 400, code: 130429, message: '(#130429) Rate limit hit' } },
      { times: 1, respond: { httpStatus: 400, code: 131056, message: '(#131056) Pair rate limit hit' } },
      { times: 1, respond: { httpStatus: 500, code: 131000, message: '(#131000) Something went wrong' } },
    ]);
    const outcomes = [await sender.send(account, template()), await sender.send(account, template()), await sender.send(account, template())];
    expect(outcomes.map((o) => (o.kind === 'retry' ? [o.code, o.scope] : o.kind))).toEqual([
      [130429, 'sender'],
      [131056, 'recipient'],
      [131000, 'message'],
    ]);
    expect((await sender.send(account, template())).kind).toBe('accepted');
  });

  it('is accepted for a number not on WhatsApp, whose failure comes as a status', async () => {
    const outcome = await sender.send(account, template('919800000000'));
    expect(outcome.kind).toBe('accepted');
    await sb.scheduler.runAll();
    expect(sb.receiver.received).toHaveLength(1);
    expect(sb.receiver.received[0]?.raw).toContain('"status":"failed"');
    expect(sb.receiver.received[0]?.raw).toContain('"code":131026');
  });
});
