/**
 * A template mapping plus a template context → the `template` object of a Cloud API send
 * (reference/whatsapp-cloud-api.md, Sending), or the list of parameters that have no value.
 * Meta refuses an empty text parameter and one with a newline, a tab or more than 4
 * spaces in a row, so every value is sanitised here and an empty one is never sent.
 */
import type { TemplateContext } from './template-context.js';
import type { TemplateMapping, TemplateParam } from './template-mapping.js';
import { LIMITS, lookupPath, sanitizeText, substitutePlaceholders, truncate } from './template-text.js';

export interface TextParameter {
  type: 'text';
  text: string;
}

export interface PayloadParameter {
  type: 'payload';
  payload: string;
}

export type CloudTemplateComponent =
  | { type: 'header'; parameters: TextParameter[] }
  | { type: 'body'; parameters: TextParameter[] }
  | { type: 'button'; sub_type: 'url'; index: string; parameters: [TextParameter] }
  | { type: 'button'; sub_type: 'quick_reply'; index: string; parameters: [PayloadParameter] };

/** The `template` field of a `type: "template"` message, exactly as the Cloud API takes it. */
export interface CloudTemplate {
  name: string;
  language: { code: string };
  components: CloudTemplateComponent[];
}

/**
 * A parameter left without a value, even after its fallback. `index` is the placeholder
 * number for header and body (`{{1}}` is 1, as in the template's text) and the button's
 * index for buttons.
 */
export interface MissingParam {
  component: 'header' | 'body' | 'button';
  index: number;
  param: TemplateParam;
}

export type RenderResult = { ok: true; template: CloudTemplate } | { ok: false; missing: MissingParam[] };

export interface RenderOptions {
  /**
   * Length of the approved body's own text without its placeholders. Meta counts the whole
   * rendered body against its 1024-character limit, so body parameters share what is left.
   * Unknown (0) by default: the parameters alone then stay within the limit.
   */
  bodyFixedLength?: number;
}

/** The value of one parameter: a path, or a literal with placeholders; its fallback when that is empty. */
export function resolveParam(param: TemplateParam, context: TemplateContext): string | null {
  const valueOf = (path: string): string | null => lookupPath(context, path);
  const attempt = (literal: string | undefined, asPath: boolean): string | null => {
    if (literal === undefined) return null;
    const raw = asPath ? valueOf(literal.trim()) : substitutePlaceholders(literal, valueOf);
    const clean = raw === null ? '' : sanitizeText(raw);
    return clean === '' ? null : clean;
  };
  if (typeof param === 'string') return attempt(param, true);
  // A fallback may hold placeholders too ("order {{order.id}}"), so it is substituted alike.
  return attempt(param.value, false) ?? attempt(param.fallback, false);
}

/**
 * The largest length c such that cutting every parameter to at most c characters keeps
 * their total within `budget`: short parameters (a name, an order number) stay whole and
 * only the long ones (an item list) are cut.
 */
function fairCap(lengths: number[], budget: number): number {
  const sorted = [...lengths].sort((a, b) => a - b);
  let remaining = budget;
  let left = sorted.length;
  for (const length of sorted) {
    if (length * left <= remaining) {
      remaining -= length;
      left -= 1;
    } else {
      return Math.max(1, Math.floor(remaining / left));
    }
  }
  return Number.POSITIVE_INFINITY;
}

function capBody(texts: string[], fixedLength: number): string[] {
  const cap = fairCap(
    texts.map((t) => t.length),
    Math.max(texts.length, LIMITS.body - fixedLength),
  );
  return texts.map((t) => truncate(t, cap));
}

/**
 * A URL button's value is appended to the approved base URL, so characters that would end
 * or break the URL (space, "#", non-ASCII) are percent-encoded. A "%" that starts an escape
 * is kept: a value already encoded by the brand must not be encoded twice.
 */
function urlSuffix(value: string): string {
  // A "%" that starts no escape ("100% off") is a literal percent sign: %25.
  const escapedPercents = value.replace(/%(?![0-9A-Fa-f]{2})/g, '%25');
  return escapedPercents.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/?%]/gu, (c) => {
    try {
      return encodeURIComponent(c);
    } catch {
      // A lone surrogate cannot be encoded and means nothing in a URL.
      return '';
    }
  });
}

export function renderTemplate(
  mapping: TemplateMapping,
  context: TemplateContext,
  options: RenderOptions = {},
): RenderResult {
  const missing: MissingParam[] = [];
  const texts = (component: 'header' | 'body', params: readonly TemplateParam[]): string[] =>
    params.map((param, i) => {
      const value = resolveParam(param, context);
      if (value === null) missing.push({ component, index: i + 1, param });
      return value ?? '';
    });

  const header = texts('header', mapping.header ?? []).map((t) => truncate(t, LIMITS.header));
  const body = capBody(texts('body', mapping.body), options.bodyFixedLength ?? 0);

  const buttons: CloudTemplateComponent[] = [...(mapping.buttons ?? [])]
    .sort((a, b) => a.index - b.index)
    .map((button): CloudTemplateComponent => {
      const value = resolveParam(button.param, context);
      if (value === null) missing.push({ component: 'button', index: button.index, param: button.param });
      const index = String(button.index);
      if (button.type === 'url') {
        return { type: 'button', sub_type: 'url', index, parameters: [{ type: 'text', text: urlSuffix(value ?? '') }] };
      }
      const payload = truncate(value ?? '', LIMITS.quickReplyPayload);
      return { type: 'button', sub_type: 'quick_reply', index, parameters: [{ type: 'payload', payload }] };
    });

  if (missing.length > 0) return { ok: false, missing };

  // Meta wants no component for a part of the template that has no parameters.
  const components: CloudTemplateComponent[] = [];
  if (header.length > 0) components.push({ type: 'header', parameters: header.map(textParameter) });
  if (body.length > 0) components.push({ type: 'body', parameters: body.map(textParameter) });
  components.push(...buttons);
  return { ok: true, template: { name: mapping.name, language: { code: mapping.language }, components } };
}

function textParameter(text: string): TextParameter {
  return { type: 'text', text };
}
