/**
 * Which template a cart reminder step goes out with. The step's own template comes first;
 * then the tenant's `notifications.cart_reminder.template`, the kind-wide choice (BRIEF: each
 * step may name its own template); then the default catalog's. The step that carries the
 * discount code takes the kind-wide template only when it gives the code a parameter, so a
 * reminder template written for the plain steps never drops the code.
 */
import type { CatalogEntry, CatalogKind } from './default-catalog.js';
import type { TemplateMapping, TemplateParam } from './template-mapping.js';
import { placeholderPaths } from './template-text.js';

export const DISCOUNT_PATH = 'discount.code';

/** Whether a parameter of the mapping is the path, or a literal with it as a placeholder. */
export function mentionsPath(mapping: TemplateMapping, path: string): boolean {
  const params: TemplateParam[] = [...mapping.body, ...(mapping.header ?? []), ...(mapping.buttons ?? []).map((b) => b.param)];
  return params.some((param) => (typeof param === 'string' ? param.trim() === path : placeholderPaths(param.value).includes(path)));
}

export function reminderMapping(
  stepTemplate: TemplateMapping | null,
  kindTemplate: TemplateMapping | null,
  withDiscount: boolean,
  catalog: Record<CatalogKind, CatalogEntry>,
): TemplateMapping {
  if (stepTemplate !== null) return stepTemplate;
  if (kindTemplate !== null && (!withDiscount || mentionsPath(kindTemplate, DISCOUNT_PATH))) return kindTemplate;
  return catalog[withDiscount ? 'cart_reminder_discount' : 'cart_reminder'].mapping;
}
