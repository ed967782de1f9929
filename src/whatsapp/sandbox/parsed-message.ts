/**
 * A `/messages` request after the checks: only what the sandbox uses later (chat summaries,
 * inbound replies that refer back to a message, status webhooks). The raw body is kept
 * beside it in the chat, so nothing here needs to be complete.
 */

export const MESSAGE_TYPES = [
  'text',
  'template',
  'interactive',
  'reaction',
  'image',
  'document',
  'audio',
  'video',
  'sticker',
  'location',
  'contacts',
] as const;

export type MessageType = (typeof MESSAGE_TYPES)[number];

export interface TemplateButtonParam {
  index: number;
  /** `quick_reply`, `url`, or another sub type Meta has (copy_code, flow, …). */
  subType: string;
  /** The quick reply's payload or the URL's suffix. */
  value: string;
}

export interface ParsedTemplate {
  name: string;
  language: string;
  /** Header parameters as text (media shows as "[image]" and the like). */
  header: string[];
  body: string[];
  buttons: TemplateButtonParam[];
}

export interface ReplyButton {
  id: string;
  title: string;
}

export interface ListRow {
  id: string;
  title: string;
  description?: string;
  section?: string;
}

export type ParsedInteractive =
  | { kind: 'button'; body: string; buttons: ReplyButton[] }
  | { kind: 'list'; body: string; button: string; rows: ListRow[] }
  /** cta_url, flow, product…: accepted with light checks. */
  | { kind: 'other'; interactiveType: string; body?: string };

export type ParsedContent =
  | { type: 'text'; text: string }
  | { type: 'template'; template: ParsedTemplate }
  | { type: 'interactive'; interactive: ParsedInteractive }
  /** Media, reaction, location, contacts; `caption` is whatever reads as text (caption, emoji, place name). */
  | { type: Exclude<MessageType, 'text' | 'template' | 'interactive'>; caption?: string };

export interface ParsedSend {
  /** Digits only, as checked. */
  to: string;
  content: ParsedContent;
  /** `biz_opaque_callback_data`, echoed in every status webhook of the message. */
  callbackData?: string;
}
