/**
 * Playing the customer and reading their chat over real HTTP: inbound webhooks in Meta's
 * shape (text, reply button, list row, template quick reply), signed; chats with the
 * template parameters sent; operator authorisation and the service's error envelope.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, testAccount, textMessage, type RunningSandbox } from './support/sandbox-server.js';
import { validSignature, type ReceivedWebhook } from './support/webhook-receiver.js';

const TO = '919812345678';
let s: RunningSandbox;

beforeEach(async () => {
  s = await startSandbox();
});
afterEach(async () => {
  await s.close();
});

interface InboundValue {
  messaging_product: string;
  metadata: { display_phone_number: string; phone_number_id: string };
  contacts: { profile: { name: string }; wa_id: string }[];
  messages: Record<string, unknown>[];
}

function valueOf(hook: ReceivedWebhook | undefined): InboundValue {
  const body = hook?.body as { object: string; entry: { changes: { field: string; value: InboundValue }[] }[] };
  expect(body.object).toBe('whatsapp_business_account');
  const change = body.entry[0]?.changes[0];
  expect(change?.field).toBe('messages');
  if (change === undefined) throw new Error('no change');
  return change.value;
}

const inbound = (body: unknown) => s.operator('POST', `/sandbox/tenants/${s.account.tenantId}/inbound`, body);
const chat = async (phone = TO) =>
  (await s.operator('GET', `/sandbox/tenants/${s.account.tenantId}/chats/${encodeURIComponent(phone)}`)).body as {
    items: { direction: string; wamid: string; type: string; status: string; summary: Record<string, unknown>; body: unknown }[];
  };

function wamidOf(body: unknown): string {
  return (body as { messages: { id: string }[] }).messages[0]?.id ?? '';
}

const buttonMessage = {
  messaging_product: 'whatsapp',
  to: TO,
  type: 'interactive',
  interactive: {
    type: 'button',
    body: { text: 'Cancel order #1581?' },
    action: { buttons: [{ type: 'reply', reply: { id: 'cancel:yes', title: 'Yes, cancel' } }, { type: 'reply', reply: { id: 'cancel:no', title: 'No' } }] },
  },
};
const listMessage = {
  messaging_product: 'whatsapp',
  to: TO,
  type: 'interactive',
  interactive: {
    type: 'list',
    body: { text: 'Which order?' },
    action: {
      button: 'Orders',
      sections: [{ title: 'Recent', rows: [{ id: 'order:1581', title: '#1581', description: '2 items, Rs 1,499' }, { id: 'order:1580', title: '#1580' }] }],
    },
  },
};
const codTemplate = {
  messaging_product: 'whatsapp',
  to: TO,
  type: 'template',
  template: {
    name: 'orderline_order_confirmed_cod',
    language: { code: 'en' },
    components: [
      { type: 'body', parameters: ['Asha', '#1581', 'Acme', '2 x Tee', 'Rs 1,499.00'].map((text) => ({ type: 'text', text })) },
      { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'cod_confirm:4331' }] },
      { type: 'button', sub_type: 'quick_reply', index: '1', parameters: [{ type: 'payload', payload: 'cod_cancel:4331' }] },
    ],
  },
};

describe('inbound messages', () => {
  it('sends a text as Meta’s incoming-message webhook, signed, and answers with the wamid and webhook status', async () => {
    const answer = await inbound({ from: `+${TO}`, text: 'where is my order?', name: 'Asha' });
    expect(answer.status).toBe(200);
    const result = answer.body as { wamid: string; webhookStatus: number };
    expect(result.wamid).toMatch(/^wamid\./);
    expect(result.webhookStatus).toBe(200);
    const hook = s.receiver.received[0];
    expect(hook && validSignature(hook, s.account.appSecret)).toBe(true);
    expect(valueOf(hook)).toEqual({
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550001111', phone_number_id: s.account.phoneNumberId },
      contacts: [{ profile: { name: 'Asha' }, wa_id: TO }],
      messages: [{ from: TO, id: result.wamid, timestamp: String(Date.parse('2026-03-01T10:00:00.000Z') / 1000), type: 'text', text: { body: 'where is my order?' } }],
    });
  });

  it('reports the webhook’s answer when it refuses', async () => {
    s.receiver.answerWith(401);
    const answer = await inbound({ from: TO, text: 'hi' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ webhookStatus: 401, webhookError: 'HTTP 401' });
  });

  it('turns a reply-button tap into button_reply with the title from the chat, quoting the message', async () => {
    const sent = wamidOf((await s.send(buttonMessage)).body);
    await inbound({ from: TO, buttonId: 'cancel:yes' });
    const [message] = valueOf(s.receiver.received[0]).messages;
    expect(message).toMatchObject({
      from: TO,
      type: 'interactive',
      context: { from: '15550001111', id: sent },
      interactive: { type: 'button_reply', button_reply: { id: 'cancel:yes', title: 'Yes, cancel' } },
    });
  });

  it('turns a list choice into list_reply with title and description', async () => {
    await s.send(listMessage);
    await inbound({ from: TO, listRowId: 'order:1581' });
    await inbound({ from: TO, listRowId: 'order:1580' });
    const [first] = valueOf(s.receiver.received[0]).messages;
    const [second] = valueOf(s.receiver.received[1]).messages;
    expect(first?.interactive).toEqual({ type: 'list_reply', list_reply: { id: 'order:1581', title: '#1581', description: '2 items, Rs 1,499' } });
    expect(second?.interactive).toEqual({ type: 'list_reply', list_reply: { id: 'order:1580', title: '#1580' } });
  });

  it('turns a tap on a template quick reply into type "button" with payload and label', async () => {
    const sent = wamidOf((await s.send(codTemplate)).body);
    await inbound({ from: TO, buttonId: 'cod_cancel:4331' });
    const [message] = valueOf(s.receiver.received[0]).messages;
    expect(message).toMatchObject({ type: 'button', context: { id: sent }, button: { payload: 'cod_cancel:4331', text: 'Cancel order' } });
    expect(message?.interactive).toBeUndefined();
  });

  it('finds the chat itself when from is left out for a button', async () => {
    await s.send(codTemplate);
    const answer = await inbound({ buttonId: 'cod_confirm:4331' });
    expect(answer.status).toBe(200);
    expect(valueOf(s.receiver.received[0]).messages[0]).toMatchObject({ from: TO, button: { payload: 'cod_confirm:4331', text: 'Confirm order' } });
  });

  it('sends an unknown button id as a button_reply titled with the id', async () => {
    await inbound({ from: TO, buttonId: 'menu' });
    expect(valueOf(s.receiver.received[0]).messages[0]).toMatchObject({
      type: 'interactive',
      interactive: { type: 'button_reply', button_reply: { id: 'menu', title: 'menu' } },
    });
  });

  it.each([
    ['nothing to send', { from: TO }],
    ['two things at once', { from: TO, text: 'a', buttonId: 'b' }],
    ['a number that is not one', { from: '12ab', text: 'a' }],
    ['text without from', { text: 'a' }],
    ['an unknown field', { from: TO, text: 'a', extra: 1 }],
    ['a button no chat offers, without from', { buttonId: 'nowhere' }],
  ])('refuses %s with the envelope', async (_name, body) => {
    const answer = await inbound(body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 'failure', statusCode: 400, error: 'Bad payload!!' });
    expect(s.receiver.received).toHaveLength(0);
  });

  it('answers 404 for an unknown tenant', async () => {
    const answer = await s.operator('POST', '/sandbox/tenants/nobody/inbound', { from: TO, text: 'hi' });
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ status: 'failure', statusCode: 404, error: 'Not Found!!' });
  });

  it('needs the operator token', async () => {
    const answer = await s.operator('POST', `/sandbox/tenants/${s.account.tenantId}/inbound`, { from: TO, text: 'hi' }, 'wrong');
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ status: 'failure', statusCode: 401, error: 'Unauthorized!!' });
    expect(s.receiver.received).toHaveLength(0);
  });
});

describe('chats', () => {
  it('shows outgoing template parameters, the rendered text and the quick replies, oldest first', async () => {
    await inbound({ from: TO, text: 'hello' });
    const sent = wamidOf((await s.send(codTemplate)).body);
    const { items } = await chat(`+${TO}`);
    expect(items.map((e) => [e.direction, e.type])).toEqual([
      ['in', 'text'],
      ['out', 'template'],
    ]);
    const out = items[1];
    expect(out?.wamid).toBe(sent);
    expect(out?.summary).toMatchObject({
      template: { name: 'orderline_order_confirmed_cod', language: 'en', parameters: ['Asha', '#1581', 'Acme', '2 x Tee', 'Rs 1,499.00'] },
      buttons: [
        { id: 'cod_confirm:4331', title: 'Confirm order' },
        { id: 'cod_cancel:4331', title: 'Cancel order' },
      ],
    });
    expect(out?.summary.text).toContain('Hi Asha, thank you for your order #1581 from Acme.');
    expect(out?.body).toEqual(codTemplate);
    expect(items[0]?.summary).toEqual({ text: 'hello' });
  });

  it('shows the URL of a known template’s link button', async () => {
    await s.send({
      messaging_product: 'whatsapp',
      to: TO,
      type: 'template',
      template: {
        name: 'orderline_order_in_transit',
        language: { code: 'en' },
        components: [
          { type: 'body', parameters: ['Asha', '#1581', 'Acme'].map((text) => ({ type: 'text', text })) },
          { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'tok123' }] },
        ],
      },
    });
    const { items } = await chat();
    expect(items[0]?.summary.links).toEqual(['http://localhost:3000/r/tok123']);
  });

  it('marks an incoming message read when Orderline marks it read', async () => {
    const { wamid } = (await inbound({ from: TO, text: 'hi' })).body as { wamid: string };
    await s.send({ messaging_product: 'whatsapp', status: 'read', message_id: wamid });
    expect((await chat()).items[0]?.status).toBe('read');
  });

  it('lists chats most recently active first, and is empty for a customer with none', async () => {
    await s.send(textMessage('919800000001'));
    await s.send(textMessage('919800000002'));
    const list = await s.operator('GET', `/sandbox/tenants/${s.account.tenantId}/chats`);
    expect((list.body as { items: { phone: string; messages: number }[] }).items.map((c) => [c.phone, c.messages])).toEqual([
      ['919800000002', 1],
      ['919800000001', 1],
    ]);
    expect(await chat('919899999999')).toEqual({ items: [] });
  });

  it('lists chats a page at a time; a chat written to meanwhile goes to the front, not onto a later page', async () => {
    const phones = ['919811000001', '919811000002', '919811000003', '919811000004', '919811000005'];
    for (const p of phones) await s.send(textMessage(p));
    type Page = { items: { phone: string }[]; nextCursor: string | null };
    const list = async (query: string) => (await s.operator('GET', `/sandbox/tenants/${s.account.tenantId}/chats${query}`)).body as Page;
    const first = await list('?limit=2');
    expect(first.items.map((c) => c.phone)).toEqual([phones[4], phones[3]]);
    expect(first.nextCursor).not.toBeNull();
    await s.send(textMessage(phones[0]!));
    const second = await list(`?limit=2&cursor=${first.nextCursor}`);
    expect(second.items.map((c) => c.phone)).toEqual([phones[2], phones[1]]);
    // phones[0] was written to after the first page: it is not on the later pages.
    expect(second.nextCursor).toBeNull();
    expect((await list('?limit=1')).items.map((c) => c.phone)).toEqual([phones[0]]);
    expect((await list('')).items.length).toBeLessThanOrEqual(50);
    for (const bad of ['?limit=0', '?limit=201', '?limit=x', '?cursor=abc', '?cursor=0']) {
      const res = await s.operator('GET', `/sandbox/tenants/${s.account.tenantId}/chats${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body, bad).toMatchObject({ status: 'failure', statusCode: 400 });
    }
  });

  it('refuses a phone that is not a number, an unknown tenant, and a missing token', async () => {
    expect((await s.operator('GET', `/sandbox/tenants/${s.account.tenantId}/chats/abc`)).status).toBe(400);
    expect((await s.operator('GET', '/sandbox/tenants/nobody/chats')).status).toBe(404);
    expect((await s.operator('GET', `/sandbox/tenants/${s.account.tenantId}/chats/${TO}`, undefined, null)).status).toBe(401);
  });
});

describe('account-level webhooks', () => {
  const paused = { event: 'PAUSED', message_template_name: 'orderline_order_shipped', message_template_language: 'en', reason: 'NONE' };

  it("sends {field, value} in Meta's envelope under the account's WABA id, signed, with no number in it", async () => {
    await s.close();
    s = await startSandbox({ accounts: (url) => [testAccount(url, { wabaId: '102290129340398' })] });
    const answer = await s.operator('POST', `/sandbox/tenants/${s.account.tenantId}/account-webhook`, { field: 'message_template_status_update', value: paused });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ businessAccountId: '102290129340398', webhookStatus: 200 });
    const [hook] = await s.receiver.waitFor(1);
    expect(hook && validSignature(hook, s.account.appSecret)).toBe(true);
    expect(hook?.body).toEqual({
      object: 'whatsapp_business_account',
      entry: [{ id: '102290129340398', time: Date.parse('2026-03-01T10:00:00.000Z') / 1000, changes: [{ field: 'message_template_status_update', value: paused }] }],
    });
    expect((await s.operator('GET', '/sandbox/graph/_stats')).body).toMatchObject({ accountWebhooks: 1, webhookPosts: 1 });

    s.receiver.answerWith(401);
    const refused = await s.operator('POST', `/sandbox/tenants/${s.account.tenantId}/account-webhook`, { field: 'account_update', value: { event: 'ACCOUNT_DELETED' } });
    expect(refused.body).toEqual({ businessAccountId: '102290129340398', webhookStatus: 401, webhookError: 'HTTP 401' });
  });

  it('refuses an account without a WABA id (409), an unknown tenant (404), a malformed field (400) and a missing token (401)', async () => {
    const send = (tenantId: string, body: unknown, token?: string | null) => s.operator('POST', `/sandbox/tenants/${tenantId}/account-webhook`, body, token);
    expect((await send(s.account.tenantId, { field: 'account_update', value: {} })).body).toMatchObject({ statusCode: 409, error: 'Conflict!!' });
    expect((await send('nobody', { field: 'account_update', value: {} })).status).toBe(404);
    for (const bad of [{ field: 'Account Update', value: {} }, { field: 'account_update' }, { field: 'account_update', value: [] }, { field: 'x', value: {}, extra: 1 }]) {
      expect((await send(s.account.tenantId, bad)).status, JSON.stringify(bad)).toBe(400);
    }
    expect((await send(s.account.tenantId, { field: 'account_update', value: {} }, null)).status).toBe(401);
    expect(s.receiver.received).toEqual([]);
  });
});
