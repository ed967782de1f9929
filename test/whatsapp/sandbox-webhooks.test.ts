/**
 * Status webhooks and failure behaviour over real HTTP: statuses arrive at a local receiver
 * in order (sent → delivered → read), signed over their exact bytes, in Meta's shape, with
 * the callback data echoed; numbers ending in 0000 and operator rules fail as Meta would.
 * A ManualScheduler releases the webhooks: no test sleeps.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { customerWrote, orderConfirmed, startSandbox, textMessage, type RunningSandbox } from './support/sandbox-server.js';
import { validSignature, type ReceivedWebhook } from './support/webhook-receiver.js';

const TO = '919812345678';
let sb: RunningSandbox | undefined;

async function start(options: Parameters<typeof startSandbox>[0] = {}): Promise<RunningSandbox> {
  sb = await startSandbox(options);
  return sb;
}

/** A text to a customer who has just written (inside their customer-service window). */
function sendText(s: RunningSandbox, to: string, body?: string, extra?: Record<string, unknown>) {
  customerWrote(s, to);
  return s.send(textMessage(to, body, extra));
}

afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

interface StatusItem {
  id: string;
  status: string;
  timestamp: string;
  recipient_id: string;
  biz_opaque_callback_data?: string;
  pricing?: { category: string; pricing_model: string };
  errors?: { code: number; title: string; message: string; error_data: { details: string } }[];
}

function statusesOf(webhook: ReceivedWebhook): StatusItem[] {
  const body = webhook.body as { entry: { changes: { value: { statuses: StatusItem[] } }[] }[] };
  return body.entry.flatMap((e) => e.changes.flatMap((c) => c.value.statuses));
}

function wamidOf(body: unknown): string {
  const id = (body as { messages: { id: string }[] }).messages[0]?.id;
  if (id === undefined) throw new Error('no wamid in the answer');
  return id;
}

