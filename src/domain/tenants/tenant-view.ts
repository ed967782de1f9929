/**
 * The tenant as the admin API shows it: settings in full, secrets only as `has…` flags. The
 * schema is the answer's contract: /openapi.json documents it, the admin routes write nothing
 * it does not name (a secret put in by mistake; see http/answer-serializer.ts), and the type
 * below comes from it.
 */
import { Type, type Static } from '@sinclair/typebox';
import { IsoTime, Nullable, StringEnum } from '../../shared/answer-types.js';
import type { StoredTenant } from '../ports/tenant-store.js';
import { TenantSettings } from './tenant-settings.js';

const { whatsapp, brandApi, ...settings } = TenantSettings.properties;
const shown = { readOnly: true } as const;

/** Documented in the order tenantView writes them (the answer keeps the stored settings' order). */
export const TenantView = Type.Object({
  id: Type.String(shown),
  name: Type.String(),
  ...settings,
  whatsapp: Type.Object({
    ...whatsapp.properties,
    hasAccessToken: Type.Boolean(shown),
    hasAppSecret: Type.Boolean(shown),
    mode: StringEnum(['cloud', 'sandbox'], { ...shown, description: 'sandbox: no access token, messages go to the built-in sandbox' }),
    sendingPaused: Nullable(Type.String(), { ...shown, description: 'Why sending waits for a new accessToken (Meta refused this one), or null' }),
  }),
  brandApi: Type.Object({ ...brandApi.properties, hasApiKey: Type.Boolean(shown) }),
  createdAt: IsoTime(shown),
  updatedAt: IsoTime(shown),
});
export type TenantView = Static<typeof TenantView>;

/** The answer to creating a tenant: the only time its guest key is shown. */
export const CreatedTenant = Type.Object({
  tenant: TenantView,
  guestKey: Type.String({ description: 'Shown once; stored only as a SHA-256 hash' }),
});
export type CreatedTenant = Static<typeof CreatedTenant>;

/** The answer to issuing a new guest key. */
export const RotatedKey = Type.Object({
  guestKey: Type.String({ description: 'Shown once; stored only as a SHA-256 hash' }),
  previousKeyValidUntil: IsoTime({ description: 'When the keys issued before stop working (now, without a grace period)' }),
});
export type RotatedKey = Static<typeof RotatedKey>;

export function tenantView(tenant: StoredTenant): TenantView {
  const { whatsapp, brandApi, ...rest } = tenant.settings;
  const sealed = tenant.sealedSecrets;
  return {
    id: tenant.id,
    name: tenant.name,
    ...rest,
    whatsapp: {
      ...whatsapp,
      hasAccessToken: sealed.whatsappAccessToken !== undefined,
      hasAppSecret: sealed.whatsappAppSecret !== undefined,
      // Tenants without a Meta access token send through the built-in sandbox.
      mode: sealed.whatsappAccessToken !== undefined ? 'cloud' : 'sandbox',
      sendingPaused: tenant.sendingPaused,
    },
    brandApi: { ...brandApi, hasApiKey: sealed.brandApiKey !== undefined },
    createdAt: tenant.createdAt.toISOString(),
    updatedAt: tenant.updatedAt.toISOString(),
  };
}
