import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Tenants gain `locale` (money and dates in messages). Settings are stored whole, as JSON, and
 * read without defaults on the hot path, so tenants saved before it get its default here.
 */
export const tenantLocale: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const rows = await sql<{ id: string; config: string }>`select id, config from tenants`.execute(db);
    for (const row of rows.rows) {
      const config = JSON.parse(row.config) as Record<string, unknown>;
      if (typeof config.locale === 'string') continue;
      await sql`update tenants set config = ${JSON.stringify({ ...config, locale: 'en-IN' })} where id = ${row.id}`.execute(db);
    }
  },
  async down(): Promise<void> {
    throw new Error('Orderline migrations only move forward');
  },
};
