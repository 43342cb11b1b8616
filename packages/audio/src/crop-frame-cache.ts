/**
 * Log-mel rows shared between the overlapping crops of one song, so that each
 * interior frame is computed once per song instead of once per crop.
 */
import { InvalidValueError } from '@refractor/core';
import type { ClapFeatureExtractor } from './features/index.js';

/** How many rows {@link CropFrameCache.logMel} computed and how many it copied from earlier crops. */
export interface CropFrameCacheStats {
  computed: number;
  reused: number;
}

/**
 * A sliding band of log-mel rows, addressed by the song's frame grid, for crops taken
 * from one song in song order.
 *
 * Why rows can be shared bit for bit: row `t` of a crop's log-mel is a pure function of
 * the `fft_window_size` samples under frame `t` (window[t·hop − n_fft/2 … + n_fft/2)).
 * For a crop starting at song sample `s`, an *interior* frame (one that needs no reflect
 * padding) covers song samples [s + t·hop − n_fft/2, …): when two crops start on the same
 * hop grid (s ≡ s′ mod hop), their interior frames over the same song samples are the same
 * frame, and the same code over the same float32 samples gives the same float32 row.
 * With the card's chunking (30 s chunks every 5 s, 10 s crops, hop 480 at 48 kHz)
 * consecutive crops share 5 s = 500 frames, so about half the rows are copies.
 *
 * Computed per crop, never shared:
 * - the reflect-padded frames at each end of the crop (2 at the start, 2 at the end with
 *   CLAP's settings): reflection depends on where the crop ends, not on the song;
 * - frames that reach past `audioEnd`, where the crop holds zeros instead of audio (the
 *   zero-padded tail of the last chunks, or audio not decoded yet): only rows made
 *   entirely of real audio enter the cache, so what it holds never depends on padding.
 *
 * A crop on another hop grid than the previous one (a different `cropStart mod hop`)
 * empties the cache: results stay exact, nothing is shared. Memory: one crop's interior
 * rows (997 × 64 float32 ≈ 255 kB), whatever the song's length.
 *
 * @example
 * ```ts
 * const cache = new CropFrameCache(extractor);
 * for (const start of cropStarts) {
 *   const mel = cache.logMel(song.subarray(start, start + extractor.cropSamples), start, song.length);
 *   // bit-identical to extractor.logMel(song.subarray(start, start + extractor.cropSamples))
 * }
 * ```
 */
export class CropFrameCache {
  /** Rows computed and rows reused so far (to check that sharing happens). */
  readonly stats: CropFrameCacheStats = { computed: 0, reused: 0 };
  private readonly hop: number;
  private readonly halfFft: number;
  private readonly melBins: number;
  /** First frame of a crop that needs no reflect padding at the crop's start. */
  private readonly firstInterior: number;
  /** One past the last frame that needs no reflect padding at the crop's end. */
  private readonly endInterior: number;
  /** Ring slots: one crop's interior frames, so a crop's own rows never evict each other. */
  private readonly capacity: number;
  private readonly rows: Float32Array;
  /** The song frame index each slot holds, or −1. */
  private readonly tags: Float64Array;
  /** `cropStart mod hop` of the crops the cache holds rows for; −1 before the first crop. */
  private phase = -1;

  constructor(private readonly extractor: ClapFeatureExtractor) {
    const { hop_length: hop, fft_window_size: fftSize } = extractor.config;
    this.hop = hop;
    this.halfFft = fftSize / 2;
    this.melBins = extractor.melBins;
    // Frame t reads window[t·hop − n_fft/2, t·hop + n_fft/2): interior when both ends are inside.
    this.firstInterior = Math.ceil(this.halfFft / hop);
    this.endInterior = Math.floor((extractor.cropSamples - this.halfFft) / hop) + 1;
    this.capacity = Math.max(1, this.endInterior - this.firstInterior);
    this.rows = new Float32Array(this.capacity * this.melBins);
    this.tags = new Float64Array(this.capacity).fill(-1);
  }

  /**
   * The log-mel of one crop, bit-identical to `extractor.logMel(window)`.
   *
   * @param window - the crop: song samples [cropStart, cropStart + cropSamples), zeros
   *   from `audioEnd` on
   * @param cropStart - where the crop starts in the song, in samples (≥ 0); call in
   *   song order (rows behind the current crop are forgotten)
   * @param audioEnd - one past the last song sample that is audio (known so far): frames
   *   reaching past it are computed for this crop alone
   * @param out - where to write the `frames × melBins` rows; allocated when absent
   *
   * @example
   * ```ts
   * const mel = cache.logMel(window, 240_000, totalSamples);
   * ```
   */
  logMel(window: Float32Array, cropStart: number, audioEnd: number, out?: Float32Array): Float32Array {
    const { extractor, hop, melBins, capacity, rows, tags } = this;
    if (window.length !== extractor.cropSamples) {
      throw new InvalidValueError('window.length', window.length, `exactly ${extractor.cropSamples} samples`);
    }
    if (!Number.isSafeInteger(cropStart) || cropStart < 0) {
      throw new InvalidValueError('cropStart', cropStart, 'an integer sample index >= 0');
    }
    const frames = extractor.frames;
    const result = out ?? new Float32Array(frames * melBins);
    const phase = cropStart % hop;
    if (phase !== this.phase) {
      tags.fill(-1);
      this.phase = phase;
    }
    const base = (cropStart - phase) / hop; // song frame index of this crop's frame 0
    // Frames whose last sample is before audioEnd: t·hop + n_fft/2 ≤ audioEnd − cropStart.
    const audioFrames = Math.floor((audioEnd - cropStart - this.halfFft) / hop) + 1;
    const first = this.firstInterior;
    const end = Math.max(first, Math.min(this.endInterior, audioFrames));

    extractor.logMelFrames(window, 0, first, result);
    let reused = 0;
    let t = first;
    while (t < end) {
      const frame = base + t;
      const slot = frame % capacity;
      if (tags[slot] === frame) {
        result.set(rows.subarray(slot * melBins, (slot + 1) * melBins), t * melBins);
        reused += 1;
        t += 1;
        continue;
      }
      // A run of frames not held yet: compute them in one call, then keep them.
      let stop = t + 1;
      while (stop < end && tags[(base + stop) % capacity] !== base + stop) stop += 1;
      extractor.logMelFrames(window, t, stop, result);
      for (let u = t; u < stop; u++) {
        const s = (base + u) % capacity;
        rows.set(result.subarray(u * melBins, (u + 1) * melBins), s * melBins);
        tags[s] = base + u;
      }
      t = stop;
    }
    extractor.logMelFrames(window, end, frames, result);
    this.stats.reused += reused;
    this.stats.computed += frames - reused;
    return result;
  }
}
