import type { Kysely, Migration } from 'kysely';

/** Messages and what follows them: statuses, inbound messages, contacts, opt-outs, links, alerts. */
export const messaging: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('messages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text')
      .addColumn('dedupe_key', 'text', (c) => c.notNull())
      .addColumn('sequence', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('category', 'text', (c) => c.notNull())
      .addColumn('order_id', 'text')
      .addColumn('recipient', 'text')
      .addColumn('wa_id', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('skip_reason', 'text')
      .addColumn('body', 'text')
      .addColumn('wamid', 'text', (c) => c.unique())
      .addColumn('error_code', 'integer')
      .addColumn('error_detail', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('send_started_at', 'bigint')
      .addColumn('sent_at', 'bigint')
      .addColumn('delivered_at', 'bigint')
      .addColumn('read_at', 'bigint')
      .addColumn('failed_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('messages_once').on('messages').columns(['tenant_id', 'dedupe_key']).unique().execute();
    await db.schema.createIndex('messages_tenant_id').on('messages').columns(['tenant_id', 'id']).execute();
    await db.schema.createIndex('messages_recipient').on('messages').columns(['tenant_id', 'recipient', 'state', 'sequence']).execute();
    await db.schema.createIndex('messages_order').on('messages').columns(['tenant_id', 'order_id']).execute();

    await db.schema
      .createTable('message_statuses')
      .addColumn('wamid', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('error_code', 'integer')
      .addColumn('error_detail', 'text')
      .addColumn('callback_data', 'text')
      .addColumn('applied', 'integer', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('message_statuses_pk', ['wamid', 'status'])
      .execute();
    await db.schema
      .createIndex('message_statuses_unapplied')
      .on('message_statuses')
      .columns(['applied', 'received_at'])
      .execute();
    await db.schema.createIndex('message_statuses_callback').on('message_statuses').column('callback_data').execute();

    await db.schema
      .createTable('inbound_messages')
      .addColumn('wamid', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('customer', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('text', 'text')
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('sent_at', 'bigint', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('inbound_customer').on('inbound_messages').columns(['tenant_id', 'customer', 'sent_at']).execute();

    await db.schema
      .createTable('contacts')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('customer', 'text', (c) => c.notNull())
      .addColumn('wa_id', 'text')
      .addColumn('user_id', 'text')
      .addColumn('profile_name', 'text')
      .addColumn('last_inbound_at', 'bigint')
      .addColumn('undeliverable_at', 'bigint')
      .addColumn('marketing_paused_until', 'bigint')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('contacts_pk', ['tenant_id', 'customer'])
      .execute();

    await db.schema
      .createTable('opt_outs')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('customer', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('opt_outs_pk', ['tenant_id', 'customer', 'scope'])
      .execute();

    await db.schema
      .createTable('links')
      .addColumn('token', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text')
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('clicks', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_click_at', 'bigint')
      .execute();
    await db.schema.createIndex('links_message').on('links').column('message_id').execute();

    await db.schema
      .createTable('alerts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('detail', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('resolved_at', 'bigint')
      .execute();
    await db.schema.createIndex('alerts_tenant').on('alerts').columns(['tenant_id', 'id']).execute();

    // Abandoned leases (a worker died) are found by this index, not by scanning running jobs.
    await db.schema.createIndex('jobs_leases').on('jobs').columns(['state', 'locked_until']).execute();

    // Set when Meta says the access token is dead (190): sending pauses until an operator fixes it.
    await db.schema.alterTable('tenants').addColumn('sending_paused', 'text').execute();
  },
  async down(): Promise<void> {
    throw new Error('Orderline migrations only move forward');
  },
};
