/**
 * The checks Meta applies to interactive messages (whatsapp-cloud-api.md, Interactive):
 * reply buttons (1–3, titles ≤ 20 characters and unique, ids ≤ 256) and lists (button label
 * ≤ 20, 1–10 sections, at most 10 rows in all, row title ≤ 24, description ≤ 72, id ≤ 200,
 * section titles required when there is more than one section). Other interactive types are
 * accepted with their body checked, since Orderline does not send them.
 */
import { at, optionalText, Rejected, requireArray, requireObject, requireText, requireUnique } from './check-helpers.js';
import { graphErrors } from './graph-error.js';
import type { ListRow, ParsedInteractive, ReplyButton } from './parsed-message.js';

const INTERACTIVE_TYPES = new Set([
  'button',
  'list',
  'cta_url',
  'flow',
  'product',
  'product_list',
  'catalog_message',
  'location_request_message',
  'address_message',
  'call_permission_request',
]);

const BASE = 'interactive';

function checkHeaderAndFooter(interactive: Record<string, unknown>): void {
  if (interactive.header !== undefined) {
    const header = requireObject(interactive.header, at(BASE, 'header'));
    if (header.type === 'text') requireText(header, 'text', at(BASE, 'header'), { max: 60 });
  }
  if (interactive.footer !== undefined) {
    requireText(requireObject(interactive.footer, at(BASE, 'footer')), 'text', at(BASE, 'footer'), { max: 60 });
  }
}

function bodyText(interactive: Record<string, unknown>, max: number): string {
  return requireText(requireObject(interactive.body, at(BASE, 'body')), 'text', at(BASE, 'body'), { max });
}

function replyButtons(action: Record<string, unknown>): ReplyButton[] {
  const path = at(at(BASE, 'action'), 'buttons');
  const list = requireArray(action.buttons, path);
  if (list.length < 1 || list.length > 3) {
    throw new Rejected(graphErrors.invalidValue('Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: 3'));
  }
  const buttons = list.map((raw, i): ReplyButton => {
    const button = requireObject(raw, at(path, i));
    if (button.type !== 'reply') throw new Rejected(graphErrors.invalidParameter(`Param ${at(at(path, i), 'type')} must be "reply".`));
    const reply = requireObject(button.reply, at(at(path, i), 'reply'));
    const where = at(at(path, i), 'reply');
    return { id: requireText(reply, 'id', where, { max: 256 }), title: requireText(reply, 'title', where, { max: 20 }) };
  });
  requireUnique(buttons.map((b) => b.title), 'Button title must be unique within a message');
  requireUnique(buttons.map((b) => b.id), 'Button id must be unique within a message');
  return buttons;
}

function listRows(action: Record<string, unknown>): ListRow[] {
  const path = at(at(BASE, 'action'), 'sections');
  const sections = requireArray(action.sections, path);
  if (sections.length < 1 || sections.length > 10) {
    throw new Rejected(graphErrors.invalidValue('Invalid sections count. Min allowed sections: 1, Max allowed sections: 10'));
  }
  const rows: ListRow[] = [];
  for (const [i, raw] of sections.entries()) {
    const where = at(path, i);
    const section = requireObject(raw, where);
    const title =
      sections.length > 1 ? requireText(section, 'title', where, { max: 24 }) : optionalText(section, 'title', where, { max: 24 });
    const rowsPath = at(where, 'rows');
    const sectionRows = requireArray(section.rows, rowsPath);
    if (sectionRows.length === 0) throw new Rejected(graphErrors.invalidValue(`Param ${rowsPath} must have at least 1 row.`));
    for (const [j, rawRow] of sectionRows.entries()) {
      const rowPath = at(rowsPath, j);
      const row = requireObject(rawRow, rowPath);
      const parsed: ListRow = {
        id: requireText(row, 'id', rowPath, { max: 200 }),
        title: requireText(row, 'title', rowPath, { max: 24 }),
      };
      const description = optionalText(row, 'description', rowPath, { max: 72, allowEmpty: true });
      if (description !== undefined && description !== '') parsed.description = description;
      if (title !== undefined) parsed.section = title;
      rows.push(parsed);
    }
  }
  if (rows.length > 10) throw new Rejected(graphErrors.invalidValue('Invalid number of rows. Max allowed rows: 10'));
  requireUnique(rows.map((r) => r.id), 'Row id must be unique within a message');
  return rows;
}

export function parseInteractive(value: unknown): ParsedInteractive {
  const interactive = requireObject(value, BASE);
  const type = requireText(interactive, 'type', BASE);
  if (!INTERACTIVE_TYPES.has(type)) {
    throw new Rejected(
      graphErrors.invalidParameter(`Param ${at(BASE, 'type')} must be one of {${[...INTERACTIVE_TYPES].join(', ').toUpperCase()}}.`),
    );
  }
  checkHeaderAndFooter(interactive);
  if (type === 'button') {
    const body = bodyText(interactive, 1024);
    return { kind: 'button', body, buttons: replyButtons(requireObject(interactive.action, at(BASE, 'action'))) };
  }
  if (type === 'list') {
    const body = bodyText(interactive, 4096);
    const action = requireObject(interactive.action, at(BASE, 'action'));
    const button = requireText(action, 'button', at(BASE, 'action'), { max: 20 });
    return { kind: 'list', body, button, rows: listRows(action) };
  }
  const body = interactive.body === undefined ? undefined : bodyText(interactive, 4096);
  return body === undefined ? { kind: 'other', interactiveType: type } : { kind: 'other', interactiveType: type, body };
}
