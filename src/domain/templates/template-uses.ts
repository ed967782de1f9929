/**
 * Where a tenant sends with a given template: the notification kinds (and cart reminder
 * steps) whose mapping, or default catalog template when it has none, has that name and
 * language. Kinds that are switched off do not count: what Meta does to a template matters to
 * an operator most when messages are about to go out with it.
 */
import { NOTIFICATION_KINDS, type TenantSettings } from '../tenants/tenant-settings.js';
import { defaultCatalog } from './default-catalog.js';
import { reminderMapping } from './reminder-template.js';
import type { TemplateMapping } from './template-mapping.js';

/** Template names and languages do not depend on the public URL. */
const CATALOG = defaultCatalog('https://orderline.invalid');

/** "en-US", "en_us" and "en_US" are one language code. */
function sameLanguage(a: string, b: string): boolean {
  return a.replace(/-/g, '_').toLowerCase() === b.replace(/-/g, '_').toLowerCase();
}

function isTemplate(mapping: TemplateMapping, name: string, language: string | null): boolean {
  return mapping.name === name && (language === null || sameLanguage(mapping.language, language));
}

/** E.g. ["order_shipped", "cart_reminder step 2"]; empty when the tenant does not send with it. */
export function templateUses(settings: TenantSettings, name: string, language: string | null): string[] {
  const uses: string[] = [];
  const { notifications, cartRecovery } = settings;
  for (const kind of NOTIFICATION_KINDS) {
    if (kind === 'cart_reminder' || !notifications[kind].enabled) continue;
    if (isTemplate(notifications[kind].template ?? CATALOG[kind].mapping, name, language)) uses.push(kind);
  }
  if (cartRecovery.enabled && notifications.cart_reminder.enabled) {
    const last = cartRecovery.reminders.length - 1;
    cartRecovery.reminders.forEach((step, i) => {
      const withDiscount = cartRecovery.discountCode !== null && i === last;
      const mapping = reminderMapping(step.template, notifications.cart_reminder.template, withDiscount, CATALOG);
      if (isTemplate(mapping, name, language)) uses.push(`cart_reminder step ${i + 1}`);
    });
  }
  return uses;
}
