/**
 * The checks Meta applies to a template message (whatsapp-cloud-api.md, Template): name and
 * language present; text parameters non-empty with no newline, tab or run of more than four
 * spaces; and, for a template the sandbox knows, the approved language, a parameter count
 * per component equal to the template's placeholders (132000), and buttons that exist.
 */
import { isPlainObject } from '../../shared/merge-patch.js';
import { at, optionalArray, Rejected, requireArray, requireObject, requireText } from './check-helpers.js';
import { graphErrors } from './graph-error.js';
import type { KnownTemplates } from './known-templates.js';
import type { ParsedTemplate, TemplateButtonParam } from './parsed-message.js';

const BAD_TEXT = /[\n\t]| {5,}/;
const MEDIA = new Set(['image', 'video', 'document']);

function textParameter(param: Record<string, unknown>, path: string): string {
  const text = param.text;
  if (text === undefined || text === null || text === '') {
    throw new Rejected(graphErrors.missingParameter('Parameter of type text is missing text value'));
  }
  if (typeof text !== 'string') throw new Rejected(graphErrors.invalidParameter(`Param ${at(path, 'text')} must be a string.`));
  if (text.trim() === '') throw new Rejected(graphErrors.missingParameter('Parameter of type text is missing text value'));
  if (BAD_TEXT.test(text)) {
    throw new Rejected(graphErrors.invalidValue('Param text cannot have new-line/tab characters or more than 4 consecutive spaces'));
  }
  return text;
}

/** One header or body parameter, as the text it shows. */
function componentParameter(value: unknown, path: string, component: 'header' | 'body'): string {
  const param = requireObject(value, path);
  const type = requireText(param, 'type', path);
  if (type === 'text') return textParameter(param, path);
  if (type === 'currency' || type === 'date_time') {
    const inner = requireObject(param[type], at(path, type));
    return requireText(inner, 'fallback_value', at(path, type));
  }
  if (MEDIA.has(type) && component === 'header') {
    const media = requireObject(param[type], at(path, type));
    if (typeof media.link !== 'string' && typeof media.id !== 'string') {
      throw new Rejected(graphErrors.missingParameter(`Param ${at(path, type)} requires a link or an id.`));
    }
    return `[${type}]`;
  }
  throw new Rejected(graphErrors.invalidParameter(`Param ${at(path, 'type')} "${type}" is not valid in a ${component} component.`));
}

function buttonIndex(value: unknown, path: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (n === undefined || n === null) throw new Rejected(graphErrors.missingParameter(`The parameter ${at(path, 'index')} is required.`));
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 9) {
    throw new Rejected(graphErrors.invalidValue(`Param ${at(path, 'index')} must be a button index from 0 to 9.`));
  }
  return n;
}

function buttonParameter(component: Record<string, unknown>, path: string): TemplateButtonParam {
  const subType = requireText(component, 'sub_type', path).toLowerCase();
  const index = buttonIndex(component.index, path);
  const params = optionalArray(component.parameters, at(path, 'parameters'));
  const first = params[0];
  const firstPath = at(at(path, 'parameters'), 0);
  if (subType === 'quick_reply') {
    const param = requireObject(first, firstPath);
    if (param.type !== 'payload') throw new Rejected(graphErrors.invalidParameter(`Param ${at(firstPath, 'type')} must be "payload".`));
    return { index, subType, value: requireText(param, 'payload', firstPath, { max: 4096 }) };
  }
  if (subType === 'url') {
    const param = requireObject(first, firstPath);
    if (param.type !== 'text') throw new Rejected(graphErrors.invalidParameter(`Param ${at(firstPath, 'type')} must be "text".`));
    return { index, subType, value: textParameter(param, firstPath) };
  }
  // copy_code, flow, catalog…: Meta checks them against the template; the sandbox cannot.
  const text = isPlainObject(first) ? (first.text ?? first.coupon_code ?? first.payload) : undefined;
  return { index, subType, value: typeof text === 'string' ? text : '' };
}

function capitalised(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function checkAgainstKnown(parsed: ParsedTemplate, templates: KnownTemplates): void {
  const known = templates.get(parsed.name);
  if (known === undefined) return;
  if (parsed.language !== known.language) {
    throw new Rejected(graphErrors.templateTranslation(`template name (${parsed.name}) does not exist in ${parsed.language}`));
  }
  for (const [part, given, expected] of [
    ['header', parsed.header.length, known.headerParams],
    ['body', parsed.body.length, known.bodyParams],
  ] as const) {
    if (given !== expected) {
      throw new Rejected(
        graphErrors.parameterCount(`${part}: number of localizable_params (${given}) does not match the expected number of params (${expected})`),
      );
    }
  }
  for (const button of parsed.buttons) {
    const target = known.buttons[button.index];
    if (target === undefined || target.type !== button.subType) {
      throw new Rejected(graphErrors.invalidValue(`buttons: Button at index ${button.index} of type ${capitalised(button.subType)} does not exist`));
    }
    if (target.type === 'url' && !target.dynamic) {
      throw new Rejected(graphErrors.invalidValue(`buttons: Button at index ${button.index} of type Url does not take a parameter`));
    }
  }
  for (const target of known.buttons) {
    if (target.type === 'url' && target.dynamic && !parsed.buttons.some((b) => b.index === target.index)) {
      throw new Rejected(graphErrors.missingParameter(`buttons: Button at index ${target.index} of type Url requires a parameter`));
    }
  }
}

export function parseTemplate(value: unknown, templates: KnownTemplates): ParsedTemplate {
  const template = requireObject(value, 'template');
  const name = requireText(template, 'name', 'template', { max: 512 });
  const language = requireObject(template.language, "template['language']");
  const code = requireText(language, 'code', "template['language']", { max: 20 });
  const parsed: ParsedTemplate = { name, language: code, header: [], body: [], buttons: [] };
  const componentsPath = "template['components']";
  for (const [i, raw] of optionalArray(template.components, componentsPath).entries()) {
    const path = at(componentsPath, i);
    const component = requireObject(raw, path);
    const type = requireText(component, 'type', path).toLowerCase();
    if (type === 'header' || type === 'body') {
      const paramsPath = at(path, 'parameters');
      const params = component.parameters === undefined ? [] : requireArray(component.parameters, paramsPath);
      parsed[type] = params.map((p, j) => componentParameter(p, at(paramsPath, j), type));
    } else if (type === 'button') {
      const button = buttonParameter(component, path);
      if (parsed.buttons.some((b) => b.index === button.index)) {
        throw new Rejected(graphErrors.invalidValue(`buttons: Button at index ${button.index} is given more than once`));
      }
      parsed.buttons.push(button);
    }
    // Other component types (carousel, limited_time_offer…) pass: the sandbox has no layout for them.
  }
  checkAgainstKnown(parsed, templates);
  return parsed;
}
