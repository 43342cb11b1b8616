/**
 * Log-mel spectrogram: power spectrogram → mel filter bank → decibels, laid out
 * `[frame][mel]` as HF's `ClapFeatureExtractor._np_extract_fbank_features` returns it.
 */
import { InvalidValueError } from '@refractor/core';
import type { SparseMelFilters } from './mel-filters.js';
import { SimdMelSums } from './simd-spectrogram.js';
import { PowerSpectrogram } from './stft.js';

/**
 * HF's floor before the log (`mel_floor` and `power_to_db`'s `min_value`): −100 dB.
 * HF passes no `top_db`/`db_range` and `reference` 1.0, so dB is just 10·log10(max(x, 1e-10)).
 */
export const MEL_POWER_FLOOR = 1e-10;

/** 10 / ln 10: decibels of power per neper of `Math.log`. */
const DB_PER_NEPER = 10 / Math.LN10;

/**
 * 10·log10(max(power, 1e-10)), HF's `power_to_db` with CLAP's arguments, computed as
 * ln(x)·(10 / ln 10): `Math.log` is ~25% faster than `Math.log10` in V8 and the two
 * differ by about an ulp of float64, far below the float32 rounding of the output.
 *
 * @example
 * ```ts
 * powerToDb(1);                // 0
 * powerToDb(10);               // 10
 * Math.fround(powerToDb(0));   // -100 (the float32 features hold exactly -100)
 * ```
 */
export function powerToDb(power: number): number {
  return Math.log(power > MEL_POWER_FLOOR ? power : MEL_POWER_FLOOR) * DB_PER_NEPER;
}

/** What {@link LogMelSpectrogram} needs. */
export interface LogMelOptions {
  readonly fftSize: number;
  readonly hopLength: number;
  readonly filters: SparseMelFilters;
  /**
   * Use the WebAssembly SIMD kernel for frames that read no padding (default true; same bits
   * either way). False keeps every frame on the JS path.
   */
  readonly simd?: boolean;
}

/**
 * Computes float32 log-mel spectrograms `[frames][melBins]` of signals of any length
 * above `fftSize / 2`. Scratch buffers are reused between calls (not re-entrant).
 *
 * @example
 * ```ts
 * const logMel = new LogMelSpectrogram({ fftSize: 1024, hopLength: 480, filters });
 * const mel = logMel.compute(crop); // Float32Array(1001 * 64) for 480 000 samples
 * ```
 */
export class LogMelSpectrogram {
  declare readonly melBins: number;
  /** What computes the frames that read no padding: `'simd'` (WebAssembly SIMD) or `'js'`. */
  declare readonly kernel: 'simd' | 'js';
  // `declare` fields: see PowerSpectrogram (V8 field typing in hot loops).
  private declare readonly stft: PowerSpectrogram;
  private declare readonly filters: SparseMelFilters;
  private declare readonly power: Float64Array;
  private declare readonly simd: SimdMelSums | null;
  private declare readonly hopLength: number;
  private declare readonly halfFft: number;

  constructor(options: LogMelOptions) {
    const { fftSize, hopLength, filters } = options;
    if (filters.numFrequencyBins !== fftSize / 2 + 1) {
      throw new InvalidValueError(
        'filters.numFrequencyBins',
        filters.numFrequencyBins,
        `fftSize / 2 + 1 = ${fftSize / 2 + 1}`,
      );
    }
    this.filters = filters;
    this.melBins = filters.numMelFilters | 0; // small-int field: see PowerSpectrogram
    const bins = Math.max(1, filters.binLimit) | 0;
    this.stft = new PowerSpectrogram(fftSize, hopLength, bins);
    this.power = new Float64Array(bins);
    this.hopLength = hopLength | 0;
    this.halfFft = (fftSize / 2) | 0;
    this.simd = options.simd === false ? null : SimdMelSums.create(fftSize, hopLength, bins, filters);
    this.kernel = this.simd ? 'simd' : 'js';
  }

  /**
   * Frames a signal of `length` samples yields: `1 + floor(length / hopLength)`.
   *
   * @example
   * ```ts
   * logMel.frameCount(480_000); // 1001
   * ```
   */
  frameCount(length: number): number {
    return this.stft.frameCount(length);
  }

