import type { Kysely, Migration } from 'kysely';

/**
 * When each tenant's latest parked event job is due, shared by the API processes on one
 * PostgreSQL database (src/use-cases/planning-horizon.ts): each process kept its own chain,
 * so during a flood an order's later event posted to another process could be planned, and
 * sent, before an earlier one parked here.
 */
export const parkedChains: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('parked_chains')
      .addColumn('tenant_id', 'text', (c) => c.primaryKey())
      .addColumn('last_run_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(): Promise<void> {
    throw new Error('Orderline migrations only move forward');
  },
};
