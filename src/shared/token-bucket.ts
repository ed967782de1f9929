import type { Clock } from '../domain/ports/clock.js';

/**
 * Token buckets by name (a tenant, a phone number id): `rate` tokens a second, holding at
 * most `burst`. In memory, per process.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly clock: Clock) {}

  take(name: string, rate: number, burst: number = rate): boolean {
    const now = this.clock.now().getTime();
    const bucket = this.buckets.get(name) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.buckets.set(name, bucket);
    return allowed;
  }
}
