import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { normalizeCart } from '../events/cart.js';
import { normalizeDelivery } from '../events/delivery.js';
import {
  businessOnBotCart,
  businessOnBotOrder,
  okValue,
  seedDeliveryEvent,
  shopifyCheckout,
  shopifyFulfillment,
  shopifyOrder,
} from '../events/fixtures.js';
import { normalizeFulfillment } from '../events/fulfillment.js';
import { normalizeOrder } from '../events/order.js';
import { NOTIFICATION_KINDS } from '../tenants/tenant-settings.js';
import { CATALOG_KINDS, catalogExport, defaultCatalog, fixedBodyLength, type CatalogEntry, type CatalogKind } from './default-catalog.js';
import { renderTemplate, type CloudTemplate } from './render-template.js';
import { buildTemplateContext, type TemplateContext } from './template-context.js';
import { layoutOfCreationBody, positionalPlaceholders, type CreationComponent } from './template-creation.js';
import { checkMappingAgainstLayout, TemplateLayout } from './template-layout.js';
import { TemplateMapping } from './template-mapping.js';

const BASE = 'https://orderline.example.com';
const catalog = defaultCatalog(BASE);
const entries: [CatalogKind, CatalogEntry][] = CATALOG_KINDS.map((k) => [k, catalog[k]]);
const RECEIVED = new Date('2024-03-05T10:20:00Z');

function component<T extends CreationComponent['type']>(e: CatalogEntry, type: T): Extract<CreationComponent, { type: T }> | undefined {
  return e.creation.components.find((c): c is Extract<CreationComponent, { type: T }> => c.type === type);
}

/** What the sender would have for each kind: the event's model objects, a redirect token, a discount code. */
function realisticContext(kind: CatalogKind): TemplateContext {
  const common = { storeName: 'Chai Point', linkToken: 'Xy7pQ2', timeZone: 'Asia/Kolkata' };
  const bob = okValue(normalizeOrder(businessOnBotOrder()));
  if (kind === 'cart_reminder') return buildTemplateContext({ ...common, cart: okValue(normalizeCart(shopifyCheckout(), RECEIVED)) });
  if (kind === 'cart_reminder_discount') {
    return buildTemplateContext({ ...common, cart: okValue(normalizeCart(businessOnBotCart(), RECEIVED)), discountCode: 'COMEBACK10' });
  }
  if (kind === 'order_shipped') {
    return buildTemplateContext({
      ...common,
      order: okValue(normalizeOrder(shopifyOrder())),
      fulfillment: okValue(normalizeFulfillment(shopifyFulfillment())),
    });
  }
  const status = { order_dispatched: 'Dispatched', order_in_transit: 'In-Transit', order_returned: 'Returned' } as Record<string, string>;
  if (kind === 'order_delivered' || status[kind] !== undefined) {
    const delivery = okValue(normalizeDelivery(seedDeliveryEvent({ status: status[kind] ?? 'Delivered' }), RECEIVED));
    return buildTemplateContext({ ...common, order: bob, delivery });
  }
  return buildTemplateContext({ ...common, order: kind === 'order_confirmed' ? okValue(normalizeOrder(shopifyOrder())) : bob });
}

function allTexts(t: CloudTemplate): string[] {
  return t.components.flatMap((c) => c.parameters.map((p) => (p.type === 'text' ? p.text : p.payload)));
}

