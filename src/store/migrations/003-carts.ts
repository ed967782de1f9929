import type { Kysely, Migration } from 'kysely';

/** Abandoned carts and where their reminder sequence stands. */
export const carts: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('carts')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('cart_key', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('token', 'text')
      .addColumn('cart_token', 'text')
      .addColumn('customer', 'text')
      .addColumn('snapshot', 'text', (c) => c.notNull())
      .addColumn('cart_time', 'bigint', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('reminders_sent', 'integer', (c) => c.notNull())
      .addColumn('next_step', 'integer', (c) => c.notNull())
      .addColumn('last_reminded_at', 'bigint')
      .addColumn('reason', 'text')
      .addColumn('recovered_order_id', 'text')
      .addColumn('recovered_value', 'text')
      .addColumn('recovered_currency', 'text')
      .addColumn('recovered_after_step', 'integer')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('carts_pk', ['tenant_id', 'cart_key'])
      .execute();
    await db.schema.createIndex('carts_customer').on('carts').columns(['tenant_id', 'customer', 'state']).execute();
    await db.schema.createIndex('carts_token').on('carts').columns(['tenant_id', 'token']).execute();
    await db.schema.createIndex('carts_cart_token').on('carts').columns(['tenant_id', 'cart_token']).execute();
    await db.schema.createIndex('carts_tenant_id').on('carts').columns(['tenant_id', 'id']).execute();
    // Suppression rules look up a customer's recent messages of a kind.
    await db.schema.createIndex('messages_customer_kind').on('messages').columns(['tenant_id', 'recipient', 'kind', 'created_at']).execute();
  },
  async down(): Promise<void> {
    throw new Error('Orderline migrations only move forward');
  },
};
