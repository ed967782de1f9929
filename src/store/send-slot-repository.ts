/**
 * Send slots in the database, shared by every process that sends (PostgreSQL with several
 * workers): each key's next free slot is one row, moved by one conditional upsert, so two
 * processes can never take the same slot. The same cell rate algorithm as the in-memory
 * Pacer (src/shared/pacer.ts), with the "would wait too long" check inside the statement.
 */
import { sql, type Kysely } from 'kysely';
import type { Clock } from '../domain/ports/clock.js';
import type { SendSlots, SlotGrant, SlotRequest } from '../domain/ports/send-slots.js';
import type { Database } from './schema.js';

/** A slot further in the past than this is the same as none: its row is swept. */
const STALE_MS = 60_000;

interface Taken {
  key: string;
  interval: number;
  nextAt: number;
}

export class SqlSendSlots implements SendSlots {
  private lastSweep = Number.NEGATIVE_INFINITY;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /**
   * Takes run one after another in this process, in the order they were asked for: sends
   * started in order (first planned, first sent) then get their slots in that order too,
   * instead of in the order their statements happen to finish.
   */
  take(requests: readonly SlotRequest[]): Promise<SlotGrant> {
    const grant = this.queue.then(() => this.takeNow(requests));
    this.queue = grant.then(
      () => undefined,
      () => undefined, // the caller gets this take's error; the next take must still run
    );
    return grant;
  }

  private async takeNow(requests: readonly SlotRequest[]): Promise<SlotGrant> {
    const now = this.clock.now().getTime();
    await this.sweep(now);
    const taken: Taken[] = [];
    let waitMs = 0;
    for (const r of requests) {
      const interval = 1000 / r.perSecond;
      const burstSpan = ((r.burst ?? 1) - 1) * interval;
      const nextAt = await this.takeOne(r.key, now, interval, burstSpan, r.maxWaitMs);
      if (nextAt === null) {
        await this.giveBack(taken);
        return { taken: false, key: r.key, waitMs: await this.waitFor(r.key, now, burstSpan) };
      }
      taken.push({ key: r.key, interval, nextAt });
      waitMs = Math.max(waitMs, nextAt - interval - burstSpan - now);
    }
    return { taken: true, waitMs: Math.max(0, waitMs) };
  }

  /** The key's new next slot, or null when its slot is more than `maxWaitMs` away. */
  private async takeOne(key: string, now: number, interval: number, burstSpan: number, maxWaitMs: number): Promise<number | null> {
    const current = sql.ref<number>('send_slots.next_at');
    const start = sql<number>`case when ${current} > ${now} then ${current} else ${now} end`;
    const row = await this.db
      .insertInto('send_slots')
      .values({ key, next_at: now + interval })
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet({ next_at: sql<number>`${start} + ${interval}` })
          .where(sql<number>`${start} - ${burstSpan} - ${now}`, '<=', maxWaitMs),
      )
      .returning('next_at')
      .executeTakeFirst();
    return row === undefined ? null : Number(row.next_at);
  }

  /**
   * Slots taken for a send that will not go now. Only a slot still the last taken is given
   * back: one taken after it by another send is left as it is (a slot wasted, never shared).
   */
  private async giveBack(taken: readonly Taken[]): Promise<void> {
    for (const t of taken) {
      await this.db
        .updateTable('send_slots')
        .set({ next_at: t.nextAt - t.interval })
        .where('key', '=', t.key)
        .where('next_at', '=', t.nextAt)
        .execute();
    }
  }

  private async waitFor(key: string, now: number, burstSpan: number): Promise<number> {
    const row = await this.db.selectFrom('send_slots').select('next_at').where('key', '=', key).executeTakeFirst();
    return row === undefined ? 0 : Math.max(0, Number(row.next_at) - burstSpan - now);
  }

  /** A customer's slot row is written once per send to them: old rows go once a minute. */
  private async sweep(now: number): Promise<void> {
    if (now - this.lastSweep < STALE_MS) return;
    this.lastSweep = now;
    await this.db.deleteFrom('send_slots').where('next_at', '<', now - STALE_MS).execute();
  }
}