describe('defaultCatalog: every entry', () => {
  it('covers each notification kind and the discount reminder', () => {
    expect(Object.keys(catalog).sort()).toEqual([...NOTIFICATION_KINDS, 'cart_reminder_discount'].sort());
  });

  it.each(entries)('%s: its mapping and layout are valid and the mapping fits the layout', (kind, e) => {
    expect(e.kind).toBe(kind);
    expect(Value.Check(TemplateMapping, e.mapping)).toBe(true);
    expect(Value.Check(TemplateLayout, e.layout)).toBe(true);
    expect(checkMappingAgainstLayout(e.mapping, e.layout)).toEqual([]);
    expect(e.mapping.name).toBe(`orderline_${kind}`);
    expect(e.creation.name).toBe(e.mapping.name);
    expect(e.creation.language).toBe(e.mapping.language);
  });

  it.each(entries)('%s: its creation body follows Meta\'s rules', (kind, e) => {
    expect(e.creation.category).toBe(kind.startsWith('cart_') ? 'MARKETING' : 'UTILITY');
    expect(e.creation.parameter_format).toBe('POSITIONAL');
    const body = component(e, 'BODY');
    if (body === undefined) throw new Error('no BODY');
    expect(body.text.length).toBeLessThanOrEqual(1024);
    const numbers = positionalPlaceholders(body.text);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    expect(numbers).toHaveLength(e.mapping.body.length);
    expect(body.text).not.toMatch(/^\s*\{\{|\}\}\s*[.!]?$/);
    expect(body.example?.body_text).toHaveLength(1);
    expect(body.example?.body_text[0]).toHaveLength(numbers.length);
    for (const value of body.example?.body_text[0] ?? []) expect(value.trim()).not.toBe('');
    const footer = component(e, 'FOOTER');
    expect(footer?.text.length ?? 0).toBeLessThanOrEqual(60);
    for (const b of component(e, 'BUTTONS')?.buttons ?? []) {
      expect(b.text.length).toBeLessThanOrEqual(25);
      if (b.type === 'URL') {
        expect(b.url).toBe(`${BASE}/r/{{1}}`);
        expect(b.example).toEqual([`${BASE}/r/abc123`]);
      }
    }
  });

  it.each(entries.filter(([k]) => !k.startsWith('cart_')))('%s: a utility template carries no promotional wording', (_k, e) => {
    expect(component(e, 'BODY')?.text).not.toMatch(/offer|discount|sale|deal|free|% off|coupon|shop now/i);
  });

  it.each(entries.filter(([k]) => k.startsWith('cart_')))('%s: a marketing template says how to opt out', (_k, e) => {
    expect(component(e, 'FOOTER')?.text).toBe('Reply STOP to unsubscribe');
  });

  it.each(entries)("%s: the whole rendered body, the template's own text and the parameters, stays within Meta's 1,024 characters", (kind, e) => {
    const fixed = fixedBodyLength(catalog, e.mapping.name);
    const text = component(e, 'BODY')!.text;
    expect(fixed).toBe(text.replace(/\{\{\d+\}\}/g, '').length);
    expect(fixed).toBeGreaterThan(20);
    // A store whose name and items are long: unbounded, the parameters alone could fill 1,024.
    const huge = { ...realisticContext(kind), store: { name: 'Chai Point '.repeat(120) } } as TemplateContext;
    const result = renderTemplate(e.mapping, huge, { bodyFixedLength: fixed });
    if (!result.ok) throw new Error(`missing ${JSON.stringify(result.missing)}`);
    const body = result.template.components.find((c) => c.type === 'body');
    const params = (body?.parameters ?? []).map((p) => (p.type === 'text' ? p.text : '')).join('');
    expect(fixed + params.length).toBeLessThanOrEqual(1024);
  });

  it('knows no fixed length for a template outside the catalog', () => {
    expect(fixedBodyLength(catalog, 'brand_own_template')).toBe(0);
  });

  it.each(entries)('%s: renders against a realistic context with no empty parameter', (kind, e) => {
    const result = renderTemplate(e.mapping, realisticContext(kind), { bodyFixedLength: component(e, 'BODY')?.text.length ?? 0 });
    if (!result.ok) throw new Error(`missing ${JSON.stringify(result.missing)}`);
    for (const text of allTexts(result.template)) expect(text.trim()).not.toBe('');
  });

  it.each(entries.filter(([k]) => k !== 'cart_reminder_discount'))('%s: falls back instead of leaving a gap when the event says little', (_k, e) => {
    // Only what every event has: an order id (or a cart), the store and the redirect token.
    const bare = buildTemplateContext({
      order: okValue(normalizeOrder({ id: '77' })),
      cart: okValue(normalizeCart({ token: 'c1' }, RECEIVED)),
      storeName: 'Chai Point',
      linkToken: 'Xy7pQ2',
    });
    const result = renderTemplate(e.mapping, bare);
    expect(result.ok).toBe(true);
    if (result.ok) expect(allTexts(result.template)).toContain('there');
  });
});