describe('status webhooks', () => {
  it('posts sent, delivered and read in order, signed, in Meta’s exact shape, with the callback data', async () => {
    const s = await start();
    const answer = await sendText(s, TO, 'hi', { biz_opaque_callback_data: 'msg_01HX:attempt-1' });
    const wamid = wamidOf(answer.body);
    expect(s.receiver.received).toHaveLength(0);
    expect(s.scheduler.pending).toBe(1);

    await s.scheduler.runAll();
    const hooks = s.receiver.received;
    expect(hooks).toHaveLength(3);
    expect(hooks.map((h) => statusesOf(h)[0]?.status)).toEqual(['sent', 'delivered', 'read']);
    for (const hook of hooks) {
      expect(hook.headers['content-type']).toBe('application/json');
      expect(validSignature(hook, s.account.appSecret)).toBe(true);
      expect(validSignature(hook, 'another-secret')).toBe(false);
    }
    const first = hooks[0];
    if (first === undefined) throw new Error('unreachable');
    expect(first.body).toEqual({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: expect.stringMatching(/^\d{15}$/) as unknown,
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550001111', phone_number_id: s.account.phoneNumberId },
                statuses: [
                  {
                    id: wamid,
                    status: 'sent',
                    timestamp: String(Date.parse('2026-03-01T10:00:00.000Z') / 1000),
                    recipient_id: TO,
                    biz_opaque_callback_data: 'msg_01HX:attempt-1',
                    pricing: { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' },
                  },
                ],
              },
            },
          ],
        },
      ],
    });
  });

  it('waits the configured delays, each after the previous step', async () => {
    const s = await start({ delays: { sent: 10, delivered: 20, read: 30 } });
    await s.send(orderConfirmed(TO));
    expect(await s.scheduler.advance(9)).toBe(0);
    expect(await s.scheduler.advance(1)).toBe(1);
    expect(await s.scheduler.advance(19)).toBe(0);
    expect(await s.scheduler.advance(1)).toBe(1);
    expect(await s.scheduler.advance(30)).toBe(1);
    expect(s.receiver.received.map((h) => statusesOf(h)[0]?.status)).toEqual(['sent', 'delivered', 'read']);
    expect(statusesOf(s.receiver.received[0] as ReceivedWebhook)[0]?.pricing?.category).toBe('utility');
  });

  it('uses the status webhook timestamps of the injected clock', async () => {
    const s = await start();
    await sendText(s, TO);
    s.clock.advance(65_000);
    await s.scheduler.runAll();
    expect(statusesOf(s.receiver.received[0] as ReceivedWebhook)[0]?.timestamp).toBe(String(Date.parse('2026-03-01T10:01:05.000Z') / 1000));
  });

  it('sends no read status when read receipts are off', async () => {
    const s = await start({ readReceipts: false });
    await sendText(s, TO);
    await s.scheduler.runAll();
    expect(s.receiver.received.map((h) => statusesOf(h)[0]?.status)).toEqual(['sent', 'delivered']);
  });

  it('batches statuses of one account into one POST when asked', async () => {
    const s = await start({ statusBatchMs: 50, readReceipts: false });
    const wamids = [];
    for (let i = 0; i < 4; i++) wamids.push(wamidOf((await sendText(s, `91981234567${i}`)).body));
    await s.scheduler.runAll();
    expect(s.receiver.received).toHaveLength(2);
    const [sent, delivered] = s.receiver.received.map(statusesOf);
    expect(sent?.map((st) => [st.id, st.status])).toEqual(wamids.map((w) => [w, 'sent']));
    expect(delivered?.map((st) => [st.id, st.status])).toEqual(wamids.map((w) => [w, 'delivered']));
    expect(s.receiver.received.every((h) => validSignature(h, s.account.appSecret))).toBe(true);
  });

  it('retries a webhook the receiver refused, with the same bytes and signature', async () => {
    const s = await start();
    s.receiver.answerWith(500, 503);
    await sendText(s, TO);
    await s.scheduler.runAll();
    const hooks = s.receiver.received;
    expect(hooks.map((h) => [statusesOf(h)[0]?.status, h.answered])).toEqual([
      ['sent', 500],
      ['sent', 503],
      ['sent', 200],
      ['delivered', 200],
      ['read', 200],
    ]);
    expect(hooks[1]?.raw).toBe(hooks[0]?.raw);
    expect(hooks[2]?.headers['x-hub-signature-256']).toBe(hooks[0]?.headers['x-hub-signature-256']);
    expect(s.sandbox.state.counters.webhookFailures).toBe(2);
  });

  it('gives up after the configured retries', async () => {
    const s = await start({ webhookRetryDelaysMs: [10, 20], readReceipts: false });
    s.receiver.answerWith(500, 500, 500);
    await sendText(s, TO);
    await s.scheduler.runAll();
    // Three tries of `sent` (first + two retries), then the sequence goes on.
    expect(s.receiver.received.map((h) => [statusesOf(h)[0]?.status, h.answered])).toEqual([
      ['sent', 500],
      ['sent', 500],
      ['sent', 500],
      ['delivered', 200],
    ]);
  });

  it('shows the statuses in the chat, moving to read', async () => {
    const s = await start();
    const wamid = wamidOf((await s.send(orderConfirmed(TO))).body);
    const before = await s.operator('GET', `/sandbox/tenants/${s.account.tenantId}/chats/${TO}`);
    expect((before.body as { items: { status: string }[] }).items.map((e) => e.status)).toEqual(['accepted']);
    await s.scheduler.runAll();
    const after = await s.operator('GET', `/sandbox/tenants/${s.account.tenantId}/chats/+${TO}`);
    const [entry] = (after.body as { items: { wamid: string; status: string; statuses: { status: string }[] }[] }).items;
    expect(entry?.wamid).toBe(wamid);
    expect(entry?.status).toBe('read');
    expect(entry?.statuses.map((x) => x.status)).toEqual(['accepted', 'sent', 'delivered', 'read']);
  });
});

describe('numbers that are not on WhatsApp', () => {
  it('accepts a number ending in 0000, then sends a failed status with 131026', async () => {
    const s = await start();
    const to = '919812340000';
    // No window needed: Meta reports an undeliverable number whatever the message.
    const answer = await s.send(textMessage(to, 'hi', { biz_opaque_callback_data: 'cb-1' }));
    expect(answer.status).toBe(200);
    await s.scheduler.runAll();
    expect(s.receiver.received).toHaveLength(1);
    const [status] = statusesOf(s.receiver.received[0] as ReceivedWebhook);
    expect(status).toEqual({
      id: wamidOf(answer.body),
      status: 'failed',
      timestamp: expect.stringMatching(/^\d+$/) as unknown,
      recipient_id: to,
      biz_opaque_callback_data: 'cb-1',
      errors: [
        {
          code: 131026,
          title: 'Message undeliverable',
          message: 'Message undeliverable',
          error_data: { details: 'Message Undeliverable.' },
          href: expect.stringContaining('developers.facebook.com') as unknown,
        },
      ],
    });
    const chat = await s.operator('GET', `/sandbox/tenants/${s.account.tenantId}/chats/${to}`);
    expect((chat.body as { items: { status: string; errorCode: number }[] }).items[0]).toMatchObject({ status: 'failed', errorCode: 131026 });
  });
});

