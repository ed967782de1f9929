/**
 * The templates the sandbox knows, keyed by name: Orderline's default catalog (what
 * `orderline templates export` submits to Meta). For these the sandbox checks what Meta
 * would (parameter counts per component, approved language, buttons) and shows the rendered
 * text in chats. Any other name is taken as the brand's own approved template and accepted
 * unchecked, since the sandbox cannot know its layout.
 */
import { catalogExport } from '../../domain/templates/default-catalog.js';
import { positionalPlaceholders, type TemplateCreationBody } from '../../domain/templates/template-creation.js';

export interface KnownButton {
  index: number;
  type: 'url' | 'quick_reply';
  /** The label the customer sees (and the `text` of a quick-reply tap). */
  text: string;
  /** URL buttons: the approved URL, `{{1}}` where the per-message suffix goes. */
  url?: string;
  /** URL buttons: whether a suffix is sent with each message. */
  dynamic: boolean;
}

export interface KnownTemplate {
  name: string;
  language: string;
  /** Pricing category in status webhooks. */
  category: 'utility' | 'marketing';
  bodyText: string;
  bodyParams: number;
  headerText?: string;
  headerParams: number;
  footerText?: string;
  buttons: KnownButton[];
}

function knownFrom(creation: TemplateCreationBody): KnownTemplate {
  const known: KnownTemplate = {
    name: creation.name,
    language: creation.language,
    category: creation.category === 'MARKETING' ? 'marketing' : 'utility',
    bodyText: '',
    bodyParams: 0,
    headerParams: 0,
    buttons: [],
  };
  for (const component of creation.components) {
    if (component.type === 'BODY') {
      known.bodyText = component.text;
      known.bodyParams = positionalPlaceholders(component.text).length;
    } else if (component.type === 'HEADER') {
      known.headerText = component.text;
      known.headerParams = positionalPlaceholders(component.text).length;
    } else if (component.type === 'FOOTER') {
      known.footerText = component.text;
    } else {
      known.buttons = component.buttons.map((b, index): KnownButton =>
        b.type === 'URL'
          ? { index, type: 'url', text: b.text, url: b.url, dynamic: positionalPlaceholders(b.url).length > 0 }
          : { index, type: 'quick_reply', text: b.text, dynamic: false },
      );
    }
  }
  return known;
}

export class KnownTemplates {
  private readonly byName = new Map<string, KnownTemplate>();

  constructor(templates: readonly TemplateCreationBody[]) {
    for (const t of templates) this.byName.set(t.name, knownFrom(t));
  }

  /** The default catalog as built for a deployment at `publicUrl` (URL buttons point there). */
  static defaultCatalog(publicUrl: string): KnownTemplates {
    return new KnownTemplates(catalogExport(publicUrl));
  }

  get(name: string): KnownTemplate | undefined {
    return this.byName.get(name);
  }
}

/** `{{n}}` replaced by the n-th value; a missing value leaves the placeholder visible. */
export function renderPositional(text: string, values: readonly string[]): string {
  return text.replace(/\{\{(\d+)\}\}/g, (whole, n: string) => values[Number(n) - 1] ?? whole);
}
