import { InvalidValueError } from '@refractor/core';
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
 * order of calls (as the original's global generator did), so call it once per
 * chunk in song order.
 *
 * @example
 * ```ts
 * const crops = new CropPlanner({ crop: 'random', seed: 42 }, 480000);
 * crops.next(1440000); // 121958
 * ```
 */
export class CropPlanner {
  readonly mode: CropMode;
  readonly seed: number;
  private readonly random: NumpyLegacyRandom | undefined;

  constructor(options: CropOptions, readonly cropSamples: number) {
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

  /** The offset of the crop inside a window of `windowSamples` (0 when the window is not longer than the crop). */
  next(windowSamples: number): number {
    const overflow = windowSamples - this.cropSamples;
    if (overflow <= 0) return 0;
    if (this.mode === 'start') return 0;
    if (this.mode === 'center') return Math.floor(overflow / 2);
    return this.random!.randint(overflow + 1);
  }
}
