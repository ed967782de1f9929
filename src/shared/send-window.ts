/**
 * A hard cap on sends per sliding second, by key, measured on the actual send times. The
 * pacer spaces slots evenly, but a busy event loop can fire several timers late and
 * together; this last check, made right before each send, holds the cap anyway.
 */
import type { Clock } from '../domain/ports/clock.js';

export class SendWindow {
  private readonly rings = new Map<string, { times: number[]; next: number }>();

  constructor(private readonly clock: Clock) {}

  /**
   * 0 when a send may go now (and it is counted); otherwise how long to wait before asking
   * again. A rate that is not a whole number (96% of a cap: 19.2 of 20) is held as
   * `ceil(perSecond)` sends in any `ceil(perSecond) / perSecond` seconds: counted per plain
   * second, 19.2 rounded up let the whole cap (20) into one second, and rounded down (19) it
   * would hold sends back below the rate their slots are spaced for.
   */
  admit(key: string, perSecond: number): number {
    const cap = Math.max(1, Math.ceil(perSecond));
    const spanMs = (1000 * cap) / perSecond;
    let ring = this.rings.get(key);
    if (ring === undefined || ring.times.length !== cap) {
      ring = { times: new Array<number>(cap).fill(-Infinity), next: 0 };
      this.rings.set(key, ring);
    }
    const now = this.clock.now().getTime();
    // The oldest of the last `cap` sends must be `spanMs` old (a second for a whole rate).
    const oldest = ring.times[ring.next]!;
    const wait = Math.ceil(oldest + spanMs - now);
    if (wait > 0) return wait;
    ring.times[ring.next] = now;
    ring.next = (ring.next + 1) % cap;
    return 0;
  }
}
