/**
 * What an operator sends to create or change a tenant: the settings of tenant-settings.ts,
 * all optional, plus the secrets (write-only: never returned, sealed at rest).
 */
import { Type, type Static } from '@sinclair/typebox';
import { TenantSettings } from './tenant-settings.js';

const Secret = Type.String({ minLength: 1, maxLength: 4096, writeOnly: true });
const s = TenantSettings.properties;

export const TenantCreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    timezone: Type.Optional(s.timezone),
    defaultCountry: Type.Optional(s.defaultCountry),
    whatsapp: Type.Optional(
      Type.Object(
        {
          phoneNumberId: Type.Optional(s.whatsapp.properties.phoneNumberId),
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
    notifications: Type.Optional(s.notifications),
    cartRecovery: Type.Optional(s.cartRecovery),
    bot: Type.Optional(s.bot),
    guestApi: Type.Optional(s.guestApi),
  },
  { additionalProperties: false },
);
export type TenantCreateBody = Static<typeof TenantCreateBody>;

/** A JSON merge patch (RFC 7386) of TenantCreateBody; checked after it is applied. */
export const TenantPatchBody = Type.Object({}, { additionalProperties: true, description: 'JSON merge patch of the tenant' });
