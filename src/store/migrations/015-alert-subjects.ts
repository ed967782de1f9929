import type { Kysely, Migration } from 'kysely';

/**
 * What an alert is about (`template:orderline_order_shipped:en`), so that good news about the
 * same thing (Meta reinstating a paused template) marks it resolved: the operator then sees
 * which alerts still need them.
 */
export const alertSubjects: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('alerts').addColumn('subject', 'text').execute();
    await db.schema.createIndex('alerts_open_subject').on('alerts').columns(['tenant_id', 'subject']).execute();
  },
  async down(): Promise<void> {
    throw new Error('Orderline migrations only move forward');
  },
};
