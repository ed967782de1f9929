import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';

describe('GroupCommit', () => {
  it('puts concurrent submissions into one batch and answers each with its own result', async () => {
    const batches: number[][] = [];
    const commits = new GroupCommit<number, number>(async (items) => {
      batches.push([...items]);
      return items.map((i) => i * 10);
    });
    const results = await Promise.all([1, 2, 3, 4].map((i) => commits.submit(i)));
    expect(results).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1, 2, 3, 4]]);
  });

  it('queues what arrives during a commit for the next one', async () => {
    const batches: number[][] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const commits = new GroupCommit<number, number>(async (items) => {
      batches.push([...items]);
      if (batches.length === 1) await gate;
      return [...items];
    });
    const first = commits.submit(1);
    await new Promise((r) => setImmediate(r));
    const later = [commits.submit(2), commits.submit(3)];
    release();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('caps batch size', async () => {
    const sizes: number[] = [];
    const commits = new GroupCommit<number, number>(async (items) => {
      sizes.push(items.length);
      return [...items];
    }, 3);
    await Promise.all([1, 2, 3, 4, 5, 6, 7].map((i) => commits.submit(i)));
    expect(sizes).toEqual([3, 3, 1]);
  });

  it('retries items one by one when a batch fails, so one bad item fails alone', async () => {
    const commits = new GroupCommit<number, number>(async (items) => {
      if (items.includes(13)) throw new Error('unlucky');
      return items.map((i) => i + 1);
    });
    const settled = await Promise.allSettled([1, 13, 2].map((i) => commits.submit(i)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(settled[0]).toEqual({ status: 'fulfilled', value: 2 });
    expect(settled[2]).toEqual({ status: 'fulfilled', value: 3 });
  });
});

describe('GroupCommit taking its items late', () => {
  it('takes what arrived while the batch waited to begin (for the write lock) into the same commit', async () => {
    const batches: number[][] = [];
    let open: () => void = () => {};
    const lockFree = new Promise<void>((resolve) => (open = resolve));
    const commits = new GroupCommit<number, number>(
      async (take) => {
        await lockFree;
        const items = take();
        batches.push([...items]);
        return items.map((i) => i * 2);
      },
      256,
      'take-late',
    );
    const first = commits.submit(1);
    await new Promise((r) => setImmediate(r));
    // The first commit has started and is waiting: these still join it.
    const later = [commits.submit(2), commits.submit(3)];
    open();
    expect(await Promise.all([first, ...later])).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('fails the waiting items when the commit fails before taking them, and goes on with the next', async () => {
    let calls = 0;
    const commits = new GroupCommit<number, number>(
      async (take) => {
        calls++;
        if (calls === 1) throw new Error('could not begin');
        return take().map((i) => i);
      },
      256,
      'take-late',
    );
    await expect(commits.submit(1)).rejects.toThrow('could not begin');
    expect(await commits.submit(2)).toBe(2);
  });

  it('refuses a batch function that answers a result per item it did not take', async () => {
    const commits = new GroupCommit<number, number>(async () => [1], 256, 'take-late');
    await expect(commits.submit(1)).rejects.toThrow(/answered 1 results for no items taken/);
  });
});
