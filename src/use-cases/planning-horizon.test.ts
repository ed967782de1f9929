import { describe, expect, it } from 'vitest';
import { ManualClock } from '../domain/ports/clock.js';
import { HORIZON_SEC, LEAD_SEC, PlanningHorizon, REFRESH_MS } from './planning-horizon.js';
import { PACING_SHARE } from './send-message.js';

/** A cap of 100 a second: 96 paced sends, so 960 waiting is the horizon and sends are 1000/96 ms apart. */
const CAP = 100;
const RATE = CAP * PACING_SHARE;
const THRESHOLD = Math.ceil(RATE * HORIZON_SEC);
const SLOT_MS = 1000 / RATE;

function world() {
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');
  const unsent = new Map<string, number>();
  const reads: { tenantId: string; atMost: number }[] = [];
  const errors: unknown[] = [];
  const held = new Set<string>();
  const heldAsks: { tenantId: string; at: number }[] = [];
  let failNext = false;
  const horizon = new PlanningHorizon({
    messages: {
      countUnsent: async (tenantId, atMost) => {
        reads.push({ tenantId, atMost });
        if (failNext) {
          failNext = false;
          throw new Error('database gone');
        }
        return Math.min(unsent.get(tenantId) ?? 0, atMost);
      },
    },
    capOf: async (tenantId) => (tenantId === 'ten_gone' ? undefined : CAP),
    eventJobsHeldBack: async (tenantId, now) => {
      heldAsks.push({ tenantId, at: now.getTime() });
      return held.has(tenantId);
    },
    clock,
    onError: (error) => errors.push(error),
  });
  const now = () => clock.now();
  /** Lets a read started by planAt finish (it runs outside the call). */
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return { clock, unsent, reads, errors, held, heldAsks, horizon, now, settle, failNext: () => (failNext = true) };
}

describe('PlanningHorizon', () => {
  it('lets a job run at once while less than the horizon of sends is waiting, reading the backlog at most once a second', async () => {
    const w = world();
    // Three below the horizon: each event let through is one more message to send.
    w.unsent.set('ten_1', THRESHOLD - 3);
    for (let i = 0; i < 3; i++) {
      const at = w.now();
      expect(w.horizon.planAt('ten_1', at)).toBe(at);
      await w.settle();
    }
    expect(w.reads).toEqual([{ tenantId: 'ten_1', atMost: THRESHOLD }]);
    w.clock.advance(REFRESH_MS);
    w.horizon.planAt('ten_1', w.now());
    await w.settle();
    expect(w.reads).toHaveLength(2);
  });

  it('parks a flood once the events let through since the last read make the horizon, without waiting a second for the next read', async () => {
    const w = world();
    w.horizon.planAt('ten_1', w.now());
    await w.settle();
    const start = w.now().getTime();
    // Thousands of orders within the same second, nothing unsent yet: a horizon's worth go at once.
    const times = Array.from({ length: THRESHOLD + 5 }, () => w.horizon.planAt('ten_1', w.now()).getTime() - start);
    expect(times.filter((t) => t === 0)).toHaveLength(THRESHOLD - 1);
    expect(times.slice(THRESHOLD - 1)[0]).toBe(LEAD_SEC * 1000);
    expect(w.reads).toHaveLength(1);
    // Cart events make no message now (their reminders come later): they do not count.
    const carts = world();
    for (let i = 0; i < THRESHOLD + 5; i++) expect(carts.horizon.planAt('ten_1', carts.now(), false)).toEqual(carts.now());
  });

  it('parks the jobs of a tenant whose sends are a horizon behind: the first LEAD_SEC ahead, then one paced send slot apart, in order', async () => {
    const w = world();
    w.unsent.set('ten_1', THRESHOLD);
    // The first call finds nothing read yet: it runs at once and starts the read.
    expect(w.horizon.planAt('ten_1', w.now()).getTime()).toBe(w.now().getTime());
    await w.settle();
    const start = w.now().getTime();
    const parked = [0, 1, 2, 3].map(() => w.horizon.planAt('ten_1', w.now()).getTime() - start);
    expect(parked[0]).toBe(LEAD_SEC * 1000);
    // Times are whole milliseconds; the slots behind them are not.
    for (let i = 1; i < parked.length; i++) expect(Math.abs(parked[i]! - parked[0]! - i * SLOT_MS)).toBeLessThan(1);
  });

  it('keeps parking after the backlog fell below the horizon until the parked times are past, so later events never overtake parked ones', async () => {
    const w = world();
    w.unsent.set('ten_1', THRESHOLD);
    w.horizon.planAt('ten_1', w.now());
    await w.settle();
    const last = [0, 1, 2].map(() => w.horizon.planAt('ten_1', w.now()).getTime()).at(-1)!;

    w.unsent.set('ten_1', 0);
    w.clock.advance(REFRESH_MS);
    w.horizon.planAt('ten_1', w.now()); // starts the read that finds the backlog gone
    await w.settle();
    const next = w.horizon.planAt('ten_1', w.now()).getTime();
    expect(next).toBeGreaterThan(last);

    w.clock.set(new Date(next + 2 * SLOT_MS));
    const at = w.now();
    expect(w.horizon.planAt('ten_1', at)).toBe(at);
  });

  it('parks per tenant: one tenant behind does not delay another', async () => {
    const w = world();
    w.unsent.set('ten_busy', THRESHOLD * 5);
    w.horizon.planAt('ten_busy', w.now());
    w.horizon.planAt('ten_calm', w.now());
    await w.settle();
    expect(w.horizon.planAt('ten_busy', w.now()).getTime()).toBeGreaterThan(w.now().getTime());
    const at = w.now();
    expect(w.horizon.planAt('ten_calm', at)).toBe(at);
  });

  it('keeps to the last reading when a read fails, reports it, and reads again a second later', async () => {
    const w = world();
    w.unsent.set('ten_1', THRESHOLD);
    w.horizon.planAt('ten_1', w.now());
    await w.settle();
    w.clock.advance(LEAD_SEC * 1000 * 4); // the parked times are past
    w.failNext();
    w.horizon.planAt('ten_1', w.now());
    await w.settle();
    expect(w.errors).toHaveLength(1);
    expect(w.horizon.planAt('ten_1', w.now()).getTime()).toBeGreaterThan(w.now().getTime() + LEAD_SEC * 1000);
    w.clock.advance(REFRESH_MS);
    w.horizon.planAt('ten_1', w.now());
    await w.settle();
    expect(w.reads).toHaveLength(3);
  });

  it('never parks an unknown tenant', async () => {
    const w = world();
    w.unsent.set('ten_gone', THRESHOLD * 2);
    w.horizon.planAt('ten_gone', w.now());
    await w.settle();
    const at = w.now();
    expect(w.horizon.planAt('ten_gone', at)).toBe(at);
  });

  it("tells whether a tenant's events are held back from the queue, asking it at most once a second per tenant", async () => {
    const w = world();
    w.held.add('ten_1');
    expect(await w.horizon.eventsHeldBack('ten_1')).toBe(true);
    expect(await w.horizon.eventsHeldBack('ten_2')).toBe(false);
    w.held.delete('ten_1');
    expect(await w.horizon.eventsHeldBack('ten_1')).toBe(true); // asked less than a second ago
    expect(w.heldAsks).toEqual([
      { tenantId: 'ten_1', at: w.now().getTime() },
      { tenantId: 'ten_2', at: w.now().getTime() },
    ]);
    w.clock.advance(REFRESH_MS);
    expect(await w.horizon.eventsHeldBack('ten_1')).toBe(false);
    expect(w.heldAsks).toHaveLength(3);
  });
});
