/**
 * A template as Meta's creation API takes it (`POST /{waba-id}/message_templates`), and the
 * layout such a template has. The catalog derives each default layout from its creation
 * body, so the parameter counts a mapping is checked against are those of the text that is
 * actually submitted for approval.
 */
import type { TemplateLayout } from './template-layout.js';

export type TemplateCategory = 'UTILITY' | 'MARKETING';

export type CreationButton =
  | { type: 'URL'; text: string; url: string; example?: string[] }
  | { type: 'QUICK_REPLY'; text: string };

export type CreationComponent =
  | { type: 'HEADER'; format: 'TEXT'; text: string; example?: { header_text: string[] } }
  | { type: 'BODY'; text: string; example?: { body_text: string[][] } }
  | { type: 'FOOTER'; text: string }
  | { type: 'BUTTONS'; buttons: CreationButton[] };

export interface TemplateCreationBody {
  name: string;
  language: string;
  category: TemplateCategory;
  parameter_format: 'POSITIONAL';
  components: CreationComponent[];
}

/** The distinct positional placeholders `{{n}}` of an approved text, as numbers in order of first use. */
export function positionalPlaceholders(text: string): number[] {
  const seen: number[] = [];
  for (const m of text.matchAll(/\{\{(\d+)\}\}/g)) {
    const n = Number(m[1]);
    if (!seen.includes(n)) seen.push(n);
  }
  return seen;
}

/** The layout of a positional template: counts of `{{n}}` in header and body, and its buttons. */
export function layoutOfCreationBody(body: TemplateCreationBody): TemplateLayout {
  let bodyParams = 0;
  let headerParams: 0 | 1 = 0;
  const buttons: NonNullable<TemplateLayout['buttons']> = [];
  for (const component of body.components) {
    if (component.type === 'BODY') bodyParams = positionalPlaceholders(component.text).length;
    if (component.type === 'HEADER') headerParams = positionalPlaceholders(component.text).length > 0 ? 1 : 0;
    if (component.type === 'BUTTONS') {
      component.buttons.forEach((b, index) => {
        buttons.push(
          b.type === 'URL'
            ? { index, type: 'url', dynamic: positionalPlaceholders(b.url).length > 0 }
            : { index, type: 'quick_reply', dynamic: true },
        );
      });
    }
  }
  return { bodyParams, headerParams, buttons };
}
