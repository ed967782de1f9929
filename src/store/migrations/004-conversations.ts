import type { Kysely, Migration } from 'kysely';

/** The order assistant's conversations, and what customers confirmed on their orders. */
export const conversations: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('conversations')
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('customer', 'text', (c) => c.notNull())
      .addColumn('mode', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('last_inbound_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('conversations_pk', ['tenant_id', 'customer'])
      .execute();
    await db.schema.createIndex('conversations_tenant_id').on('conversations').columns(['tenant_id', 'id']).execute();

    await db.schema
      .createTable('order_confirmations')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('order_id', 'text', (c) => c.notNull())
      .addColumn('decision', 'text', (c) => c.notNull())
      .addColumn('customer', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('order_confirmations_pk', ['tenant_id', 'order_id'])
      .execute();
  },
  async down(): Promise<void> {
    throw new Error('Orderline migrations only move forward');
  },
};
