import { describe, expect, it } from 'vitest';
import { ManualClock } from '../domain/ports/clock.js';
import { SendWindow } from './send-window.js';

describe('SendWindow', () => {
  it('admits at most the cap in any sliding second, counting actual send times', () => {
    const clock = new ManualClock();
    const window = new SendWindow(clock);
    expect([1, 2, 3].map(() => window.admit('pn', 3))).toEqual([0, 0, 0]);
    expect(window.admit('pn', 3)).toBe(1000);
    clock.advance(999);
    expect(window.admit('pn', 3)).toBe(1);
    clock.advance(1);
    expect(window.admit('pn', 3)).toBe(0);
    expect(window.admit('other', 3)).toBe(0);
  });

  it('holds a rate that is not a whole number to it: 19.2 a second is at most 20 sends in any 1,042 ms, not 21 in 1,000', () => {
    const clock = new ManualClock();
    const window = new SendWindow(clock);
    for (let i = 0; i < 20; i++) expect(window.admit('pn', 19.2)).toBe(0);
    clock.advance(1000);
    // Rounded up to 20 a second, this one went out: the whole cap of 20 in one second.
    expect(window.admit('pn', 19.2)).toBe(42);
    clock.advance(42);
    expect(window.admit('pn', 19.2)).toBe(0);
  });
});
