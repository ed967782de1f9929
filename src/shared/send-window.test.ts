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
});
