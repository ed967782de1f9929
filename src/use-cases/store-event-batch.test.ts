import { describe, expect, it } from 'vitest';
import { businessOnBotOrder, okValue } from '../domain/events/fixtures.js';
import { normalizeEvent } from '../domain/events/normalize.js';
import type { IdempotencyRecord, IngestTransaction } from '../domain/ports/event-store.js';
import { timeOrderedIds } from '../domain/ports/ids.js';
import { storeEventBatch, type PreparedEvent } from './store-event-batch.js';

const NOW = new Date('2026-03-01T10:00:00.000Z');

/** A transaction whose reads see no record, while another writer saves `held` before our save. */
function racedTransaction(held: IdempotencyRecord): IngestTransaction & { inserted: number } {
  let saved = false;
  const tx = {
    inserted: 0,
    idempotencyRecords: async () => (saved ? [held] : []),
    saveIdempotencyRecords: async (records: readonly IdempotencyRecord[]) => {
      saved = true;
      return records.filter((r) => r.key === held.key).map((r) => ({ tenantId: r.tenantId, key: r.key }));
    },
    storedBodies: async () => [],
    resourceStates: async () => new Map(),
    applyResourceChanges: async () => new Map(),
    insertEvents: async (events: readonly { id: string }[]) => {
      tx.inserted += events.length;
      return new Set(events.map((e) => e.id));
    },
    enqueue: async () => {},
    parkedChains: async () => new Map(),
    extendParkedChains: async () => {},
  };
  return tx;
}

function prepared(note: string, bodyHash: string): PreparedEvent {
  const body = businessOnBotOrder({ id: 'ord-1', note });
  return {
    tenantId: 'ten_1',
    kind: 'order_created',
    event: okValue(normalizeEvent('order_created', body, NOW)),
    rawBody: JSON.stringify(body),
    bodyHash,
    idempotencyKey: 'idem-1',
    receivedAt: NOW,
  };
}

describe('storeEventBatch with an Idempotency-Key another writer saved after our read', () => {
  const held = { tenantId: 'ten_1', key: 'idem-1', bodyHash: 'hash-other', expiresAt: new Date(NOW.getTime() + 60_000) };

  it('answers a different body as a conflict and stores nothing', async () => {
    const tx = racedTransaction(held);
    expect(await storeEventBatch(tx, [prepared('mine', 'hash-mine')], timeOrderedIds(() => NOW.getTime()))).toEqual([{ status: 'conflict' }]);
    expect(tx.inserted).toBe(0);
  });

  it('answers the same body as a duplicate', async () => {
    const tx = racedTransaction(held);
    expect(await storeEventBatch(tx, [prepared('same', 'hash-other')], timeOrderedIds(() => NOW.getTime()))).toEqual([{ status: 'duplicate' }]);
    expect(tx.inserted).toBe(0);
  });
});
