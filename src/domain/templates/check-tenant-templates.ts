/**
 * Checks every template mapping in a tenant's settings against its layout when the settings
 * are saved, so a mismatch is refused then (with the path of the offending field) instead of
 * failing each send with Meta's error 132000.
 */
import type { TenantSettings } from '../tenants/tenant-settings.js';
import { NOTIFICATION_KINDS } from '../tenants/tenant-settings.js';
import { defaultCatalog } from './default-catalog.js';
import { checkMappingAgainstLayout, type MappingIssue, type TemplateLayout } from './template-layout.js';
import type { TemplateMapping } from './template-mapping.js';
import { DISCOUNT_PATH, mentionsPath } from './reminder-template.js';

/** Layouts of the default templates by name; they do not depend on the public URL. */
const DEFAULT_LAYOUTS: ReadonlyMap<string, TemplateLayout> = new Map(
  Object.values(defaultCatalog('https://orderline.invalid')).map((entry) => [entry.mapping.name, entry.layout]),
);

function check(mapping: TemplateMapping, at: string): MappingIssue[] {
  const layout = mapping.layout ?? DEFAULT_LAYOUTS.get(mapping.name);
  if (layout === undefined) {
    return [{ path: `${at}/layout`, message: `is required: declare the parameter counts and buttons of the approved template "${mapping.name}"` }];
  }
  return checkMappingAgainstLayout(mapping, layout).map((issue) => ({ path: at + issue.path, message: issue.message }));
}

export function checkTenantTemplates(settings: TenantSettings): MappingIssue[] {
  const issues: MappingIssue[] = [];
  for (const kind of NOTIFICATION_KINDS) {
    const mapping = settings.notifications[kind].template;
    if (mapping !== null) issues.push(...check(mapping, `/notifications/${kind}/template`));
  }
  const { reminders, discountCode } = settings.cartRecovery;
  reminders.forEach((step, i) => {
    if (step.template !== null) issues.push(...check(step.template, `/cartRecovery/reminders/${i}/template`));
  });
  // The code is offered in the last reminder (BRIEF: a step with a discount code uses a template
  // that has the parameter); one whose template never says it would go out without it.
  const last = reminders.length - 1;
  const lastTemplate = reminders[last]?.template ?? null;
  if (discountCode !== null && lastTemplate !== null && !mentionsPath(lastTemplate, DISCOUNT_PATH)) {
    issues.push({
      path: `/cartRecovery/reminders/${last}/template`,
      message: `the last reminder carries the discount code: its template needs a parameter with "${DISCOUNT_PATH}" (or set discountCode to null)`,
    });
  }
  return issues;
}
