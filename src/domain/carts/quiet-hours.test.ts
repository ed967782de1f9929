import { describe, expect, it } from 'vitest';
import { endOfQuietHours } from './quiet-hours.js';

const night = { start: '21:00', end: '09:00' };

describe('endOfQuietHours', () => {
  it('defers a time inside a window that wraps midnight to its end, in the tenant zone', () => {
    // 23:30 in Kolkata (UTC+5:30) is 18:00 UTC; quiet until 09:00 local = 03:30 UTC next day.
    expect(endOfQuietHours(new Date('2026-03-01T18:00:00Z'), 'Asia/Kolkata', night)?.toISOString()).toBe('2026-03-02T03:30:00.000Z');
    // 02:15 local (20:45 UTC the day before).
    expect(endOfQuietHours(new Date('2026-03-01T20:45:10Z'), 'Asia/Kolkata', night)?.toISOString()).toBe('2026-03-02T03:30:00.000Z');
  });

  it('leaves a time outside the window, and no window at all, alone', () => {
    expect(endOfQuietHours(new Date('2026-03-01T06:00:00Z'), 'Asia/Kolkata', night)).toBeNull();
    expect(endOfQuietHours(new Date('2026-03-01T18:00:00Z'), 'Asia/Kolkata', null)).toBeNull();
  });

  it('handles a daytime window and another zone', () => {
    const lunch = { start: '12:00', end: '14:00' };
    // 12:30 in New York (UTC-5 in March before DST) is 17:30 UTC.
    expect(endOfQuietHours(new Date('2026-03-02T17:30:00Z'), 'America/New_York', lunch)?.toISOString()).toBe('2026-03-02T19:00:00.000Z');
    expect(endOfQuietHours(new Date('2026-03-02T19:00:00Z'), 'America/New_York', lunch)).toBeNull();
  });
});
