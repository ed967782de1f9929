import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';

function breaker(threshold = 3, cooldownMs = 1000) {
  let now = 0;
  const b = new CircuitBreaker({ failureThreshold: threshold, cooldownMs, now: () => now });
  return { b, advance: (ms: number) => (now += ms) };
}

function fail(b: CircuitBreaker): void {
  const permit = b.tryAcquire();
  if (!permit.allowed) throw new Error('refused');
  b.settle(permit, 'failure');
}

describe('CircuitBreaker', () => {
  it('stays closed below the threshold; a success resets the count', () => {
    const { b } = breaker();
    fail(b);
    fail(b);
    const permit = b.tryAcquire();
    if (!permit.allowed) throw new Error('refused');
    b.settle(permit, 'success');
    fail(b);
    fail(b);
    expect(b.state).toBe('closed');
    expect(b.consecutiveFailures).toBe(2);
  });

  it('opens at the threshold and refuses until the cooldown has passed', () => {
    const { b, advance } = breaker();
    fail(b);
    fail(b);
    fail(b);
    expect(b.tryAcquire()).toEqual({ allowed: false, retryInMs: 1000, consecutiveFailures: 3 });
    advance(999);
    expect(b.tryAcquire()).toMatchObject({ allowed: false, retryInMs: 1 });
    advance(1);
    expect(b.state).toBe('half_open');
  });

  it('lets exactly one trial through; its success closes, its failure re-opens for a full cooldown', () => {
    const { b, advance } = breaker(1);
    fail(b);
    advance(1000);
    const trial = b.tryAcquire();
    expect(trial).toEqual({ allowed: true, trial: true });
    expect(b.tryAcquire()).toMatchObject({ allowed: false, retryInMs: 0 });
    b.settle({ trial: true }, 'failure');
    expect(b.state).toBe('open');
    advance(999);
    expect(b.tryAcquire().allowed).toBe(false);
    advance(1);
    const second = b.tryAcquire();
    expect(second).toEqual({ allowed: true, trial: true });
    b.settle({ trial: true }, 'success');
    expect(b.state).toBe('closed');
    expect(b.tryAcquire()).toEqual({ allowed: true, trial: false });
  });

  it('a neutral trial (the caller cancelled) frees the slot without deciding anything', () => {
    const { b, advance } = breaker(1);
    fail(b);
    advance(1000);
    b.tryAcquire();
    b.settle({ trial: true }, 'neutral');
    expect(b.state).toBe('half_open');
    expect(b.tryAcquire()).toEqual({ allowed: true, trial: true });
  });

  it('rejects nonsense settings', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ cooldownMs: -1 })).toThrow(RangeError);
  });
});
