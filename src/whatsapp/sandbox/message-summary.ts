/**
 * What a chat entry shows at a glance: the text the customer reads, a template's name and
 * parameters, and what can be tapped (button ids and list row ids are what
 * `POST /sandbox/tenants/{id}/inbound` takes as `buttonId` / `listRowId`).
 */
import { Type, type Static } from '@sinclair/typebox';
import { renderPositional, type KnownTemplates } from './known-templates.js';
import type { ParsedContent, ParsedTemplate, ReplyButton } from './parsed-message.js';

/** The schema documents the operator routes' answers (sandbox-routes.ts); the type comes from it. */
export const ChatSummary = Type.Object({
  text: Type.Optional(Type.String({ description: 'The text as the customer reads it (a known template is rendered with its parameters)' })),
  template: Type.Optional(
    Type.Object({
      name: Type.String(),
      language: Type.String(),
      parameters: Type.Array(Type.String(), { description: 'The body parameters sent' }),
      headerParameters: Type.Optional(Type.Array(Type.String())),
    }),
  ),
  buttons: Type.Optional(
    Type.Array(Type.Object({ id: Type.String(), title: Type.String() }), {
      description: "Reply buttons, and a template's quick replies: the id is what POST …/inbound takes as buttonId",
    }),
  ),
  list: Type.Optional(
    Type.Array(
      Type.Object({
        id: Type.String({ description: 'What POST …/inbound takes as listRowId' }),
        title: Type.String(),
        description: Type.Optional(Type.String()),
        section: Type.Optional(Type.String()),
      }),
    ),
  ),
  links: Type.Optional(Type.Array(Type.String(), { description: "A template's URL buttons: the full URL for a known template, else the suffix sent" })),
});
export type ChatSummary = Static<typeof ChatSummary>;

function templateSummary(template: ParsedTemplate, templates: KnownTemplates): ChatSummary {
  const summary: ChatSummary = {
    template: { name: template.name, language: template.language, parameters: template.body },
  };
  if (template.header.length > 0 && summary.template !== undefined) summary.template.headerParameters = template.header;
  const known = templates.get(template.name);
  const buttons: ReplyButton[] = [];
  const links: string[] = [];
  if (known === undefined) {
    for (const b of template.buttons) {
      if (b.subType === 'quick_reply') buttons.push({ id: b.value, title: b.value });
      else if (b.subType === 'url') links.push(b.value);
    }
  } else {
    const header = known.headerText === undefined ? '' : `${renderPositional(known.headerText, template.header)}\n\n`;
    const footer = known.footerText === undefined ? '' : `\n\n${known.footerText}`;
    summary.text = header + renderPositional(known.bodyText, template.body) + footer;
    for (const target of known.buttons) {
      const given = template.buttons.find((b) => b.index === target.index);
      // Without a payload parameter, Meta sends the button's label back as the payload.
      if (target.type === 'quick_reply') buttons.push({ id: given?.value ?? target.text, title: target.text });
      else if (target.url !== undefined) links.push(renderPositional(target.url, given === undefined ? [] : [given.value]));
    }
  }
  if (buttons.length > 0) summary.buttons = buttons;
  if (links.length > 0) summary.links = links;
  return summary;
}

export function summarizeOutgoing(content: ParsedContent, templates: KnownTemplates): ChatSummary {
  switch (content.type) {
    case 'text':
      return { text: content.text };
    case 'template':
      return templateSummary(content.template, templates);
    case 'interactive': {
      const i = content.interactive;
      if (i.kind === 'button') return { text: i.body, buttons: i.buttons };
      if (i.kind === 'list') return { text: i.body, list: i.rows };
      return i.body === undefined ? {} : { text: i.body };
    }
    default:
      return content.caption === undefined ? {} : { text: content.caption };
  }
}
