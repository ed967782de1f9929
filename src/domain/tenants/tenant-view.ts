import type { StoredTenant } from '../ports/tenant-store.js';

/** The tenant as the admin API shows it: settings in full, secrets only as `has…` flags. */
export function tenantView(tenant: StoredTenant) {
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
      /** Tenants without a Meta access token send through the built-in sandbox. */
      mode: sealed.whatsappAccessToken !== undefined ? ('cloud' as const) : ('sandbox' as const),
      /** Why sending waits for a new accessToken (Meta refused this one), or null. */
      sendingPaused: tenant.sendingPaused,
    },
    brandApi: { ...brandApi, hasApiKey: sealed.brandApiKey !== undefined },
    createdAt: tenant.createdAt.toISOString(),
    updatedAt: tenant.updatedAt.toISOString(),
  };
}
export type TenantView = ReturnType<typeof tenantView>;