describe('defaultCatalog: particular templates', () => {
  it('order_shipped is exported exactly as Meta takes it', () => {
    expect(catalog.order_shipped.creation).toEqual({
      name: 'orderline_order_shipped',
      language: 'en',
      category: 'UTILITY',
      parameter_format: 'POSITIONAL',
      components: [
        {
          type: 'BODY',
          text:
            'Hi {{1}}, your order {{2}} from {{3}} has been shipped.\n\nCourier: {{4}}\nTracking number: {{5}}\n\n' +
            'Tap the button below to track it.',
          example: { body_text: [['Asha', '#1581', 'Chai Point', 'Delhivery', '1234567890']] },
        },
        {
          type: 'BUTTONS',
          buttons: [{ type: 'URL', text: 'Track order', url: `${BASE}/r/{{1}}`, example: [`${BASE}/r/abc123`] }],
        },
      ],
    });
    expect(catalog.order_shipped.layout).toEqual({ bodyParams: 5, headerParams: 0, buttons: [{ index: 0, type: 'url', dynamic: true }] });
  });

  it('order_confirmed_cod asks to confirm with Confirm and Cancel quick replies carrying the order id', () => {
    const e = catalog.order_confirmed_cod;
    expect(component(e, 'BUTTONS')?.buttons).toEqual([
      { type: 'QUICK_REPLY', text: 'Confirm order' },
      { type: 'QUICK_REPLY', text: 'Cancel order' },
    ]);
    const result = renderTemplate(e.mapping, realisticContext('order_confirmed_cod'));
    if (!result.ok) throw new Error('expected ok');
    expect(result.template.components.filter((c) => c.type === 'button')).toEqual([
      { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'cod_confirm:4331283087516' }] },
      { type: 'button', sub_type: 'quick_reply', index: '1', parameters: [{ type: 'payload', payload: 'cod_cancel:4331283087516' }] },
    ]);
    expect(allTexts(result.template)).toContain('₹180.00');
  });

  it('the delivery kinds and the cart reminders link through the redirect', () => {
    for (const kind of ['order_dispatched', 'order_in_transit', 'order_delivered', 'order_returned', 'cart_reminder', 'cart_reminder_discount'] as const) {
      expect(catalog[kind].mapping.buttons, kind).toEqual([{ index: 0, type: 'url', param: 'link.token' }]);
    }
  });

  it('the discount reminder requires the code rather than sending without it', () => {
    const ctx = buildTemplateContext({ cart: okValue(normalizeCart(shopifyCheckout(), RECEIVED)), storeName: 'S', linkToken: 't' });
    expect(renderTemplate(catalog.cart_reminder_discount.mapping, ctx)).toEqual({
      ok: false,
      missing: [{ component: 'body', index: 4, param: 'discount.code' }],
    });
  });

  it('strips a trailing slash from the public URL', () => {
    const url = component(defaultCatalog(`${BASE}//`).order_shipped, 'BUTTONS')?.buttons[0];
    expect(url).toMatchObject({ url: `${BASE}/r/{{1}}` });
  });

  it('hands out mappings a caller may change without changing the next catalog', () => {
    const first = defaultCatalog(BASE);
    first.order_confirmed.mapping.body.push('order.id');
    const fallback = first.order_confirmed.mapping.body[0];
    if (typeof fallback === 'object') fallback.fallback = 'changed';
    expect(defaultCatalog(BASE).order_confirmed.mapping.body).toHaveLength(5);
    expect(defaultCatalog(BASE).order_confirmed.mapping.body[0]).toEqual({ value: '{{customer.firstName}}', fallback: 'there' });
  });
});

describe('catalogExport', () => {
  it('gives the creation bodies in catalog order, as plain JSON', () => {
    const bodies = catalogExport(BASE);
    expect(bodies.map((b) => b.name)).toEqual(CATALOG_KINDS.map((k) => `orderline_${k}`));
    expect(JSON.parse(JSON.stringify(bodies))).toEqual(bodies);
  });
});

describe('layoutOfCreationBody', () => {
  it('counts header and body placeholders and tells fixed URL buttons from dynamic ones', () => {
    expect(
      layoutOfCreationBody({
        name: 'x',
        language: 'en',
        category: 'UTILITY',
        parameter_format: 'POSITIONAL',
        components: [
          { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}' },
          { type: 'BODY', text: 'Hi {{1}}, {{2}} and {{2}} again, {{3}}.' },
          {
            type: 'BUTTONS',
            buttons: [
              { type: 'URL', text: 'Help', url: 'https://shop.example.com/help' },
              { type: 'URL', text: 'Track', url: 'https://o.example.com/r/{{1}}' },
              { type: 'QUICK_REPLY', text: 'Stop' },
            ],
          },
        ],
      }),
    ).toEqual({
      bodyParams: 3,
      headerParams: 1,
      buttons: [
        { index: 0, type: 'url', dynamic: false },
        { index: 1, type: 'url', dynamic: true },
        { index: 2, type: 'quick_reply', dynamic: true },
      ],
    });
  });
});
