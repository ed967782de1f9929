import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../domain/ports/event-store.js';
import { RecentEvents } from './recent-events.js';

const stored = (tenantId: string, id: string) => ({ tenantId, id }) as StoredEvent;

describe('RecentEvents', () => {
  it('hands an event out once, by tenant and id', () => {
    const recent = new RecentEvents();
    const event = stored('ten_1', 'evt_1');
    recent.remember([event]);
    expect(recent.take('ten_2', 'evt_1')).toBeUndefined();
    expect(recent.take('ten_1', 'evt_1')).toBe(event);
    expect(recent.take('ten_1', 'evt_1')).toBeUndefined();
  });

  it('forgets the oldest past its capacity, and keeps nothing with capacity 0', () => {
    const recent = new RecentEvents(2);
    recent.remember([stored('t', 'a'), stored('t', 'b'), stored('t', 'c')]);
    expect(['a', 'b', 'c'].map((id) => recent.take('t', id)?.id)).toEqual([undefined, 'b', 'c']);
    const none = new RecentEvents(0);
    none.remember([stored('t', 'a')]);
    expect(none.take('t', 'a')).toBeUndefined();
  });
});
