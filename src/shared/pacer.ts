/**
 * Spaces work out in time per key (a phone number id, a recipient), by the generic cell rate
 * algorithm: each call reserves the next slot and is told how long to wait for it. With
 * `burst` 1 the slots are exactly 1/rate apart, so no one-second window holds more than
 * `rate` of them. In memory, per process.
 */
import type { Clock } from '../domain/ports/clock.js';
import type { SendSlots, SlotGrant, SlotRequest } from '../domain/ports/send-slots.js';

export class Pacer {
  private readonly nextSlot = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  /** Reserves a slot; returns the milliseconds until it (0: now). */
  reserve(key: string, perSecond: number, burst = 1): number {
    const interval = 1000 / perSecond;
    const now = this.clock.now().getTime();
    const tat = Math.max(this.nextSlot.get(key) ?? now, now);
    const allowedAt = tat - (burst - 1) * interval;
    this.nextSlot.set(key, tat + interval);
    return Math.max(0, allowedAt - now);
  }

  /**
   * How long a reservation made now would wait, without making it. Callers that would
   * rather postpone than wait ask first: giving a slot back later could hand the same slot
   * to two senders.
   */
  waitFor(key: string, perSecond: number, burst = 1): number {
    const interval = 1000 / perSecond;
    const now = this.clock.now().getTime();
    const tat = Math.max(this.nextSlot.get(key) ?? now, now);
    return Math.max(0, tat - (burst - 1) * interval - now);
  }
}

/**
 * Send slots for one sending process (the embedded SQLite setup): asked and taken with
 * nothing awaited in between, so no other send of the process can take them meanwhile.
 */
export class InMemorySendSlots implements SendSlots {
  constructor(private readonly pacer: Pacer) {}

  take(requests: readonly SlotRequest[]): Promise<SlotGrant> {
    return Promise.resolve(this.takeNow(requests));
  }

  private takeNow(requests: readonly SlotRequest[]): SlotGrant {
    for (const r of requests) {
      const waitMs = this.pacer.waitFor(r.key, r.perSecond, r.burst);
      if (waitMs > r.maxWaitMs) return { taken: false, key: r.key, waitMs };
    }
    let waitMs = 0;
    for (const r of requests) waitMs = Math.max(waitMs, this.pacer.reserve(r.key, r.perSecond, r.burst));
    return { taken: true, waitMs };
  }
}
