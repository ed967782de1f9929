import { describe, expect, it } from 'vitest';
import { okValue, shopifyFulfillment, shopifyOrder } from '../events/fixtures.js';
import type { JsonObject } from '../events/fields.js';
import { normalizeFulfillment } from '../events/fulfillment.js';
import { normalizeOrder } from '../events/order.js';
import { defaultCatalog } from './default-catalog.js';
import { renderTemplate, resolveParam, type CloudTemplate, type RenderResult } from './render-template.js';
import { buildTemplateContext, type TemplateContext } from './template-context.js';
import type { TemplateMapping } from './template-mapping.js';

/** A context from a Shopify order (and its fulfillment), with overrides applied to the order body. */
function context(order: JsonObject = {}, extra: { linkToken?: string; storeName?: string } = {}): TemplateContext {
  return buildTemplateContext({
    order: okValue(normalizeOrder(shopifyOrder(order))),
    fulfillment: okValue(normalizeFulfillment(shopifyFulfillment())),
    storeName: extra.storeName ?? 'Kurta Co',
    linkToken: extra.linkToken ?? 'Xy7pQ2',
  });
}

function mapping(parts: Partial<TemplateMapping> = {}): TemplateMapping {
  return { name: 'test_template', language: 'en', body: [], ...parts };
}

function rendered(result: RenderResult): CloudTemplate {
  if (!result.ok) throw new Error(`expected ok, missing ${JSON.stringify(result.missing)}`);
  return result.template;
}

const bodyTexts = (t: CloudTemplate): string[] =>
  t.components.flatMap((c) => (c.type === 'body' ? c.parameters.map((p) => p.text) : []));

describe('renderTemplate', () => {
  it("renders the default order_shipped template exactly as the Cloud API takes it", () => {
    const catalog = defaultCatalog('https://orderline.example.com');
    expect(renderTemplate(catalog.order_shipped.mapping, context())).toEqual({
      ok: true,
      template: {
        name: 'orderline_order_shipped',
        language: { code: 'en' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Asha' },
              { type: 'text', text: '#1001' },
              { type: 'text', text: 'Kurta Co' },
              { type: 'text', text: 'Delhivery' },
              { type: 'text', text: '1234567890' },
            ],
          },
          { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'Xy7pQ2' }] },
        ],
      },
    });
  });

  it('renders header, body and buttons in order, with button indexes as strings', () => {
    const m = mapping({
      header: ['order.number'],
      body: ['customer.firstName', { value: 'Total {{order.totalFormatted}} for {{order.itemCount}} items' }],
      buttons: [
        { index: 1, type: 'quick_reply', param: { value: 'cod_cancel:{{order.id}}' } },
        { index: 0, type: 'url', param: 'link.token' },
      ],
    });
    expect(rendered(renderTemplate(m, context())).components).toEqual([
      { type: 'header', parameters: [{ type: 'text', text: '#1001' }] },
      {
        type: 'body',
        parameters: [
          { type: 'text', text: 'Asha' },
          { type: 'text', text: 'Total ₹1,499.00 for 3 items' },
        ],
      },
      { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'Xy7pQ2' }] },
      {
        type: 'button',
        sub_type: 'quick_reply',
        index: '1',
        parameters: [{ type: 'payload', payload: 'cod_cancel:5735266369709823012' }],
      },
    ]);
  });

  it('sends no body component for a template without body parameters', () => {
    const m = mapping({ buttons: [{ index: 0, type: 'url', param: 'link.token' }] });
    expect(rendered(renderTemplate(m, context())).components.map((c) => c.type)).toEqual(['button']);
  });

  it('uses the mapping language as the language code', () => {
    expect(rendered(renderTemplate(mapping({ language: 'en_US' }), context())).language).toEqual({ code: 'en_US' });
  });
});

describe('resolving parameters', () => {
  const ctx = context({ note: null });

  it('reads a path, a literal and a literal with placeholders', () => {
    expect(resolveParam('tracking.company', ctx)).toBe('Delhivery');
    expect(resolveParam(' tracking.company ', ctx)).toBe('Delhivery');
    expect(resolveParam({ value: 'Thanks!' }, ctx)).toBe('Thanks!');
    expect(resolveParam({ value: '{{order.number}} via {{tracking.company}}' }, ctx)).toBe('#1001 via Delhivery');
  });

  it('uses the fallback when the value is empty or a placeholder has no value', () => {
    const noName = context({ customer: {}, shipping_address: {}, billing_address: {} });
    expect(resolveParam({ value: '{{customer.firstName}}', fallback: 'there' }, noName)).toBe('there');
    expect(resolveParam({ value: 'Dear {{customer.firstName}}', fallback: 'Hello' }, noName)).toBe('Hello');
    expect(resolveParam({ value: '{{order.cancelReason}}', fallback: 'order {{order.number}}' }, noName)).toBe('order #1001');
    expect(resolveParam({ value: ' \n\t ', fallback: 'x' }, noName)).toBe('x');
  });

  it('has no value when the fallback is empty too', () => {
    expect(resolveParam('order.cancelReason', ctx)).toBeNull();
    expect(resolveParam({ value: '{{order.cancelReason}}', fallback: '{{discount.code}}' }, ctx)).toBeNull();
  });
});

