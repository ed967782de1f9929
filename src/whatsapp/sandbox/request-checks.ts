/**
 * Checks a `/messages` body as Meta does (whatsapp-cloud-api.md, Sending) and answers a
 * malformed one with Meta's error. Codes follow one rule so tests can rely on them:
 *   - 100 (`Invalid parameter`): the request's frame: body not an object, `messaging_product`,
 *     `recipient_type`, `to`, `type`, `biz_opaque_callback_data`, wrong JSON types;
 *   - 131008 (`Required parameter is missing`): a field the message type needs is absent
 *     (text body, template name or language, a text parameter's value);
 *   - 131009 (`Parameter value is not valid`): a value breaks a limit (lengths, counts,
 *     uniqueness, newline/tab/spaces in template parameters);
 *   - 132000 / 132001: a template the sandbox knows got the wrong parameter count / language.
 * All are HTTP 400 except 132001 (404, as Meta). Mark-read bodies are recognised and accepted.
 */
import { isPlainObject } from '../../shared/merge-patch.js';
import { at, optionalText, Rejected, requireArray, requireObject, requireText } from './check-helpers.js';
import { graphErrors, type GraphError } from './graph-error.js';
import { parseInteractive } from './interactive-checks.js';
import type { KnownTemplates } from './known-templates.js';
import { MESSAGE_TYPES, type MessageType, type ParsedContent, type ParsedSend } from './parsed-message.js';
import { parseTemplate } from './template-checks.js';

export type CheckedRequest =
  | { kind: 'send'; send: ParsedSend }
  | { kind: 'markRead'; messageId: string }
  | { kind: 'invalid'; error: GraphError };

/**
 * International number, digits only, 8–15 of them: no '+', and no leading 0 (a leading '00'
 * is an international prefix, a single 0 a national number Meta would guess a country for).
 */
const TO = /^[1-9]\d{7,14}$/;

function isMessageType(value: string): value is MessageType {
  return (MESSAGE_TYPES as readonly string[]).includes(value);
}

function checkTo(body: Record<string, unknown>): string {
  const to = requireText(body, 'to', '');
  if (!TO.test(to)) {
    throw new Rejected(
      graphErrors.invalidParameter(
        `Param to '${to.slice(0, 40)}' is not a valid WhatsApp number: use the international number as 8 to 15 digits, without '+' or a leading '00'.`,
      ),
    );
  }
  return to;
}

function checkFrame(body: Record<string, unknown>): void {
  if (body.messaging_product === undefined) throw new Rejected(graphErrors.invalidParameter('The parameter messaging_product is required.'));
  if (body.messaging_product !== 'whatsapp') throw new Rejected(graphErrors.invalidParameter("Param messaging_product must be 'whatsapp'."));
}

function markRead(body: Record<string, unknown>): CheckedRequest {
  if (body.status !== 'read') throw new Rejected(graphErrors.invalidParameter("Param status must be 'read'."));
  const messageId = requireText(body, 'message_id', '', { max: 512 });
  if (body.typing_indicator !== undefined) {
    const typing = requireObject(body.typing_indicator, 'typing_indicator');
    if (typing.type !== 'text') throw new Rejected(graphErrors.invalidParameter("Param typing_indicator['type'] must be 'text'."));
  }
  return { kind: 'markRead', messageId };
}

function mediaContent(type: 'image' | 'document' | 'audio' | 'video' | 'sticker', value: unknown): ParsedContent {
  const media = requireObject(value, type);
  if (typeof media.id !== 'string' && typeof media.link !== 'string') {
    throw new Rejected(graphErrors.missingParameter(`Param ${type} requires ${at(type, 'id')} or ${at(type, 'link')}.`));
  }
  const caption = type === 'audio' || type === 'sticker' ? undefined : optionalText(media, 'caption', type, { max: 1024 });
  return caption === undefined ? { type } : { type, caption };
}

