/**
 * A hard cap on sends per sliding second, by key, measured on the actual send times. The
 * pacer spaces slots evenly, but a busy event loop can fire several timers late and
 * together; this last check, made right before each send, holds the cap anyway.
 */
import type { Clock } from '../domain/ports/clock.js';

export class SendWindow {
  private readonly rings = new Map<string, { times: number[]; next: number }>();

  constructor(
    private readonly clock: Clock,
    /**
     * Extra room, since Meta counts where it receives and the way there adds jitter. Alone,
     * 25 ms let 1,002 sends into one second where the benchmark's sandbox received them and
     * 50 ms held, at the price of at most 1000/1050 (95%) of the cap. With the slots spaced for
     * 95% of the cap (PACING_SHARE in src/use-cases/send-message.ts) this check only catches
     * bunches, and 25 ms (at most 975 a second) is enough.
     */
    private readonly marginMs = 25,
  ) {}

  /** 0 when a send may go now (and it is counted); otherwise how long to wait before asking again. */
  admit(key: string, perSecond: number): number {
    const cap = Math.max(1, Math.floor(perSecond));
    let ring = this.rings.get(key);
    if (ring === undefined || ring.times.length !== cap) {
      ring = { times: new Array<number>(cap).fill(-Infinity), next: 0 };
      this.rings.set(key, ring);
    }
    const now = this.clock.now().getTime();
    // The oldest of the last `cap` sends must be over a second (plus margin) old.
    const oldest = ring.times[ring.next]!;
    const wait = oldest + 1000 + this.marginMs - now;
    if (wait > 0) return wait;
    ring.times[ring.next] = now;
    ring.next = (ring.next + 1) % cap;
    return 0;
  }
}
