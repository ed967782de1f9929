import { describe, expect, it } from 'vitest';
import { ManualClock } from '../domain/ports/clock.js';
import { TokenBuckets } from './token-bucket.js';

describe('TokenBuckets', () => {
  it('allows a burst, refuses beyond it, and refills with time, per name', () => {
    const clock = new ManualClock();
    const buckets = new TokenBuckets(clock);
    expect([1, 2, 3].map(() => buckets.take('a', 2))).toEqual([true, true, false]);
    expect(buckets.take('b', 2)).toBe(true);
    clock.advance(500);
    expect(buckets.take('a', 2)).toBe(true);
    expect(buckets.take('a', 2)).toBe(false);
  });
});
