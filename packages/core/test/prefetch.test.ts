import { describe, expect, it } from 'vitest';
import { prefetch } from '../src/index.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** A source that records how far it has been pulled. */
function counting(count: number, failAt?: number) {
  const state = { produced: 0, closed: false };
  async function* source() {
    try {
      for (let i = 0; i < count; i++) {
        await tick();
        if (i === failAt) throw new Error(`failed at ${i}`);
        state.produced++;
        yield i;
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, source: source() };
}

describe('prefetch', () => {
  it('starts at once, keeps order, and never runs more than `capacity` items ahead', async () => {
    const { state, source } = counting(20);
    const items = prefetch(source, 3);
    await tick();
    await tick();
    await tick();
    await tick();
    await tick();
    expect(state.produced).toBe(3); // pulled ahead before anyone asked, but only 3
    const seen: number[] = [];
    for await (const item of items) {
      expect(state.produced - seen.length).toBeLessThanOrEqual(3 + 1);
      seen.push(item);
      await tick();
    }
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('rethrows a source error where the consumer reaches it, after the items before it', async () => {
    const { source } = counting(10, 4);
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const item of prefetch(source, 8)) seen.push(item);
      })(),
    ).rejects.toThrow('failed at 4');
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it('closes the source when the consumer stops early', async () => {
    const { state, source } = counting(100);
    for await (const item of prefetch(source, 2)) if (item === 5) break;
    expect(state.closed).toBe(true);
    expect(state.produced).toBeLessThan(10);
  });

  it('takes plain iterables and refuses a capacity below 1', async () => {
    const seen: number[] = [];
    for await (const item of prefetch([1, 2, 3], 1)) seen.push(item);
    expect(seen).toEqual([1, 2, 3]);
    expect(() => prefetch([], 0)).toThrow(/capacity/);
  });
});
