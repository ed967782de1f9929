/**
 * The end of a quiet window across daylight-saving changes (the integration suite covers the
 * spring switch end to end): the wall clock's jump must not move the end by an hour.
 */
import { describe, expect, it } from 'vitest';
import { endOfQuietHours } from '../../src/domain/carts/quiet-hours.js';

const end = (at: string, zone: string, window: { start: string; end: string }) => endOfQuietHours(new Date(at), zone, window)?.toISOString() ?? null;
const night = { start: '21:00', end: '09:00' };

describe('endOfQuietHours across daylight saving', () => {
  it('ends at 09:00 local on the night the clocks go forward or back', () => {
    // New York, 8 March 2026: 21:15 EST (02:15 UTC) → 09:00 EDT (13:00 UTC), not 10:00 EDT.
    expect(end('2026-03-08T02:15:00Z', 'America/New_York', night)).toBe('2026-03-08T13:00:00.000Z');
    // New York, 1 November 2026: 21:15 EDT (01:15 UTC) → 09:00 EST (14:00 UTC), not 08:00 EST.
    expect(end('2026-11-01T01:15:00Z', 'America/New_York', night)).toBe('2026-11-01T14:00:00.000Z');
    // Berlin, 29 March 2026: 22:00 CET (21:00 UTC) → 09:00 CEST (07:00 UTC).
    expect(end('2026-03-28T21:00:00Z', 'Europe/Berlin', night)).toBe('2026-03-29T07:00:00.000Z');
  });

  it('takes the first instant past the window when its end does not exist that day', () => {
    // 02:30 is skipped in New York on 8 March 2026: the window 01:00-02:30 ends with the jump.
    const at = '2026-03-08T06:30:00Z'; // 01:30 EST
    const result = end(at, 'America/New_York', { start: '01:00', end: '02:30' });
    expect(Date.parse(result!)).toBeGreaterThan(Date.parse(at));
    expect(endOfQuietHours(new Date(result!), 'America/New_York', { start: '01:00', end: '02:30' })).toBeNull();
  });

  it('is unchanged on ordinary days and in zones without daylight saving', () => {
    expect(end('2026-03-01T18:00:00Z', 'Asia/Kolkata', night)).toBe('2026-03-02T03:30:00.000Z');
    expect(end('2026-03-02T02:15:00Z', 'America/New_York', night)).toBe('2026-03-02T14:00:00.000Z');
  });
});
