/**
 * Meta's account-level webhooks read into AccountNotice. They come to the same URL as the
 * per-number ones, in the same envelope, but are about the WhatsApp Business Account:
 * `entry[].id` is the WABA id and the change's value names no `metadata.phone_number_id`
 * (reference: whatsapp-cloud-api.md, Webhooks; the value shapes are those of Meta's webhook
 * reference pages for each field). Schema first, as webhook-payload.ts: the parts read are
 * validated and typed, anything else is ignored, and a change that does not fit is skipped.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { AccountNotice, TemplateRef } from '../domain/accounts/account-notice.js';
import { isPlainObject } from '../shared/merge-patch.js';

const Str = Type.String();
const Id = Type.Union([Type.String(), Type.Number()]);
const Opt = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

const TemplateFields = {
  message_template_id: Opt(Id),
  message_template_name: Str,
  message_template_language: Opt(Str),
};

const TemplateStatus = Type.Object({
  ...TemplateFields,
  event: Str,
  reason: Opt(Str),
  other_info: Opt(Type.Object({ title: Opt(Str), description: Opt(Str) })),
  rejection_info: Opt(Type.Object({ reason: Opt(Str), recommendation: Opt(Str) })),
  disable_info: Opt(Type.Object({ disable_date: Opt(Id) })),
});

const TemplateQuality = Type.Object({ ...TemplateFields, previous_quality_score: Opt(Str), new_quality_score: Str });

const TemplateCategory = Type.Object({
  ...TemplateFields,
  previous_category: Opt(Str),
  new_category: Str,
  correct_category: Opt(Str),
  category_update_timestamp: Opt(Id),
});

const NumberQuality = Type.Object({ display_phone_number: Opt(Str), event: Str, current_limit: Opt(Str), old_limit: Opt(Str) });

const AccountUpdate = Type.Object({
  event: Str,
  violation_info: Opt(Type.Object({ violation_type: Opt(Str) })),
  ban_info: Opt(Type.Object({ waba_ban_state: Opt(Str), waba_ban_date: Opt(Str) })),
  restriction_info: Opt(Type.Array(Type.Object({ restriction_type: Opt(Str), expiration: Opt(Id) }))),
});

const AccountAlerts = Type.Object({
  alert_info: Type.Object({ alert_severity: Str, alert_status: Opt(Str), alert_type: Str, alert_description: Opt(Str) }),
});

type AccountNoticeBody = AccountNotice extends infer N ? (N extends unknown ? Omit<N, 'businessAccountId'> : never) : never;

/** Reads one field's value: what it tells (null: nothing), or undefined when it does not fit the schema. */
type FieldReader = (value: unknown) => AccountNoticeBody | null | undefined;

function reader<T extends TSchema>(schema: T, read: (value: Static<T>) => AccountNoticeBody | null): FieldReader {
  const check = TypeCompiler.Compile(schema);
  return (value) => (check.Check(value) ? read(value) : undefined);
}

/** Meta's words, kept to what an alert shows: one line, no control characters, at most 500 characters. */
function words(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line === '' ? null : line.length > 500 ? `${line.slice(0, 499)}…` : line;
}

function templateOf(value: { message_template_name: string; message_template_language?: string | null }): TemplateRef {
  return { name: words(value.message_template_name) ?? '', language: words(value.message_template_language) };
}

/** Meta's unix seconds (a number, or digits in a string); null for anything that is not a time. */
function unixSeconds(value: string | number | null | undefined): Date | null {
  const seconds = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number') return null;
  const at = new Date(seconds * 1000);
  return Number.isNaN(at.getTime()) ? null : at;
}

