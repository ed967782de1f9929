/**
 * The templates Orderline ships (BRIEF.md, Templates): one per notification kind, plus the
 * cart reminder with a discount code. Each entry has the mapping used when a tenant names no
 * template, the layout that mapping is checked against, and the body an operator submits to
 * Meta for approval (`orderline templates export`).
 *
 * Order updates are UTILITY and carry no promotional wording (Meta re-categorises a
 * "utility" template that sells); cart reminders are MARKETING and say how to opt out.
 * Links that vary per message cannot be part of an approved URL, which may only take a
 * suffix, so every URL button is Orderline's redirect `{PUBLIC_URL}/r/{{1}}` with the
 * message's `link.token`: the sender creates that redirect (tracking page, else the
 * order's status page; the cart's recovery URL) before rendering.
 */
import { NOTIFICATION_KINDS, type NotificationKind } from '../tenants/tenant-settings.js';
import { resolveParam } from './render-template.js';
import { SAMPLE_TEMPLATE_CONTEXT } from './template-context.js';
import {
  layoutOfCreationBody,
  type CreationButton,
  type CreationComponent,
  type TemplateCategory,
  type TemplateCreationBody,
} from './template-creation.js';
import type { TemplateLayout } from './template-layout.js';
import type { TemplateMapping, TemplateParam } from './template-mapping.js';

export type CatalogKind = NotificationKind | 'cart_reminder_discount';

/** The notification kinds, then the discount variant a reminder step with a discount code uses. */
export const CATALOG_KINDS: readonly CatalogKind[] = [...NOTIFICATION_KINDS, 'cart_reminder_discount'];

export interface CatalogEntry {
  kind: CatalogKind;
  mapping: TemplateMapping;
  layout: TemplateLayout;
  creation: TemplateCreationBody;
}

export const CATALOG_LANGUAGE = 'en';

/** Template names are per WhatsApp Business Account: the prefix keeps ours apart from the brand's own. */
export const CATALOG_NAME_PREFIX = 'orderline_';

export const OPT_OUT_FOOTER = 'Reply STOP to unsubscribe';

type SpecButton = { type: 'url'; text: string } | { type: 'quick_reply'; text: string; payload: TemplateParam };

interface Spec {
  category: TemplateCategory;
  /** Approved text with positional `{{n}}`; never starting or ending with a placeholder (Meta refuses that). */
  body: string;
  params: TemplateParam[];
  buttons?: SpecButton[];
}

const withFallback = (path: string, fallback: string): TemplateParam => ({ value: `{{${path}}}`, fallback });

const firstName = withFallback('customer.firstName', 'there');
const storeName = withFallback('store.name', 'our store');
/** `order.number` itself falls back to the delivery alias and then the order id. */
const greeting = [firstName, 'order.number', storeName];

const track: SpecButton = { type: 'url', text: 'Track order' };
const details: SpecButton = { type: 'url', text: 'View details' };
const cartItems = withFallback('cart.itemsSummary', 'a few items');

const SPECS: Record<CatalogKind, Spec> = {
  order_confirmed: {
    category: 'UTILITY',
    body:
      'Hi {{1}}, thank you for your order {{2}} from {{3}}.\n\nItems: {{4}}\nTotal: {{5}}\n\n' +
      'We will send you a message here when it ships.',
    params: [
      ...greeting,
      withFallback('order.itemsSummary', 'as listed at checkout'),
      withFallback('order.totalFormatted', 'as shown at checkout'),
    ],
  },
  order_confirmed_cod: {
    category: 'UTILITY',
    body:
      'Hi {{1}}, thank you for your order {{2}} from {{3}}.\n\nItems: {{4}}\nAmount to pay on delivery: {{5}}\n\n' +
      'Please confirm your cash on delivery order so that we can ship it.',
    params: [
      ...greeting,
      withFallback('order.itemsSummary', 'as listed at checkout'),
      withFallback('order.totalFormatted', 'as shown at checkout'),
    ],
    buttons: [
      { type: 'quick_reply', text: 'Confirm order', payload: { value: 'cod_confirm:{{order.id}}' } },
      { type: 'quick_reply', text: 'Cancel order', payload: { value: 'cod_cancel:{{order.id}}' } },
    ],
  },
  order_cancelled: {
    category: 'UTILITY',
    body:
      'Hi {{1}}, your order {{2}} from {{3}} has been cancelled.\n\n' +
      'If you paid online, any refund due will go back to your original payment method. ' +
      'Reply to this message if you have a question.',
    params: greeting,
  },
  order_shipped: {
    category: 'UTILITY',
    body:
      'Hi {{1}}, your order {{2}} from {{3}} has been shipped.\n\nCourier: {{4}}\nTracking number: {{5}}\n\n' +
      'Tap the button below to track it.',
    params: [
      ...greeting,
      withFallback('tracking.company', 'our delivery partner'),
      withFallback('tracking.number', 'on the tracking page'),
    ],
    buttons: [track],
  },
  order_dispatched: {
    category: 'UTILITY',
    body: 'Hi {{1}}, your order {{2}} from {{3}} has been dispatched by {{4}}. Tap the button below to track it.',
    params: [...greeting, withFallback('tracking.company', 'our delivery partner')],
    buttons: [track],
  },
  order_in_transit: {
    category: 'UTILITY',
    body: 'Hi {{1}}, your order {{2}} from {{3}} is in transit and on its way to you. Tap the button below to see where it is.',
    params: greeting,
    buttons: [track],
  },
  order_delivered: {
    category: 'UTILITY',
    body:
      'Hi {{1}}, your order {{2}} from {{3}} has been delivered. ' +
      'If anything is not right with it, reply to this message and we will help.',
    params: greeting,
    buttons: [details],
  },
  order_returned: {
    category: 'UTILITY',
    body:
      'Hi {{1}}, your order {{2}} from {{3}} has been marked as returned. ' +
      'If you did not expect this, reply to this message and we will help.',
    params: greeting,
    buttons: [details],
  },
  cart_reminder: {
    category: 'MARKETING',
    body:
      'Hi {{1}}, you left {{2}} in your cart at {{3}}.\n\nCart total: {{4}}\n\n' +
      'Tap the button below to pick up where you left off.',
    params: [firstName, cartItems, storeName, withFallback('cart.totalFormatted', 'shown at checkout')],
    buttons: [{ type: 'url', text: 'Complete my order' }],
  },
  cart_reminder_discount: {
    category: 'MARKETING',
    body:
      'Hi {{1}}, you left {{2}} in your cart at {{3}}.\n\nUse code {{4}} at checkout for a discount on your order.\n\n' +
      'Tap the button below to pick up where you left off.',
    // No fallback for the code: this template is only chosen when the step has one.
    params: [firstName, cartItems, storeName, 'discount.code'],
    buttons: [{ type: 'url', text: 'Complete my order' }],
  },
};