  /**
   * Log-mel of the whole `signal`, `frameCount(signal.length) × melBins` float32,
   * row-major `[frame][mel]`, written into `out` when given (it must be exactly that long).
   *
   * @example
   * ```ts
   * const mel = logMel.compute(signal, new Float32Array(logMel.frameCount(signal.length) * 64));
   * ```
   */
  compute(signal: Float32Array, out?: Float32Array): Float32Array {
    this.stft.assertSignalLength(signal.length);
    const frames = this.frameCount(signal.length);
    const size = frames * this.melBins;
    if (out && out.length !== size) {
      throw new InvalidValueError('out.length', out.length, `${frames} frames × ${this.melBins} mel bins = ${size}`);
    }
    const result = out ?? new Float32Array(size);
    this.computeFrames(signal, 0, frames, result);
    return result;
  }

  /**
   * Rows `[fromFrame, toFrame)` of {@link compute}'s result, written into the same rows
   * of `out` (which is `frameCount(signal.length) × melBins` long); other rows are left
   * alone. Each row is a function of the `fftSize` samples under its frame only, and is
   * computed by the very code {@link compute} runs, so it is bit-identical to that row of
   * `compute(signal)`. This is what lets a caller reuse rows of overlapping signals.
   *
   * @example
   * ```ts
   * logMel.computeFrames(crop, 0, 2, out); // only the two reflect-padded leading rows
   * ```
   */
  computeFrames(signal: Float32Array, fromFrame: number, toFrame: number, out: Float32Array): void {
    this.stft.assertSignalLength(signal.length);
    const frames = this.frameCount(signal.length);
    if (!(Number.isInteger(fromFrame) && Number.isInteger(toFrame) && 0 <= fromFrame && fromFrame <= toFrame && toFrame <= frames)) {
      throw new InvalidValueError('frame range', `[${fromFrame}, ${toFrame})`, `integers with 0 <= from <= to <= ${frames}`);
    }
    if (out.length !== frames * this.melBins) {
      throw new InvalidValueError('out.length', out.length, `${frames} frames × ${this.melBins} mel bins = ${frames * this.melBins}`);
    }
    const { simd, hopLength, halfFft } = this;
    // Frames that read no reflect padding: t·hop − fftSize/2 ≥ 0 and t·hop + fftSize/2 ≤ length.
    const interiorFrom = Math.max(fromFrame, Math.ceil(halfFft / hopLength));
    const interiorTo = Math.min(toFrame, Math.floor((signal.length - halfFft) / hopLength) + 1);
    if (simd === null || interiorTo - interiorFrom < 2) {
      this.jsFrames(signal, fromFrame, toFrame, out);
      return;
    }
    this.jsFrames(signal, fromFrame, interiorFrom, out);
    const melBins = this.melBins;
    for (let first = interiorFrom; first < interiorTo; first += SimdMelSums.batchFrames) {
      const count = Math.min(SimdMelSums.batchFrames, interiorTo - first);
      const sums = simd.compute(signal, first * hopLength - halfFft, count);
      const row = first * melBins;
      for (let i = 0; i < sums.length; i++) {
        const sum = sums[i]!;
        // As projectRow: = powerToDb(sum); the log stays in JS (WebAssembly has none, and V8's
        // Math.log is the one the features are defined by).
        out[row + i] = Math.log(sum > MEL_POWER_FLOOR ? sum : MEL_POWER_FLOOR) * DB_PER_NEPER;
      }
    }
    this.jsFrames(signal, interiorTo, toFrame, out);
  }

  /** Rows `[fromFrame, toFrame)` in JS, one frame at a time (the edge frames, or no SIMD). */
  private jsFrames(signal: Float32Array, fromFrame: number, toFrame: number, out: Float32Array): void {
    const { stft, power } = this;
    for (let t = fromFrame; t < toFrame; t++) {
      stft.frame(signal, t, power);
      this.projectRow(power, out, t);
    }
  }

  /** Mel projection + dB of one power spectrum into row `frame` of `out`. */
  private projectRow(power: Float64Array, out: Float32Array, frame: number): void {
    const { start, end, offset, weights } = this.filters;
    const melBins = this.melBins;
    const row = frame * melBins;
    for (let m = 0; m < melBins; m++) {
      const from = start[m]!;
      const to = end[m]!;
      const base = offset[m]! - from;
      let sum = 0;
      for (let bin = from; bin < to; bin++) sum += weights[base + bin]! * power[bin]!;
      // = powerToDb(sum), written out for the hot loop. The Float32Array store rounds like
      // HF's final `np.asarray(..., float32)`.
      out[row + m] = Math.log(sum > MEL_POWER_FLOOR ? sum : MEL_POWER_FLOOR) * DB_PER_NEPER;
    }
  }
}
