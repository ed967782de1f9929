import { describe, expect, it } from 'vitest';
import { timeOrderedIds } from './ids.js';

describe('timeOrderedIds', () => {
  it('sorts by creation, also within one millisecond, and carries the prefix', () => {
    let now = 1_700_000_000_000;
    const ids = timeOrderedIds(() => now);
    const made = Array.from({ length: 50 }, (_, i) => {
      if (i % 10 === 0) now += 1;
      return ids.next('evt');
    });
    expect(made.every((id) => /^evt_[0-9a-z]{24}$/.test(id))).toBe(true);
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
  });

  it('carries from the low half of the counter into the high one, still in order', () => {
    // The seed at its highest: the second id of the millisecond carries.
    const ids = timeOrderedIds(() => 1_700_000_000_000, (n) => n - 1);
    const made = [ids.next('job'), ids.next('job'), ids.next('job')];
    expect(made[0]!.slice(-14)).toBe('fzzzzzzzzzzzzz');
    expect(made[1]!.slice(-14)).toBe('g0000000000000');
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(3);
  });

  it('keeps the time first: a later millisecond sorts after, whatever its random seed', () => {
    let now = 1_700_000_000_000;
    let draws = 0;
    // The first millisecond draws the highest seed (two draws), the next the lowest.
    const ids = timeOrderedIds(() => now, (n) => (draws++ < 2 ? n - 1 : 0));
    const first = ids.next('evt');
    now += 1;
    const second = ids.next('evt');
    expect(second > first).toBe(true);
    expect(first.slice(4, 14)).toBe('01hf7yat00');
  });
});

