/**
 * The trainer's only source of randomness: a small seeded generator, so a
 * training run is a pure function of its data and seed (no `Math.random`).
 */

/** A seeded pseudo-random stream (mulberry32: 32-bit state, period 2^32). */
export class SeededRng {
  private state: number;

  /**
   * @example
   * ```ts
   * const rng = new SeededRng(42);
   * rng.next(); // a float in [0, 1), the same for every run with seed 42
   * ```
   */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1) with 32 random bits. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A float in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[];
  shuffle(items: Int32Array): Int32Array;
  shuffle<T>(items: T[] | Int32Array): T[] | Int32Array {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }
}

/**
 * An independent stream for one purpose (split, init, shuffling, dropout),
 * derived from the run's seed with splitmix32 mixing. Separate streams keep,
 * e.g., the split unchanged when only the epoch count changes.
 *
 * @example
 * ```ts
 * const init = streamFor(42, 'init');
 * ```
 */
export function streamFor(seed: number, purpose: 'split' | 'init' | 'shuffle' | 'dropout'): SeededRng {
  let h = (seed >>> 0) ^ 0x9e3779b9;
  for (let i = 0; i < purpose.length; i++) h = Math.imul(h ^ purpose.charCodeAt(i), 0x85ebca6b) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return new SeededRng(h >>> 0);
}