describe('failure rules', () => {
  it('answers 130429 twice, then accepts', async () => {
    const s = await start();
    const rules = [{ to: TO, times: 2, respond: { httpStatus: 400, code: 130429, message: '(#130429) Rate limit hit' } }];
    const set = await s.operator('POST', '/sandbox/graph/_rules', rules);
    expect(set.status).toBe(200);
    const answers = [await sendText(s, TO), await sendText(s, TO), await sendText(s, TO)];
    expect(answers.map((a) => a.status)).toEqual([400, 400, 200]);
    expect(answers[0]?.body).toMatchObject({
      error: { code: 130429, message: '(#130429) Rate limit hit', type: 'OAuthException', error_data: { messaging_product: 'whatsapp' } },
    });
    // Other recipients were never affected.
    expect((await sendText(s, '919800000001')).status).toBe(200);
    const listed = await s.operator('GET', '/sandbox/graph/_rules');
    expect(listed.body).toEqual({ items: [{ ...rules[0], remaining: 0 }] });
  });

  it.each([
    [131056, 400],
    [131000, 500],
    [190, 401],
  ])('answers %i with HTTP %i', async (code, httpStatus) => {
    const s = await start();
    await s.operator('POST', '/sandbox/graph/_rules', [{ respond: { httpStatus, code, message: `(#${code}) from a rule` } }]);
    const answer = await sendText(s, TO);
    expect(answer.status).toBe(httpStatus);
    expect((answer.body as { error: { code: number } }).error.code).toBe(code);
  });

  it('accepts, then sends a failed status with failStatus (131050)', async () => {
    const s = await start();
    await s.operator('POST', '/sandbox/graph/_rules', [{ to: TO, failStatus: 131050 }]);
    const answer = await s.send(orderConfirmed(TO));
    expect(answer.status).toBe(200);
    await s.scheduler.runAll();
    const [status] = statusesOf(s.receiver.received[0] as ReceivedWebhook);
    expect(status?.status).toBe('failed');
    expect(status?.errors?.[0]?.code).toBe(131050);
    expect(s.receiver.received).toHaveLength(1);
  });

  it('replaces the rules on every POST and refuses a malformed list with the envelope', async () => {
    const s = await start();
    await s.operator('POST', '/sandbox/graph/_rules', [{ failStatus: 131049 }]);
    await s.operator('POST', '/sandbox/graph/_rules', []);
    expect((await s.operator('GET', '/sandbox/graph/_rules')).body).toEqual({ items: [] });
    const bad = await s.operator('POST', '/sandbox/graph/_rules', [{ to: TO, respond: { code: 1 } }]);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ status: 'failure', statusCode: 400, error: 'Bad payload!!' });
  });

  it('keeps rules behind the operator token', async () => {
    const s = await start();
    const answer = await s.operator('GET', '/sandbox/graph/_rules', undefined, null);
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ status: 'failure', statusCode: 401, error: 'Unauthorized!!' });
  });
});

describe('the customer-service window', () => {
  const failedCode = (s: RunningSandbox) => statusesOf(s.receiver.received.at(-1) as ReceivedWebhook)[0]?.errors?.[0]?.code;

  it('accepts a text to a customer who never wrote, then reports it failed with 131047; a template goes through', async () => {
    const s = await start();
    const text = await s.send(textMessage(TO));
    expect(text.status).toBe(200);
    await s.scheduler.runAll();
    expect(s.receiver.received.map((h) => statusesOf(h)[0]?.status)).toEqual(['failed']);
    expect(failedCode(s)).toBe(131047);
    s.receiver.received.length = 0;
    await s.send(orderConfirmed(TO));
    await s.scheduler.runAll();
    expect(s.receiver.received.map((h) => statusesOf(h)[0]?.status)).toEqual(['sent', 'delivered', 'read']);
  });

  it('closes 24 hours after the customer last wrote', async () => {
    const s = await start({ readReceipts: false });
    customerWrote(s, TO);
    s.clock.advance(23 * 3_600_000);
    await s.send(textMessage(TO));
    await s.scheduler.runAll();
    expect(s.receiver.received.map((h) => statusesOf(h)[0]?.status)).toEqual(['sent', 'delivered']);
    s.clock.advance(2 * 3_600_000);
    await s.send(textMessage(TO));
    await s.scheduler.runAll();
    expect(failedCode(s)).toBe(131047);
  });
});
