/**
 * The stand-in Graph API's /messages over real HTTP: Meta's success body, its errors with
 * their HTTP statuses for every malformed request the reference describes, and the token
 * and phone-number-id checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderConfirmed, startSandbox, textMessage, type RunningSandbox } from './support/sandbox-server.js';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(async () => {
  await sb.close();
});

const TO = '919812345678';

interface MetaError {
  error: { message: string; type: string; code: number; error_subcode?: number; error_data?: { messaging_product: string; details: string }; fbtrace_id: string };
}

function metaError(body: unknown): MetaError['error'] {
  const error = (body as MetaError).error;
  expect(Object.keys(body as object)).toEqual(['error']);
  expect(typeof error.fbtrace_id).toBe('string');
  expect(error.fbtrace_id.length).toBeGreaterThan(10);
  return error;
}

const template = (template: Record<string, unknown>) => ({ messaging_product: 'whatsapp', to: TO, type: 'template', template });
const body = (parameters: unknown[]) => [{ type: 'body', parameters }];
const interactive = (value: Record<string, unknown>) => ({ messaging_product: 'whatsapp', to: TO, type: 'interactive', interactive: value });
const buttons = (list: unknown[]) => interactive({ type: 'button', body: { text: 'Pick one' }, action: { buttons: list } });
const reply = (id: string, title: string) => ({ type: 'reply', reply: { id, title } });
const row = (id: string, title = `Row ${id}`, description?: string) => (description === undefined ? { id, title } : { id, title, description });
const list = (sections: unknown[], button = 'Choose') => interactive({ type: 'list', body: { text: 'Pick a row' }, action: { button, sections } });
const tenRows = Array.from({ length: 10 }, (_, i) => row(`r${i}`));

describe('success', () => {
  it("answers exactly Meta's body with a wamid per message", async () => {
    const answer = await sb.send(textMessage(TO));
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/json/);
    const parsed = answer.body as { messages: { id: string }[] };
    const wamid = parsed.messages[0]?.id ?? '';
    expect(wamid).toMatch(/^wamid\.HBgM[A-Za-z0-9+/=]+$/);
    expect(answer.text).toBe(
      JSON.stringify({
        messaging_product: 'whatsapp',
        contacts: [{ input: TO, wa_id: TO }],
        messages: [{ id: wamid, message_status: 'accepted' }],
      }),
    );
  });

  it('gives every message a different wamid', async () => {
    const answers = await Promise.all(Array.from({ length: 25 }, () => sb.send(textMessage(TO))));
    const ids = answers.map((a) => (a.body as { messages: { id: string }[] }).messages[0]?.id);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(new Set(ids).size).toBe(25);
  });

  it.each([
    ['a known template with its parameters', orderConfirmed(TO)],
    ['an unknown template (the brand’s own), unchecked counts', template({ name: 'brand_promo', language: { code: 'en_US' }, components: body([{ type: 'text', text: 'x' }]) })],
    ['a template with currency and date_time parameters', template({ name: 'brand_x', language: { code: 'en' }, components: body([{ type: 'currency', currency: { fallback_value: '$10', code: 'USD', amount_1000: 10000 } }, { type: 'date_time', date_time: { fallback_value: 'May 1' } }]) })],
    ['three reply buttons', buttons([reply('a', 'Yes'), reply('b', 'No'), reply('c', 'Maybe')])],
    ['a list of ten rows in two titled sections', list([{ title: 'A', rows: tenRows.slice(0, 5) }, { title: 'B', rows: tenRows.slice(5) }])],
    ['a single untitled section', list([{ rows: [row('x', 'X', 'the description')] }])],
    ['an image by link', { messaging_product: 'whatsapp', to: TO, type: 'image', image: { link: 'https://example.com/a.png', caption: 'hi' } }],
    ['a reaction', { messaging_product: 'whatsapp', to: TO, type: 'reaction', reaction: { message_id: 'wamid.X', emoji: '👍' } }],
    ['a location', { messaging_product: 'whatsapp', to: TO, type: 'location', location: { latitude: 12.9, longitude: 77.6, name: 'Shop' } }],
    ['no type (Meta defaults to text)', { messaging_product: 'whatsapp', to: TO, text: { body: 'hi' } }],
    ['callback data of 512 characters', textMessage(TO, 'x', { biz_opaque_callback_data: 'c'.repeat(512) })],
    ['a text of 4096 characters', textMessage(TO, 'y'.repeat(4096))],
    ['a 15-digit number', textMessage('123456789012345')],
    ['an 8-digit number', textMessage('12345678')],
  ])('accepts %s', async (_name, message) => {
    const answer = await sb.send(message);
    expect(answer.status, answer.text).toBe(200);
  });

  it('accepts a mark-read (with a typing indicator) with {success: true}', async () => {
    const answer = await sb.send({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.ABC', typing_indicator: { type: 'text' } });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('{"success":true}');
  });
});

describe('token and phone number id', () => {
  it.each([
    ['a missing token', null],
    ['a wrong token', 'not-the-token'],
  ])('refuses %s with 401 and code 190', async (_name, token) => {
    const answer = await sb.send(textMessage(TO), { token });
    expect(answer.status).toBe(401);
    const error = metaError(answer.body);
    expect(error).toMatchObject({ code: 190, type: 'OAuthException' });
    expect(error.error_data).toBeUndefined();
  });

  it("answers an unknown phone number id as Meta does (400, code 100, subcode 33)", async () => {
    const answer = await sb.send(textMessage(TO), { phoneNumberId: '999' });
    expect(answer.status).toBe(400);
    const error = metaError(answer.body);
    expect(error).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException' });
    expect(error.message).toContain("Object with ID '999' does not exist");
  });

  it('refuses a path without a version', async () => {
    const answer = await sb.send(textMessage(TO), { version: 'latest' });
    expect(answer.status).toBe(400);
    expect(metaError(answer.body).code).toBe(2500);
  });

  it('answers broken JSON with code 100, not the service envelope', async () => {
    const answer = await sb.send(undefined, { raw: '{"messaging_product": "whatsapp", ' });
    expect(answer.status).toBe(400);
    expect(metaError(answer.body)).toMatchObject({ code: 100, message: '(#100) Invalid parameter' });
  });
});

type Case = [name: string, message: unknown, code: number, status?: number];

const malformed: Case[] = [
  // The frame: code 100.
  ['a body that is not an object', [1, 2], 100],
  ['no messaging_product', { to: TO, type: 'text', text: { body: 'x' } }, 100],
  ['messaging_product other than whatsapp', { ...textMessage(TO), messaging_product: 'sms' }, 100],
  ['recipient_type group', { ...textMessage(TO), recipient_type: 'group' }, 100],
  ['no to', { messaging_product: 'whatsapp', type: 'text', text: { body: 'x' } }, 131008],
  ["to with '+'", textMessage(`+${TO}`), 100],
  ["to with a leading '00'", textMessage(`00${TO}`), 100],
  ['to with spaces', textMessage('91 98123 45678'), 100],
  ['to of 7 digits', textMessage('1234567'), 100],
  ['to of 16 digits', textMessage('1234567890123456'), 100],
  ['a national number (leading 0)', textMessage('09812345678'), 100],
  ['an unknown type', { messaging_product: 'whatsapp', to: TO, type: 'sms', sms: {} }, 100],
  ['callback data over 512 characters', textMessage(TO, 'x', { biz_opaque_callback_data: 'c'.repeat(513) }), 100],
  // Text.
  ['text without its object', { messaging_product: 'whatsapp', to: TO, type: 'text' }, 131008],
  ['text without a body', { messaging_product: 'whatsapp', to: TO, type: 'text', text: {} }, 131008],
  ['an empty text body', textMessage(TO, ''), 131009],
  ['a text body over 4096 characters', textMessage(TO, 'y'.repeat(4097)), 131009],
  ['a text body that is a number', { messaging_product: 'whatsapp', to: TO, type: 'text', text: { body: 5 } }, 100],
  // Template.
  ['a template without a name', template({ language: { code: 'en' } }), 131008],
  ['a template with an empty name', template({ name: '', language: { code: 'en' } }), 131009],
  ['a template without a language', template({ name: 'brand_x' }), 131008],
  ['a template language without code', template({ name: 'brand_x', language: {} }), 131008],
  ['an empty text parameter', template({ name: 'brand_x', language: { code: 'en' }, components: body([{ type: 'text', text: '' }]) }), 131008],
  ['a text parameter without text', template({ name: 'brand_x', language: { code: 'en' }, components: body([{ type: 'text' }]) }), 131008],
  ['a blank text parameter', template({ name: 'brand_x', language: { code: 'en' }, components: body([{ type: 'text', text: '   ' }]) }), 131008],
  ['a parameter with a newline', template({ name: 'brand_x', language: { code: 'en' }, components: body([{ type: 'text', text: 'a\nb' }]) }), 131009],
  ['a parameter with a tab', template({ name: 'brand_x', language: { code: 'en' }, components: body([{ type: 'text', text: 'a\tb' }]) }), 131009],
  ['a parameter with 5 spaces in a row', template({ name: 'brand_x', language: { code: 'en' }, components: body([{ type: 'text', text: 'a     b' }]) }), 131009],
  ['a known template with 4 body parameters of 5', orderConfirmed(TO, ['a', 'b', 'c', 'd']), 132000],
  ['a known template with 6 body parameters of 5', orderConfirmed(TO, ['a', 'b', 'c', 'd', 'e', 'f']), 132000],
  ['a known template with a header parameter it does not have', template({ name: 'orderline_order_cancelled', language: { code: 'en' }, components: [{ type: 'header', parameters: [{ type: 'text', text: 'x' }] }, ...body([{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }, { type: 'text', text: 'c' }])] }), 132000],
  ['a known template with no components', template({ name: 'orderline_order_cancelled', language: { code: 'en' } }), 132000],
  ['a known template in a language it is not approved in', { ...orderConfirmed(TO), template: { ...(orderConfirmed(TO).template as object), language: { code: 'en_US' } } }, 132001, 404],
  ['a known template without its dynamic URL button', template({ name: 'orderline_order_in_transit', language: { code: 'en' }, components: body([{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }, { type: 'text', text: 'c' }]) }), 131008],
  ['a known template with a quick reply it does not have', template({ name: 'orderline_order_cancelled', language: { code: 'en' }, components: [...body([{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }, { type: 'text', text: 'c' }]), { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'x' }] }] }), 131009],
  ['a quick reply without a payload', template({ name: 'brand_x', language: { code: 'en' }, components: [{ type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload' }] }] }), 131008],
  ['a button index out of range', template({ name: 'brand_x', language: { code: 'en' }, components: [{ type: 'button', sub_type: 'url', index: '12', parameters: [{ type: 'text', text: 'x' }] }] }), 131009],
  ['an image in the body', template({ name: 'brand_x', language: { code: 'en' }, components: body([{ type: 'image', image: { link: 'https://x/y.png' } }]) }), 100],
  // Interactive buttons.
  ['interactive without its object', { messaging_product: 'whatsapp', to: TO, type: 'interactive' }, 131008],
  ['an unknown interactive type', interactive({ type: 'carousel_x', body: { text: 'x' } }), 100],
  ['buttons without a body', interactive({ type: 'button', action: { buttons: [reply('a', 'A')] } }), 131008],
  ['zero buttons', buttons([]), 131009],
  ['four buttons', buttons([reply('a', 'A'), reply('b', 'B'), reply('c', 'C'), reply('d', 'D')]), 131009],
  ['a button title of 21 characters', buttons([reply('a', 'x'.repeat(21))]), 131009],
  ['two buttons with the same title', buttons([reply('a', 'Same'), reply('b', 'Same')]), 131009],
  ['a button id of 257 characters', buttons([reply('i'.repeat(257), 'A')]), 131009],
  ['a button that is not a reply', buttons([{ type: 'url', url: 'x' }]), 100],
  ['a button without a title', buttons([{ type: 'reply', reply: { id: 'a' } }]), 131008],
  // Interactive lists.
  ['a list label of 21 characters', list([{ rows: [row('a')] }], 'x'.repeat(21)), 131009],
  ['a list without a label', interactive({ type: 'list', body: { text: 'x' }, action: { sections: [{ rows: [row('a')] }] } }), 131008],
  ['a list without sections', interactive({ type: 'list', body: { text: 'x' }, action: { button: 'Go' } }), 131008],
  ['a list with zero sections', list([]), 131009],
  ['a list with 11 sections', list(Array.from({ length: 11 }, (_, i) => ({ title: `S${i}`, rows: [row(`r${i}`)] }))), 131009],
  ['a list with 11 rows in all', list([{ title: 'A', rows: tenRows.slice(0, 6) }, { title: 'B', rows: [...tenRows.slice(6), row('extra')] }]), 131009],
  ['a row title of 25 characters', list([{ rows: [row('a', 'x'.repeat(25))] }]), 131009],
  ['a row description of 73 characters', list([{ rows: [row('a', 'A', 'd'.repeat(73))] }]), 131009],
  ['a row id of 201 characters', list([{ rows: [row('i'.repeat(201))] }]), 131009],
  ['two sections, one without a title', list([{ title: 'A', rows: [row('a')] }, { rows: [row('b')] }]), 131008],
  ['a section title of 25 characters', list([{ title: 'x'.repeat(25), rows: [row('a')] }]), 131009],
  ['two rows with the same id', list([{ rows: [row('a'), row('a', 'Other')] }]), 131009],
  // Other types.
  ['an image with neither link nor id', { messaging_product: 'whatsapp', to: TO, type: 'image', image: { caption: 'x' } }, 131008],
  ['a location without latitude', { messaging_product: 'whatsapp', to: TO, type: 'location', location: { longitude: 1 } }, 131008],
  ['a reaction without message_id', { messaging_product: 'whatsapp', to: TO, type: 'reaction', reaction: { emoji: 'x' } }, 131008],
  ['a mark-read without message_id', { messaging_product: 'whatsapp', status: 'read' }, 131008],
  ['a status other than read', { messaging_product: 'whatsapp', status: 'delivered', message_id: 'wamid.X' }, 100],
];

describe('malformed requests', () => {
  const cases = malformed.map(([name, message, code, status]) => ({ name, message, code, status: status ?? 400 }));
  it.each(cases)('$name → $code', async ({ message, code, status }) => {
    const answer = await sb.send(message);
    expect(answer.status, answer.text).toBe(status);
    const error = metaError(answer.body);
    expect(error.code).toBe(code);
    expect(error.type).toBe('OAuthException');
    expect(error.message).toMatch(new RegExp(`^\\(#${code}\\) `));
    expect(error.error_data?.messaging_product).toBe('whatsapp');
    expect(error.error_data?.details.length).toBeGreaterThan(5);
  });

  it('uses the exact messages of the reference', async () => {
    const messages = new Map<number, string>();
    for (const [, message, code] of malformed) {
      if (messages.has(code)) continue;
      messages.set(code, metaError((await sb.send(message)).body).message);
    }
    expect(Object.fromEntries(messages)).toEqual({
      100: '(#100) Invalid parameter',
      131008: '(#131008) Required parameter is missing',
      131009: '(#131009) Parameter value is not valid',
      132000: '(#132000) Number of parameters does not match the expected number of params',
      132001: '(#132001) Template name does not exist in the translation',
    });
  });

  it('says which component has the wrong count, as Meta does', async () => {
    const answer = await sb.send(orderConfirmed(TO, ['a', 'b']));
    expect(metaError(answer.body).error_data?.details).toBe('body: number of localizable_params (2) does not match the expected number of params (5)');
  });
});

describe('other methods and paths under the Graph URL', () => {
  it("answer in Meta's error shape, never the service's envelope", async () => {
    const get = await fetch(`${sb.graphUrl}/v21.0/100000000000001/messages`, { headers: { authorization: 'Bearer x' } });
    expect(get.status).toBe(400);
    const getError = metaError(await get.json());
    expect(getError).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException' });
    expect(getError.message).toMatch(/^Unsupported get request/);
    const elsewhere = await fetch(`${sb.graphUrl}/v21.0/100000000000001/media?fields=x`, { method: 'POST', body: '{}' });
    expect(elsewhere.status).toBe(400);
    expect(metaError(await elsewhere.json())).toMatchObject({ code: 2500, message: 'Unknown path components: v21.0/100000000000001/media' });
  });
});
