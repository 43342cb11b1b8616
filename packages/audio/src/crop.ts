import { InvalidValueError } from '@refractor/core';
import type { OffsetRange } from './features/index.js';
import { NumpyLegacyRandom } from './mt19937.js';

/**
 * Where CLAP's 10 s window sits inside each chunk.
 * - `start`: at the chunk's start. The default: deterministic, and every crop
 *   begins inside the song's audio (a `center` or `random` crop of the last
 *   chunks can fall entirely in the zero padding and show CLAP pure silence).
 * - `center`: at floor((n - crop) / 2).
 * - `random`: uniform in [0, n - crop], as HF's `rand_trunc` (the original's
 *   behaviour), drawn from numpy's legacy generator seeded with `seed`, so a
 *   seed reproduces `np.random.seed(seed)` in the original.
 */
export type CropMode = 'start' | 'center' | 'random';

/** The crop modes, for option parsers. */
export const CROP_MODES: readonly CropMode[] = Object.freeze(['start', 'center', 'random']);

/** Default crop mode and seed. */
export const DEFAULT_CROP = Object.freeze({ crop: 'start' as CropMode, seed: 0 });

/** Crop settings. */
export interface CropOptions {
  crop?: CropMode;
  /** Seed for `random` (default 0); recorded with results so a run can be repeated. */
  seed?: number;
}

/**
 * Picks crop offsets chunk after chunk. Offsets for `random` depend on the
 * order of calls (as the original's global generator did), so call it in
 * song order: once per chunk for rand_trunc, three times (front, middle,
 * back) for fusion, as HF does.
 *
 * @example
 * ```ts
 * const crops = new CropPlanner({ crop: 'random', seed: 42 });
 * crops.pick({ min: 0, max: 960000 }); // 121958, as np.random.seed(42); np.random.randint(0, 960001)
 * ```
 */
export class CropPlanner {
  readonly mode: CropMode;
  readonly seed: number;
  private readonly random: NumpyLegacyRandom | undefined;

  constructor(options: CropOptions) {
    this.mode = options.crop ?? DEFAULT_CROP.crop;
    this.seed = options.seed ?? DEFAULT_CROP.seed;
    if (!CROP_MODES.includes(this.mode)) {
      throw new InvalidValueError('crop', this.mode, `one of ${CROP_MODES.join(', ')}`);
    }
    if (!Number.isInteger(this.seed) || this.seed < 0 || this.seed > 0xffffffff) {
      throw new InvalidValueError('seed', this.seed, 'an integer in [0, 4294967295]');
    }
    this.random = this.mode === 'random' ? new NumpyLegacyRandom(this.seed) : undefined;
  }

  /**
   * An offset in `range` (inclusive): its start, its middle (rounded down), or
   * `min + randint(max - min + 1)`, which is both HF's `randint(0, overflow + 1)`
   * for rand_trunc and its `np.random.choice(range)` for fusion.
   */
  pick(range: OffsetRange): number {
    if (this.mode === 'start') return range.min;
    if (this.mode === 'center') return Math.floor((range.min + range.max) / 2);
    return range.min + this.random!.randint(range.max - range.min + 1);
  }
}
