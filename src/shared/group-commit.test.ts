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
