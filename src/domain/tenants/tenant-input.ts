/**
 * What an operator sends to create or change a tenant: the settings of tenant-settings.ts,
 * all optional, plus the secrets (write-only: never returned, sealed at rest).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TenantSettings } from './tenant-settings.js';

const Secret = Type.String({ minLength: 1, maxLength: 4096, writeOnly: true });

/**
 * The settings as an operator may send them: every field optional at every depth (omitted
 * ones take their defaults when the whole document is checked). Types and limits stay.
 */
function optionalEverywhere<T extends TSchema>(schema: T): TSchema {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (typeof node !== 'object' || node === null) return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'required' || key === 'default') continue;
      out[key] = strip(value);
    }
    return out;
  };
  return Type.Unsafe(strip(schema) as Record<string, unknown>);
}

const s = TenantSettings.properties;

export const TenantCreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    timezone: Type.Optional(s.timezone),
    defaultCountry: Type.Optional(s.defaultCountry),
    locale: Type.Optional(s.locale),
    whatsapp: Type.Optional(
      Type.Object(
        {
          phoneNumberId: Type.Optional(s.whatsapp.properties.phoneNumberId),
          businessAccountId: Type.Optional(s.whatsapp.properties.businessAccountId),
          accessToken: Type.Optional(Type.Union([Secret, Type.Null()])),
          appSecret: Type.Optional(Type.Union([Secret, Type.Null()])),
          messagesPerSecond: Type.Optional(s.whatsapp.properties.messagesPerSecond),
        },
        { additionalProperties: false },
      ),
    ),
    brandApi: Type.Optional(
      Type.Object(
        {
          baseUrl: Type.Optional(s.brandApi.properties.baseUrl),
          apiKey: Type.Optional(Type.Union([Secret, Type.Null()])),
          timeoutMs: Type.Optional(s.brandApi.properties.timeoutMs),
          phoneFormat: Type.Optional(s.brandApi.properties.phoneFormat),
        },
        { additionalProperties: false },
      ),
    ),
    notifications: Type.Optional(optionalEverywhere(s.notifications)),
    cartRecovery: Type.Optional(optionalEverywhere(s.cartRecovery)),
    bot: Type.Optional(optionalEverywhere(s.bot)),
    guestApi: Type.Optional(optionalEverywhere(s.guestApi)),
  },
  { additionalProperties: false },
);
export type TenantCreateBody = Static<typeof TenantCreateBody>;

/** A JSON merge patch (RFC 7386) of TenantCreateBody; checked after it is applied. */
export const TenantPatchBody = Type.Object({}, { additionalProperties: true, description: 'JSON merge patch of the tenant' });