const READERS: Readonly<Record<string, FieldReader>> = {
  message_template_status_update: reader(TemplateStatus, (v) => {
    const rejection = v.rejection_info === null || v.rejection_info === undefined ? null : [v.rejection_info.reason, v.rejection_info.recommendation];
    const disabled = unixSeconds(v.disable_info?.disable_date);
    const explanation = [...(rejection ?? []), v.other_info?.description, disabled === null ? null : `Disabled on ${disabled.toISOString()}.`]
      .map(words)
      .filter((w): w is string => w !== null)
      .join(' ');
    return {
      kind: 'template_status',
      template: templateOf(v),
      event: v.event.toUpperCase(),
      reason: v.reason === null || v.reason === undefined || v.reason.toUpperCase() === 'NONE' ? null : words(v.reason),
      explanation: explanation === '' ? null : explanation,
    };
  }),
  message_template_quality_update: reader(TemplateQuality, (v) => ({
    kind: 'template_quality',
    template: templateOf(v),
    previous: words(v.previous_quality_score)?.toUpperCase() ?? null,
    score: v.new_quality_score.toUpperCase(),
  })),
  template_category_update: reader(TemplateCategory, (v) => {
    const upcoming = words(v.correct_category);
    return {
      kind: 'template_category',
      template: templateOf(v),
      previous: words(v.previous_category),
      category: words(v.new_category) ?? '',
      upcoming: upcoming === null ? null : { category: upcoming, at: unixSeconds(v.category_update_timestamp) },
    };
  }),
  phone_number_quality_update: reader(NumberQuality, (v) => ({
    kind: 'number_quality',
    displayPhoneNumber: words(v.display_phone_number),
    event: v.event.toUpperCase(),
    limit: words(v.current_limit),
    previousLimit: words(v.old_limit),
  })),
  account_update: reader(AccountUpdate, (v) => ({
    kind: 'account_update',
    event: v.event.toUpperCase(),
    ban: v.ban_info === null || v.ban_info === undefined ? null : { state: words(v.ban_info.waba_ban_state), date: words(v.ban_info.waba_ban_date) },
    violation: words(v.violation_info?.violation_type),
    restrictions: (v.restriction_info ?? []).map((r) => words(r.restriction_type)).filter((r): r is string => r !== null),
  })),
  account_alerts: reader(AccountAlerts, (v) => ({
    kind: 'account_alert',
    severity: v.alert_info.alert_severity.toUpperCase(),
    status: words(v.alert_info.alert_status)?.toUpperCase() ?? null,
    type: words(v.alert_info.alert_type) ?? '',
    description: words(v.alert_info.alert_description),
  })),
};

/** The account-level fields Orderline acts on; any other change is taken and ignored. */
export const ACCOUNT_FIELDS: readonly string[] = Object.keys(READERS);

/**
 * Meta's template quality webhook has been documented under the status field's name: a
 * status change without an `event` but with a quality score is read as what it is.
 */
function readerFor(field: string, value: unknown): FieldReader | undefined {
  if (field === 'message_template_status_update' && isPlainObject(value) && !('event' in value) && 'new_quality_score' in value) {
    return READERS.message_template_quality_update;
  }
  return READERS[field];
}

/** The WABA id of an entry: an id (digits as Meta gives them, a string or a number), else null. */
export function entryAccountId(entry: unknown): string | null {
  const id = isPlainObject(entry) ? entry.id : undefined;
  const text = typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : id;
  return typeof text === 'string' && /^[0-9]{1,32}$/.test(text) ? text : null;
}

/** A change (an object with a field) is account-level when its value names no phone number id. */
export function isAccountLevel(change: unknown): boolean {
  if (!isPlainObject(change) || typeof change.field !== 'string') return false;
  const metadata = isPlainObject(change.value) ? change.value.metadata : undefined;
  return !isPlainObject(metadata) || metadata.phone_number_id === undefined;
}

function listAt(value: unknown, key: string): unknown[] {
  const list = isPlainObject(value) ? value[key] : undefined;
  return Array.isArray(list) ? list : [];
}

/** The account-level changes of a webhook body that Orderline acts on, per WABA id. */
export function accountNotices(body: unknown): AccountNotice[] {
  const notices: AccountNotice[] = [];
  for (const entry of listAt(body, 'entry')) {
    const businessAccountId = entryAccountId(entry);
    if (businessAccountId === null) continue;
    for (const change of listAt(entry, 'changes')) {
      if (!isPlainObject(change) || typeof change.field !== 'string' || !isAccountLevel(change)) continue;
      const notice = readerFor(change.field, change.value)?.(change.value);
      if (notice !== null && notice !== undefined) notices.push({ businessAccountId, ...notice });
    }
  }
  return notices;
}
