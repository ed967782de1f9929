/**
 * Quiet hours in the tenant's time zone: a marketing message that falls inside the window
 * waits for its end. Windows may wrap midnight (21:00-09:00). Utility messages are never
 * deferred; only cart reminders use this.
 */

function minutesOf(time: string): number {
  const [h, m] = time.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Local hour and minute of an instant in a zone. */
function localMinutes(at: Date, timeZone: string): { minutes: number; seconds: number } {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { minutes: get('hour') * 60 + get('minute'), seconds: get('second') };
}

/** When the quiet window containing `at` ends, or null when `at` is outside it. */
export function endOfQuietHours(at: Date, timeZone: string, window: { start: string; end: string } | null): Date | null {
  if (window === null) return null;
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  if (start === end) return null;
  const { minutes, seconds } = localMinutes(at, timeZone);
  const inside = start < end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
  if (!inside) return null;
  const untilEnd = (end - minutes + 1440) % 1440;
  const estimate = new Date(at.getTime() + untilEnd * 60_000 - seconds * 1000 - at.getMilliseconds());
  // Across a daylight-saving change the wall clock jumps: correct by what it reads then, unless
  // the end does not exist that day (then the estimate, just after the jump, stands).
  const drift = ((end - localMinutes(estimate, timeZone).minutes + 2160) % 1440) - 720;
  const corrected = new Date(estimate.getTime() + drift * 60_000);
  return drift !== 0 && corrected > at && localMinutes(corrected, timeZone).minutes === end ? corrected : estimate;
}