describe('sanitising parameters', () => {
  const withNote = (customerName: string): TemplateContext =>
    context({ shipping_address: { first_name: customerName, last_name: 'V' }, customer: {} });

  it.each([
    ['newlines', 'Asha\nRani', 'Asha Rani'],
    ['CRLF and tabs', 'Asha\r\n\tRani', 'Asha Rani'],
    ['5+ spaces', 'Asha      Rani', 'Asha Rani'],
    ['surrounding blanks', '  Asha  ', 'Asha'],
  ])('cleans %s out of text parameters', (_what, name, expected) => {
    const t = rendered(renderTemplate(mapping({ body: ['customer.firstName'] }), withNote(name)));
    expect(bodyTexts(t)).toEqual([expected]);
  });

  it('cleans a literal too, after substitution', () => {
    const t = rendered(renderTemplate(mapping({ body: [{ value: 'Line 1\nLine 2:\t{{order.number}}' }] }), context()));
    expect(bodyTexts(t)).toEqual(['Line 1 Line 2: #1001']);
  });

  it('treats a value that is blank after cleaning as empty and reports it when there is no fallback', () => {
    const m = mapping({ body: ['customer.firstName', { value: '{{customer.firstName}}', fallback: 'there' }] });
    const result = renderTemplate(m, withNote(' \n\t '));
    expect(result).toEqual({
      ok: false,
      missing: [{ component: 'body', index: 1, param: 'customer.firstName' }],
    });
  });

  it('reports every parameter left empty, by component and placeholder number or button index', () => {
    const m = mapping({
      header: ['discount.code'],
      body: ['store.name', 'order.cancelReason', { value: '{{cart.recoveryUrl}}', fallback: '{{cart.itemsSummary}}' }],
      buttons: [
        { index: 0, type: 'quick_reply', param: 'order.id' },
        { index: 2, type: 'url', param: 'link.token' },
      ],
    });
    const ctx = buildTemplateContext({ order: okValue(normalizeOrder(shopifyOrder())), storeName: 'S' });
    expect(renderTemplate(m, ctx)).toEqual({
      ok: false,
      missing: [
        { component: 'header', index: 1, param: 'discount.code' },
        { component: 'body', index: 2, param: 'order.cancelReason' },
        { component: 'body', index: 3, param: { value: '{{cart.recoveryUrl}}', fallback: '{{cart.itemsSummary}}' } },
        { component: 'button', index: 2, param: 'link.token' },
      ],
    });
  });
});

describe('limits', () => {
  const longNote = 'Leave it with the guard at the gate. '.repeat(60);

  it('cuts long body parameters so the body stays within 1024 characters, short ones untouched', () => {
    const m = mapping({ body: ['customer.firstName', { value: longNote }, 'order.number'] });
    const texts = bodyTexts(rendered(renderTemplate(m, context())));
    expect(texts[0]).toBe('Asha');
    expect(texts[2]).toBe('#1001');
    expect(texts[1]?.endsWith('…')).toBe(true);
    expect(texts.join('').length).toBeLessThanOrEqual(1024);
    expect(texts.join('').length).toBeGreaterThan(1000);
  });

  it("shares the room left by the template's own text between long parameters", () => {
    const m = mapping({ body: [{ value: longNote }, { value: longNote }, 'order.number'] });
    const texts = bodyTexts(rendered(renderTemplate(m, context(), { bodyFixedLength: 200 })));
    expect(texts[2]).toBe('#1001');
    expect(texts[0]?.length).toBeLessThanOrEqual(410);
    expect(texts[0]?.length).toBe(texts[1]?.length);
    expect(200 + texts.join('').length).toBeLessThanOrEqual(1024);
  });

  it('cuts a header parameter to 60 characters and a quick reply payload to 256', () => {
    const m = mapping({
      header: [{ value: longNote }],
      buttons: [{ index: 0, type: 'quick_reply', param: { value: longNote } }],
    });
    const [header, button] = rendered(renderTemplate(m, context())).components;
    expect(header?.type === 'header' && header.parameters[0]?.text.length).toBeLessThanOrEqual(60);
    const payload = button?.type === 'button' && button.sub_type === 'quick_reply' ? button.parameters[0].payload : '';
    expect(payload.length).toBeLessThanOrEqual(256);
    expect(payload.length).toBeGreaterThan(250);
  });

  it('percent-encodes what would break a URL suffix, keeping existing escapes', () => {
    const m = mapping({ buttons: [{ index: 0, type: 'url', param: { value: '{{order.number}} a/b?x=1%20é' } }] });
    const [button] = rendered(renderTemplate(m, context())).components;
    expect(button).toEqual({
      type: 'button',
      sub_type: 'url',
      index: '0',
      parameters: [{ type: 'text', text: '%231001%20a/b?x=1%20%C3%A9' }],
    });
    // A "%" that starts no escape is a percent sign.
    const percent = mapping({ buttons: [{ index: 0, type: 'url', param: { value: '100% off %zz %4' } }] });
    expect(rendered(renderTemplate(percent, context())).components[0]).toMatchObject({ parameters: [{ text: '100%25%20off%20%25zz%20%254' }] });
  });
});
