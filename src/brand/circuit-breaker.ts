/**
 * A circuit breaker for one brand's API. When a brand is down, every customer question
 * would otherwise wait out a full timeout (and its retries) before getting the polite
 * answer; after `failureThreshold` consecutive failed calls the circuit opens and calls fail
 * at once. After `cooldownMs` one trial call is let through (half-open): success closes the
 * circuit, failure opens it for another cooldown. Calls made while the trial is in flight
 * are refused, so a recovering brand gets one request, not a burst.
 *
 * The clock is injected so tests move time by hand instead of sleeping.
 */

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Consecutive failed calls that open the circuit; default 5. */
  failureThreshold?: number;
  /** How long the circuit stays open before a trial call; default 30 000 ms. */
  cooldownMs?: number;
  /** Milliseconds since the epoch; default Date.now. */
  now?: () => number;
}

export type CircuitPermit =
  /** `trial`: this call decides whether the circuit closes again. */
  | { allowed: true; trial: boolean }
  | { allowed: false; retryInMs: number; consecutiveFailures: number };

/** How a permitted call ended, for the breaker's count. */
export type CallVerdict =
  /** The brand answered (even "not found" or a refusal): it is up. */
  | 'success'
  /** Timeout, network error, 5xx: counts towards opening. */
  | 'failure'
  /** Says nothing about the brand (the caller cancelled): a trial slot is freed, nothing counted. */
  | 'neutral';

export class CircuitBreaker {
  private readonly threshold: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;
  private failures = 0;
  private openedAt: number | null = null;
  private trialInFlight = false;

  constructor(options: CircuitBreakerOptions = {}) {
    this.threshold = options.failureThreshold ?? 5;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.threshold) || this.threshold < 1) throw new RangeError('failureThreshold must be a positive integer');
    if (!(this.cooldownMs >= 0)) throw new RangeError('cooldownMs must not be negative');
  }

  get state(): CircuitState {
    if (this.openedAt === null) return 'closed';
    return this.now() - this.openedAt >= this.cooldownMs ? 'half_open' : 'open';
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Asks to make a call; a refused call must not be made (and is not settled). */
  tryAcquire(): CircuitPermit {
    if (this.openedAt === null) return { allowed: true, trial: false };
    const waited = this.now() - this.openedAt;
    if (waited < this.cooldownMs) {
      return { allowed: false, retryInMs: this.cooldownMs - waited, consecutiveFailures: this.failures };
    }
    if (this.trialInFlight) return { allowed: false, retryInMs: 0, consecutiveFailures: this.failures };
    this.trialInFlight = true;
    return { allowed: true, trial: true };
  }

  /** Reports how a permitted call ended. */
  settle(permit: { trial: boolean }, verdict: CallVerdict): void {
    if (permit.trial) this.trialInFlight = false;
    if (verdict === 'neutral') return;
    if (verdict === 'success') {
      this.failures = 0;
      this.openedAt = null;
      return;
    }
    this.failures += 1;
    // A failed trial re-opens for a full cooldown; so does reaching the threshold.
    if (permit.trial || this.failures >= this.threshold) this.openedAt = this.now();
  }
}
