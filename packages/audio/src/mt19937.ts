/**
 * numpy's legacy global random generator (`np.random.seed(s)` then
 * `np.random.randint(0, n)`), reproduced so a seeded `random` crop picks the
 * same offsets the original Python pipeline picks after `np.random.seed(s)`:
 * Mersenne Twister MT19937 seeded with init_genrand, and bounded integers by
 * masked rejection sampling on 32-bit draws.
 *
 * @example
 * ```ts
 * const rng = new NumpyLegacyRandom(42);
 * rng.randint(960001); // 121958, as np.random.seed(42); np.random.randint(0, 960001)
 * ```
 */
export class NumpyLegacyRandom {
  private readonly state = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed is ${seed}; expected an integer in [0, 2^32 - 1] (numpy's range)`);
    }
    const mt = this.state;
    mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const previous = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      // 1812433253 * previous + i, modulo 2^32, without losing bits to float precision.
      mt[i] = (Math.imul(1812433253, previous) + i) >>> 0;
    }
  }

  /** The next raw 32-bit output. */
  nextUint32(): number {
    const mt = this.state;
    if (this.index >= 624) {
      for (let i = 0; i < 624; i++) {
        const y = (mt[i]! & 0x80000000) | (mt[(i + 1) % 624]! & 0x7fffffff);
        mt[i] = mt[(i + 397) % 624]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Like `np.random.randint(0, high)`: uniform in [0, high), high <= 2^32. */
  randint(high: number): number {
    if (!Number.isInteger(high) || high < 1 || high > 2 ** 32) {
      throw new RangeError(`high is ${high}; expected an integer in [1, 2^32]`);
    }
    const range = high - 1;
    if (range === 0) return 0;
    if (range === 0xffffffff) return this.nextUint32();
    let mask = range;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (;;) {
      const value = (this.nextUint32() & mask) >>> 0;
      if (value <= range) return value;
    }
  }
}
