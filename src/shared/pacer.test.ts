import { describe, expect, it } from 'vitest';
import { ManualClock } from '../domain/ports/clock.js';
import { Pacer } from './pacer.js';

describe('Pacer', () => {
  it('spaces slots 1/rate apart with burst 1, so no second holds more than the rate', () => {
    const clock = new ManualClock();
    const pacer = new Pacer(clock);
    const waits = Array.from({ length: 5 }, () => pacer.reserve('pn', 2));
    expect(waits).toEqual([0, 500, 1000, 1500, 2000]);
    clock.advance(10_000);
    expect(pacer.reserve('pn', 2)).toBe(0);
    expect(pacer.reserve('other', 2)).toBe(0);
  });

  it('lets a burst through, then spaces', () => {
    const clock = new ManualClock();
    const pacer = new Pacer(clock);
    const waits = Array.from({ length: 5 }, () => pacer.reserve('customer', 1 / 6, 3));
    expect(waits).toEqual([0, 0, 0, 6000, 12000]);
  });

  it('tells the wait without reserving a slot', () => {
    const pacer = new Pacer(new ManualClock());
    pacer.reserve('k', 1);
    expect(pacer.waitFor('k', 1)).toBe(1000);
    expect(pacer.waitFor('k', 1)).toBe(1000);
    expect(pacer.reserve('k', 1)).toBe(1000);
    expect(pacer.waitFor('k', 1)).toBe(2000);
  });
});
