/**
 * The offsets HF's CLAP extractor draws at random, as ranges, so callers choose how to
 * draw them (deterministically or with their own seeded generator).
 */

/** Integer offsets `min … max`, both inclusive. */
export interface OffsetRange {
  readonly min: number;
  readonly max: number;
}

/**
 * Valid `rand_trunc` crop starts (in samples) for a waveform of `length` samples:
 * `[0, length − cropSamples]`, or `null` when the waveform is not longer than a crop
 * (HF crops only when `length > cropSamples`, with `np.random.randint(0, overflow + 1)`).
 *
 * @example
 * ```ts
 * cropOffsetRange(1_440_000, 480_000); // { min: 0, max: 960000 }
 * cropOffsetRange(480_000, 480_000);   // null
 * ```
 */
export function cropOffsetRange(length: number, cropSamples: number): OffsetRange | null {
  return length > cropSamples ? { min: 0, max: length - cropSamples } : null;
}

/**
 * The three `fusion` crop-start ranges (in frames) over a whole-song mel of `totalFrames`:
 * HF's `np.array_split(range(0, totalFrames − chunkFrames + 1), 3)` — the first
 * `count % 3` parts get one extra offset — with an empty middle or back part replaced
 * by `[0]`, as HF does. `null` when there is nothing to choose (`totalFrames ≤ chunkFrames`).
 *
 * @example
 * ```ts
 * fusionOffsetRanges(1005, 1001); // 5 offsets → [{0,1}, {2,3}, {4,4}]
 * fusionOffsetRanges(1002, 1001); // 2 offsets → [{0,0}, {1,1}, {0,0}]
 * ```
 */
export function fusionOffsetRanges(
  totalFrames: number,
  chunkFrames: number,
): readonly [OffsetRange, OffsetRange, OffsetRange] | null {
  const count = totalFrames - chunkFrames + 1;
  if (count <= 1) return null;
  const base = Math.floor(count / 3);
  const extra = count % 3;
  const ranges: OffsetRange[] = [];
  let next = 0;
  for (let part = 0; part < 3; part++) {
    const size = base + (part < extra ? 1 : 0);
    ranges.push(size === 0 ? { min: 0, max: 0 } : { min: next, max: next + size - 1 });
    next += size;
  }
  return [ranges[0]!, ranges[1]!, ranges[2]!];
}

/**
 * The middle of a range, rounded down: the deterministic default pick.
 *
 * @example
 * ```ts
 * centerOffset({ min: 0, max: 960_000 }); // 480000
 * ```
 */
export function centerOffset(range: OffsetRange): number {
  return Math.floor((range.min + range.max) / 2);
}

/**
 * Whether `offset` is an integer inside `range`.
 *
 * @example
 * ```ts
 * isInRange(3, { min: 0, max: 3 }); // true
 * ```
 */
export function isInRange(offset: number, range: OffsetRange): boolean {
  return Number.isInteger(offset) && offset >= range.min && offset <= range.max;
}
