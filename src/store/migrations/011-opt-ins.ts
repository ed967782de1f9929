import type { Kysely, Migration } from 'kysely';

/**
 * When a customer last resumed a scope (START, or `resume` in the app's preferences). Meta
 * delivers webhooks unordered: without this, a STOP that arrived after the START typed a
 * minute later opted the customer out again (an opt-in deleted its opt-out and left no trace).
 */
export const optIns: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('opt_ins')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('customer', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('opt_ins_pk', ['tenant_id', 'customer', 'scope'])
      .execute();
  },
  async down(): Promise<void> {
    throw new Error('Orderline migrations only move forward');
  },
};
