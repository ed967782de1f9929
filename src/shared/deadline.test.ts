import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeadlineError, withDeadline } from './deadline.js';

describe('withDeadline', () => {
  afterEach(() => vi.useRealTimers());

  it('passes an outcome that comes in time through', async () => {
    await expect(withDeadline(Promise.resolve(7), 1000, 'x')).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new Error('no')), 1000, 'x')).rejects.toThrow('no');
  });

  it('fails with a DeadlineError when the promise hangs, and ignores its late failure', async () => {
    vi.useFakeTimers();
    let fail: (error: Error) => void = () => {};
    const hanging = new Promise<number>((_resolve, reject) => (fail = reject));
    const waited = withDeadline(hanging, 2000, 'the readiness check');
    const outcome = expect(waited).rejects.toThrow(new DeadlineError('the readiness check', 2000));
    await vi.advanceTimersByTimeAsync(2000);
    await outcome;
    fail(new Error('late'));
    await vi.advanceTimersByTimeAsync(1);
  });
});
