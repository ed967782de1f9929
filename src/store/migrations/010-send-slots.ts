import type { Kysely, Migration } from 'kysely';

/**
 * Pacing slots shared by every process that sends (src/store/send-slot-repository.ts): the
 * next free slot per key, in epoch milliseconds with fractions (a rate of 72/s is 13.9 ms).
 * The index lets stale slots be swept without reading the live ones.
 */
export const sendSlots: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('send_slots')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('next_at', 'double precision', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('send_slots_next_at').on('send_slots').column('next_at').execute();
  },
  async down(): Promise<void> {
    throw new Error('Orderline migrations only move forward');
  },
};