/** The value a parameter takes in SAMPLE_TEMPLATE_CONTEXT: Meta wants an example for every placeholder. */
function example(param: TemplateParam): string {
  return resolveParam(param, SAMPLE_TEMPLATE_CONTEXT) ?? '';
}

function buildEntry(kind: CatalogKind, spec: Spec, base: string): CatalogEntry {
  const name = `${CATALOG_NAME_PREFIX}${kind}`;
  const buttons = spec.buttons ?? [];
  const components: CreationComponent[] = [
    { type: 'BODY', text: spec.body, example: { body_text: [spec.params.map(example)] } },
  ];
  if (spec.category === 'MARKETING') components.push({ type: 'FOOTER', text: OPT_OUT_FOOTER });
  if (buttons.length > 0) {
    components.push({
      type: 'BUTTONS',
      buttons: buttons.map(
        (b): CreationButton =>
          b.type === 'url'
            ? { type: 'URL', text: b.text, url: `${base}/r/{{1}}`, example: [`${base}/r/${example('link.token')}`] }
            : { type: 'QUICK_REPLY', text: b.text },
      ),
    });
  }
  const creation: TemplateCreationBody = {
    name,
    language: CATALOG_LANGUAGE,
    category: spec.category,
    parameter_format: 'POSITIONAL',
    components,
  };
  const mapping: TemplateMapping = { name, language: CATALOG_LANGUAGE, body: spec.params };
  if (buttons.length > 0) {
    mapping.buttons = buttons.map((b, index) => ({
      index,
      type: b.type,
      param: b.type === 'url' ? 'link.token' : b.payload,
    }));
  }
  return {
    kind,
    // A copy: callers may edit a default into a tenant's own mapping without changing SPECS.
    mapping: structuredClone(mapping),
    // Derived from the submitted text, so a mapping is checked against what Meta approves.
    layout: layoutOfCreationBody(creation),
    creation,
  };
}

/** The default catalog for a deployment reachable at `publicUrl` (PUBLIC_URL), by kind. */
export function defaultCatalog(publicUrl: string): Record<CatalogKind, CatalogEntry> {
  const base = publicUrl.replace(/\/+$/, '');
  const entries = CATALOG_KINDS.map((kind) => [kind, buildEntry(kind, SPECS[kind], base)] as const);
  return Object.fromEntries(entries) as Record<CatalogKind, CatalogEntry>;
}

/** The creation bodies, in catalog order: what `orderline templates export` prints. */
export function catalogExport(publicUrl: string): TemplateCreationBody[] {
  const catalog = defaultCatalog(publicUrl);
  return CATALOG_KINDS.map((kind) => catalog[kind].creation);
}

/**
 * The length of a catalog template's own body text, without its placeholders: the rendered
 * body (text and parameters) must stay within Meta's 1,024 characters, so the parameters
 * share what the text leaves (RenderOptions.bodyFixedLength). 0 for a template not in the
 * catalog, whose text Orderline does not know.
 */
export function fixedBodyLength(catalog: Record<CatalogKind, CatalogEntry>, templateName: string): number {
  for (const entry of Object.values(catalog)) {
    if (entry.mapping.name !== templateName) continue;
    const body = entry.creation.components.find((c) => c.type === 'BODY');
    return body?.type === 'BODY' ? body.text.replace(/\{\{\d+\}\}/g, '').length : 0;
  }
  return 0;
}
