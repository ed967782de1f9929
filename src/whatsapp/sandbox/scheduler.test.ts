import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualScheduler, timerScheduler } from './scheduler.js';

describe('ManualScheduler', () => {
  it('runs nothing until asked, then tasks in due order (ties in scheduling order)', async () => {
    const s = new ManualScheduler();
    const ran: string[] = [];
    s.after(30, () => void ran.push('c'));
    s.after(10, () => void ran.push('a'));
    s.after(10, () => void ran.push('b'));
    expect(ran).toEqual([]);
    expect(await s.runAll()).toBe(3);
    expect(ran).toEqual(['a', 'b', 'c']);
  });

  it('advances virtual time, and runs tasks scheduled by tasks, awaiting each', async () => {
    const s = new ManualScheduler();
    const ran: string[] = [];
    s.after(10, async () => {
      await Promise.resolve();
      ran.push('first');
      s.after(10, () => void ran.push('second'));
    });
    expect(await s.advance(15)).toBe(1);
    expect(ran).toEqual(['first']);
    expect(await s.advance(4)).toBe(0);
    expect(await s.advance(1)).toBe(1);
    expect(ran).toEqual(['first', 'second']);
  });

  it('stops a task that keeps rescheduling itself', async () => {
    const s = new ManualScheduler();
    const again = (): void => s.after(1, again);
    again();
    await expect(s.runAll(50)).rejects.toThrow(/more than 50 tasks/);
  });

  it('drops pending tasks and later ones once closed', async () => {
    const s = new ManualScheduler();
    const ran: number[] = [];
    s.after(1, () => void ran.push(1));
    s.close();
    s.after(1, () => void ran.push(2));
    expect(await s.runAll()).toBe(0);
    expect(ran).toEqual([]);
  });
});

describe('timerScheduler', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs tasks on timers, reports failures, and cancels pending ones on close', async () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    const s = timerScheduler((e) => errors.push(e));
    const ran: string[] = [];
    s.after(100, () => void ran.push('a'));
    s.after(50, () => {
      throw new Error('boom');
    });
    s.after(500, () => void ran.push('late'));
    await vi.advanceTimersByTimeAsync(100);
    expect(ran).toEqual(['a']);
    expect(errors).toHaveLength(1);
    s.close();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(ran).toEqual(['a']);
  });
});
