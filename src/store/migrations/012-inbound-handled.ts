import { sql, type Kysely, type Migration } from 'kysely';

/**
 * When a customer's message was handled. A message was stored, then handed to the assistant;
 * if that failed (a database blip), the webhook job's retry found the message stored and took
 * it for a duplicate, so the customer was never answered. Messages stored before this are
 * taken as handled: they are not answered again now.
 */
export const inboundHandled: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('inbound_messages').addColumn('handled_at', 'bigint').execute();
    await sql`update inbound_messages set handled_at = received_at`.execute(db);
  },
  async down(): Promise<void> {
    throw new Error('Orderline migrations only move forward');
  },
};
