import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Tenants gain `whatsapp.businessAccountId` (the WABA id): Meta's account-level webhooks
 * (template status, quality, account updates) name only it. A column beside the JSON config,
 * as `phone_number_id`, with an index so a webhook finds its tenants in one look-up before its
 * signature is checked (an unsigned caller must not make the service read every tenant). Not
 * unique: several brands' numbers may sit in one WABA. Settings are stored whole and read
 * without defaults, so tenants saved before it get the default, null, in their config here.
 */
export const tenantBusinessAccount: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('tenants').addColumn('business_account_id', 'text').execute();
    await db.schema.createIndex('tenants_business_account').on('tenants').column('business_account_id').execute();
    const rows = await sql<{ id: string; config: string }>`select id, config from tenants`.execute(db);
    for (const row of rows.rows) {
      const config = JSON.parse(row.config) as Record<string, unknown>;
      const whatsapp = config.whatsapp;
      if (typeof whatsapp !== 'object' || whatsapp === null || Array.isArray(whatsapp) || 'businessAccountId' in whatsapp) continue;
      const updated = { ...config, whatsapp: { ...whatsapp, businessAccountId: null } };
      await sql`update tenants set config = ${JSON.stringify(updated)} where id = ${row.id}`.execute(db);
    }
  },
  async down(): Promise<void> {
    throw new Error('Orderline migrations only move forward');
  },
};
