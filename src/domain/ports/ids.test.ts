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
});
