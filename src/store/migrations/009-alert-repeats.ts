import { sql, type Kysely, type Migration } from 'kysely';

/**
 * An alert that keeps happening is counted on one row (`repeats`, `last_at`) instead of raised
 * again: during a brand outage every customer message raised its own, burying the rest. The
 * index finds a tenant's latest alert of a kind without reading its older ones.
 */
export const alertRepeats: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('alerts').addColumn('repeats', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('alerts').addColumn('last_at', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
    await sql`update alerts set last_at = created_at`.execute(db);
    await db.schema.createIndex('alerts_recurring').on('alerts').columns(['tenant_id', 'kind', 'last_at']).execute();
  },
  async down(): Promise<void> {
    throw new Error('Orderline migrations only move forward');
  },
};