function otherContent(type: 'reaction' | 'location' | 'contacts', value: unknown): ParsedContent {
  if (type === 'contacts') {
    const contacts = requireArray(value, 'contacts');
    if (contacts.length === 0) throw new Rejected(graphErrors.invalidValue("Param contacts must have at least 1 contact."));
    contacts.forEach((raw, i) => {
      const where = at(at('contacts', i), 'name');
      requireText(requireObject(requireObject(raw, at('contacts', i)).name, where), 'formatted_name', where);
    });
    return { type };
  }
  const object = requireObject(value, type);
  if (type === 'reaction') {
    requireText(object, 'message_id', type);
    // An empty emoji removes a reaction.
    return { type, caption: requireText(object, 'emoji', type, { allowEmpty: true }) };
  }
  for (const key of ['latitude', 'longitude'] as const) {
    const n = object[key];
    if (n === undefined || n === null) throw new Rejected(graphErrors.missingParameter(`The parameter ${at(type, key)} is required.`));
    if (typeof n !== 'number' && !(typeof n === 'string' && Number.isFinite(Number(n)))) {
      throw new Rejected(graphErrors.invalidParameter(`Param ${at(type, key)} must be a number.`));
    }
  }
  const name = optionalText(object, 'name', type, { allowEmpty: true });
  return name === undefined ? { type } : { type, caption: name };
}

function content(type: MessageType, body: Record<string, unknown>, templates: KnownTemplates): ParsedContent {
  const value = body[type];
  switch (type) {
    case 'text': {
      const text = requireObject(value, 'text');
      if (text.preview_url !== undefined && typeof text.preview_url !== 'boolean') {
        throw new Rejected(graphErrors.invalidParameter("Param text['preview_url'] must be a boolean."));
      }
      return { type, text: requireText(text, 'body', 'text', { max: 4096 }) };
    }
    case 'template':
      return { type, template: parseTemplate(value, templates) };
    case 'interactive':
      return { type, interactive: parseInteractive(value) };
    case 'image':
    case 'document':
    case 'audio':
    case 'video':
    case 'sticker':
      return mediaContent(type, value);
    case 'reaction':
    case 'location':
    case 'contacts':
      return otherContent(type, value);
  }
}

function parse(body: unknown, templates: KnownTemplates): CheckedRequest {
  if (!isPlainObject(body)) throw new Rejected(graphErrors.invalidParameter('The request body must be a JSON object.'));
  checkFrame(body);
  if (body.status !== undefined) return markRead(body);
  if (body.recipient_type !== undefined && body.recipient_type !== 'individual') {
    throw new Rejected(graphErrors.invalidParameter("Param recipient_type must be 'individual'."));
  }
  const to = checkTo(body);
  // Meta's default type is text.
  const rawType = body.type ?? 'text';
  if (typeof rawType !== 'string' || !isMessageType(rawType)) {
    throw new Rejected(graphErrors.invalidParameter(`Param type must be one of {${MESSAGE_TYPES.join(', ').toUpperCase()}}.`));
  }
  const callbackData = body.biz_opaque_callback_data;
  if (callbackData !== undefined && (typeof callbackData !== 'string' || callbackData.length > 512)) {
    throw new Rejected(graphErrors.invalidParameter('Param biz_opaque_callback_data must be a string of at most 512 characters.'));
  }
  if (body.context !== undefined) requireText(requireObject(body.context, 'context'), 'message_id', 'context');
  const send: ParsedSend = { to, content: content(rawType, body, templates) };
  if (callbackData !== undefined) send.callbackData = callbackData;
  return { kind: 'send', send };
}

export function checkMessageRequest(body: unknown, templates: KnownTemplates): CheckedRequest {
  try {
    return parse(body, templates);
  } catch (error) {
    if (error instanceof Rejected) return { kind: 'invalid', error: error.graphError };
    throw error;
  }
}
