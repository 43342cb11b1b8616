import { describe, expect, it } from 'vitest';
import { mapInOrder } from '@refractor/node/io';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('mapInOrder', () => {
  it('emits in input order while later items finish first, holding at most concurrency − 1 finished results', async () => {
    const delays = [40, 5, 5, 30, 1, 1, 20, 1];
    const emitted: number[] = [];
    let started = 0;
    let maxAhead = 0;
    await mapInOrder(
      delays,
      3,
      async (delay, index) => {
        started += 1;
        // Never more than 3 items started beyond what was emitted: the reorder buffer is bounded.
        maxAhead = Math.max(maxAhead, started - emitted.length);
        await sleep(delay);
        return index;
      },
      async (value) => {
        emitted.push(value);
      },
    );
    expect(emitted).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(maxAhead).toBe(3);
  });

  it('stops at the first failing item after emitting the ones before it', async () => {
    const emitted: number[] = [];
    const run = mapInOrder(
      [1, 2, 3, 4],
      2,
      async (n) => {
        await sleep(5 - n);
        if (n === 3) throw new Error('three');
        return n;
      },
      async (n) => void emitted.push(n),
    );
    await expect(run).rejects.toThrow('three');
    expect(emitted).toEqual([1, 2]);
  });
});
