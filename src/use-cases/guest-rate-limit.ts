/**
 * A tenant's guest API rate limit (`guestApi.requestsPerSecond`): a token bucket holding a
 * second's worth, drawn from the same slots as sends (the cell rate algorithm, a burst of one
 * second). Where several processes ingest (PostgreSQL) the slots are rows in the database, so
 * the limit holds for the tenant across every API process, not once per process.
 */
import type { SendSlots } from '../domain/ports/send-slots.js';

export class GuestRateLimit {
  constructor(private readonly slots: SendSlots) {}

  /** Whether the tenant may send one more request now; taking it when it may. */
  async allow(tenantId: string, perSecond: number): Promise<boolean> {
    const grant = await this.slots.take([{ key: `guest:${tenantId}`, perSecond, burst: perSecond, maxWaitMs: 0 }]);
    return grant.taken && grant.waitMs === 0;
  }
}
