import { describe, expect, it } from 'vitest';
import { Permits } from './permits.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Permits', () => {
  it('lets `limit` holders in at once and the next in line in as each leaves, in arrival order', async () => {
    const permits = new Permits(2);
    const entered: string[] = [];
    const releases = new Map<string, () => void>();
    const enter = (name: string) =>
      void permits.acquire().then((release) => {
        entered.push(name);
        releases.set(name, release);
      });
    for (const name of ['a', 'b', 'c', 'd']) enter(name);
    await turn();
    expect(entered).toEqual(['a', 'b']);
    releases.get('b')!();
    // Releasing twice gives back one permit, not two.
    releases.get('b')!();
    await turn();
    expect(entered).toEqual(['a', 'b', 'c']);
    releases.get('a')!();
    await turn();
    expect(entered).toEqual(['a', 'b', 'c', 'd']);
    // All leave: the permits are free again, two at once.
    for (const name of ['c', 'd']) releases.get(name)!();
    enter('e');
    enter('f');
    enter('g');
    await turn();
    expect(entered.slice(4)).toEqual(['e', 'f']);
  });
});
