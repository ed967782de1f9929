/**
 * The SendSlots contract, on the in-memory slots of the embedded setup and on the database's
 * (real SQLite, real PostgreSQL): spacing, bursts, all-or-nothing, and, for the database,
 * processes on separate connections drawing from the same slots, so N workers still send at
 * the number's rate and not N times it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/ports/clock.js';
import type { SendSlots, SlotGrant } from '../../src/domain/ports/send-slots.js';
import { InMemorySendSlots, Pacer } from '../../src/shared/pacer.js';
import { SqlSendSlots } from '../../src/store/send-slot-repository.js';
import { databaseTargets } from '../support/databases.js';
import { openContractDatabase, unique, type ContractDatabase } from './contract-database.js';

const waitOf = (g: SlotGrant): number => g.waitMs;

function sharedContract(name: string, setUp: () => { slots: SendSlots; clock: ManualClock }): void {
  describe(`${name}: send slots`, () => {
    it('spaces slots 1/rate apart, and a slot in the past is free again', async () => {
      const { slots, clock } = setUp();
      const key = unique('number');
      const waits: number[] = [];
      for (let i = 0; i < 4; i++) waits.push(waitOf(await slots.take([{ key, perSecond: 4, maxWaitMs: 10_000 }])));
      expect(waits).toEqual([0, 250, 500, 750]);
      clock.advance(5_000);
      expect(await slots.take([{ key, perSecond: 4, maxWaitMs: 0 }])).toEqual({ taken: true, waitMs: 0 });
    });

    it('gives slots in the order they were asked for, even when asked for at once (first planned, first sent)', async () => {
      const { slots } = setUp();
      const key = unique('number');
      const grants = await Promise.all(Array.from({ length: 12 }, () => slots.take([{ key, perSecond: 20, maxWaitMs: 10_000 }])));
      expect(grants.map(waitOf)).toEqual(Array.from({ length: 12 }, (_, i) => i * 50));
    });

    it('lets a burst through, then spaces', async () => {
      const { slots } = setUp();
      const key = unique('customer');
      const grants: SlotGrant[] = [];
      for (let i = 0; i < 4; i++) grants.push(await slots.take([{ key, perSecond: 1 / 6, burst: 3, maxWaitMs: 60_000 }]));
      expect(grants.map(waitOf)).toEqual([0, 0, 0, 6_000]);
    });

    it('takes nothing when one slot is further away than its caller would wait', async () => {
      const { slots } = setUp();
      const customer = unique('customer');
      const number = unique('number');
      await slots.take([{ key: customer, perSecond: 1 / 6, maxWaitMs: 0 }]);
      // The customer's next slot is 6 s away: refused, and the number's slot stays free.
      expect(await slots.take([{ key: customer, perSecond: 1 / 6, maxWaitMs: 0 }, { key: number, perSecond: 10, maxWaitMs: 1_000 }])).toEqual({
        taken: false,
        key: customer,
        waitMs: 6_000,
      });
      expect(await slots.take([{ key: number, perSecond: 10, maxWaitMs: 0 }])).toEqual({ taken: true, waitMs: 0 });
      // The number's slot is now taken; a later key refusing gives the earlier one back.
      const other = unique('customer');
      expect(await slots.take([{ key: other, perSecond: 1 / 6, maxWaitMs: 0 }, { key: number, perSecond: 10, maxWaitMs: 50 }])).toEqual({
        taken: false,
        key: number,
        waitMs: 100,
      });
      expect(await slots.take([{ key: other, perSecond: 1 / 6, maxWaitMs: 0 }])).toEqual({ taken: true, waitMs: 0 });
    });
  });
}

sharedContract('in memory', () => {
  const clock = new ManualClock('2026-12-07T08:00:00.000Z');
  return { slots: new InMemorySendSlots(new Pacer(clock)), clock };
});

describe.each(databaseTargets())('$name', (factory) => {
  describe.skipIf(factory.skip)('database send slots', () => {
    let database: ContractDatabase | undefined;
    const clock = new ManualClock('2026-12-07T08:00:00.000Z');

    beforeAll(async () => {
      database = await openContractDatabase(factory);
    });
    afterAll(async () => database?.close());

    sharedContract('one connection', () => ({ slots: new SqlSendSlots(database!.connection.db, clock), clock }));

    it('shares the slots between processes: three senders on their own connections keep one rate', async () => {
      const senders = [database!.connection, database!.connectAgain(), database!.connectAgain()].map((c) => new SqlSendSlots(c.db, clock));
      const key = unique('number');
      // 30 sends at once, ten from each process, at 20/s: 30 distinct slots 50 ms apart.
      const grants = await Promise.all(Array.from({ length: 30 }, (_, i) => senders[i % 3]!.take([{ key, perSecond: 20, maxWaitMs: 10_000 }])));
      const waits = grants.map(waitOf).sort((a, b) => a - b);
      expect(waits).toEqual(Array.from({ length: 30 }, (_, i) => i * 50));
    });

    it('sweeps slots long past, which are the same as none', async () => {
      const slots = new SqlSendSlots(database!.connection.db, clock);
      const key = unique('customer');
      await slots.take([{ key, perSecond: 1, maxWaitMs: 0 }]);
      const count = async () =>
        Number((await database!.connection.db.selectFrom('send_slots').select((eb) => eb.fn.countAll().as('n')).where('key', '=', key).executeTakeFirstOrThrow()).n);
      expect(await count()).toBe(1);
      clock.advance(2 * 60_000);
      await slots.take([{ key: unique('number'), perSecond: 1, maxWaitMs: 0 }]);
      expect(await count()).toBe(0);
    });
  });
});
