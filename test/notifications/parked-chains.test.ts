/**
 * Two API processes on one PostgreSQL database share a tenant's chain of parked event jobs
 * (src/use-cases/planning-horizon.ts, table parked_chains): an order's shipment posted to
 * the second process while its creation waits parked in the first is planned after it.
 * Each "process" here is its own connection pool, event store, planning horizon and group
 * commit, on a manual clock. PostgreSQL only: one process ingests into a SQLite file, whose
 * horizon's own chain is the whole chain (and no statement is spent on it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessOnBotOrder, shopifyFulfillment } from '../../src/domain/events/fixtures.js';
import type { EventKind } from '../../src/domain/events/model.js';
import { ManualClock } from '../../src/domain/ports/clock.js';
import { timeOrderedIds } from '../../src/domain/ports/ids.js';
import { SqlEventStore } from '../../src/store/event-repository.js';
import type { StoreConnection } from '../../src/store/connect.js';
import { EventIngestion, PROCESS_EVENT_JOB } from '../../src/use-cases/ingest-event.js';
import { LEAD_SEC, PlanningHorizon } from '../../src/use-cases/planning-horizon.js';
import { openContractDatabase, type ContractDatabase } from '../contract/contract-database.js';
import { databaseTargets } from '../support/databases.js';

const postgres = databaseTargets().find((t) => t.name === 'postgres')!;
const TENANT = 'ten_flood';
/** A number allowed 1 message a second: its horizon is 10 waiting sends, its paced slot 1/0.96 s. */
const CAP = 1;
const SLOT_MS = 1000 / (CAP * 0.96);

describe.skipIf(postgres.skip)('parked event chains shared by API processes on postgres', () => {
  let database: ContractDatabase | undefined;
  const clock = new ManualClock('2026-05-01T10:00:00.000Z');
  const ids = timeOrderedIds(() => clock.now().getTime());
  let processes = 0;

  beforeAll(async () => {
    database = await openContractDatabase(postgres);
  });
  afterAll(async () => database?.close());

  /** An API process whose last backlog read found `unsent` messages waiting for the tenant. */
  async function apiProcess(connection: StoreConnection, unsent: number) {
    const horizon = new PlanningHorizon({
      messages: { countUnsent: async () => unsent },
      capOf: async () => CAP,
      eventJobsHeldBack: async () => false,
      clock,
      onError: (error) => {
        throw error;
      },
    });
    const store = new SqlEventStore(connection.db, ids, connection.capabilities, 0);
    const ingestion = new EventIngestion(store, clock, ids, () => {}, (tenantId, receivedAt, notifiesNow, elsewhere) => horizon.planAt(tenantId, receivedAt, notifiesNow, elsewhere));
    const post = async (kind: EventKind, body: Record<string, unknown>) => {
      const result = await ingestion.ingest({ tenantId: TENANT, kind, body, rawBody: JSON.stringify(body), idempotencyKey: null });
      expect(result).toMatchObject({ status: 'stored', outcome: 'accepted' });
      return (result as { eventId: string }).eventId;
    };
    // The first event starts the horizon's backlog read; it is let through.
    await post('order_created', businessOnBotOrder({ id: `warm-${++processes}` }));
    await new Promise((resolve) => setImmediate(resolve));
    return { post };
  }

  async function runAtOf(eventId: string): Promise<number> {
    const jobs = await database!.connection.db.selectFrom('jobs').select(['run_at', 'payload']).where('kind', '=', PROCESS_EVENT_JOB).where('tenant_id', '=', TENANT).execute();
    const job = jobs.find((j) => (JSON.parse(j.payload) as { eventId: string }).eventId === eventId);
    expect(job).toBeDefined();
    return job!.run_at;
  }

  it("plans an order's shipment posted to a calm process after its creation parked by a flooded one", async () => {
    const flooded = await apiProcess(database!.connection, 10);
    const calm = await apiProcess(database!.connectAgain(), 0);
    const T = clock.now().getTime();

    const parked: string[] = [];
    for (const id of ['ord-a', 'ord-b', 'ord-c']) parked.push(await flooded.post('order_created', businessOnBotOrder({ id })));
    const parkedAt = await Promise.all(parked.map(runAtOf));
    expect(parkedAt).toEqual([T + LEAD_SEC * 1000, T + LEAD_SEC * 1000 + SLOT_MS, T + LEAD_SEC * 1000 + 2 * SLOT_MS].map(Math.floor));

    // The brand had ord-c's 200, then posted its shipment to the other process, which is not behind.
    clock.advance(10);
    const shipment = await calm.post('fulfillment_created', shopifyFulfillment({ id: 'ful-c', order_id: 'ord-c' }));
    const shippedAt = await runAtOf(shipment);
    expect(shippedAt).toBeGreaterThan(parkedAt[2]!);
    expect(shippedAt - parkedAt[2]!).toBeCloseTo(SLOT_MS, -1);

    // And the flooded process goes on after the calm one's link of the chain.
    const next = await flooded.post('order_created', businessOnBotOrder({ id: 'ord-d' }));
    expect(await runAtOf(next)).toBeGreaterThan(shippedAt);
  });

  it('lets events through at once again once the shared chain is past', async () => {
    const calm = await apiProcess(database!.connectAgain(), 0);
    clock.advance(60_000);
    const now = clock.now().getTime();
    const event = await calm.post('order_created', businessOnBotOrder({ id: 'ord-later' }));
    expect(await runAtOf(event)).toBe(now);
  });
});
