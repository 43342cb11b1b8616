/**
 * `ClapFeatureExtractor`: Hugging Face's CLAP feature pipeline (padding, cropping,
 * log-mel, fusion stacking) for one 48 kHz mono waveform, with the random choices
 * handed to the caller.
 */
import { InvalidValueError } from '@refractor/core';
import {
  CLAP_PADDINGS,
  parseClapPreprocessorConfig,
  type ClapFeatureConfig,
  type ClapPadding,
  type ClapTruncation,
} from './config.js';
import { stackFusionChannels } from './fusion.js';
import { LogMelSpectrogram } from './log-mel.js';
import { melFilterBank, sparsifyMelFilters } from './mel-filters.js';
import { cropOffsetRange, fusionOffsetRanges, isInRange, type OffsetRange } from './offsets.js';
import { padToLength } from './padding.js';

/** Per-call choices for {@link ClapFeatureExtractor.extract}. */
export interface ClapExtractOptions {
  /**
   * `rand_trunc`, waveform longer than a crop: start of the crop in samples, in
   * `[0, n − cropSamples]`. Default: 0, the start (the package's default crop mode).
   * Ignored when no crop is taken.
   */
  readonly cropOffset?: number;
  /**
   * `fusion`, whole-song mel longer than a crop: frame offsets of the front, middle and
   * back crops, each inside its range from {@link ClapFeatureExtractor.offsetRanges}.
   * Default: the start of each range. Ignored when no fusion crops are taken.
   */
  readonly fusionOffsets?: readonly [number, number, number];
  /** How a waveform shorter than a crop is lengthened. Default: the config's `padding`. */
  readonly padding?: ClapPadding;
  /** Where to write the features (`channels × frames × melBins`); allocated when absent. */
  readonly out?: Float32Array;
}

/** What {@link ClapFeatureExtractor.extract} returns. */
export interface ClapExtractResult {
  /** `channels × frames × melBins` float32, row-major: the model's `input_features` for one item. */
  readonly features: Float32Array;
  /** 1 for `rand_trunc`, 4 for `fusion`. */
  readonly channels: 1 | 4;
  readonly frames: number;
  readonly melBins: number;
  /**
   * HF's `is_longer` for this waveform passed alone: `rand_trunc` → whether it was longer
   * than a crop; `fusion` → always true, because HF marks one random item `True` when
   * no item in the batch is longer (in a batch of one, that item).
   */
  readonly isLonger: boolean;
  /**
   * HF's per-waveform `longer` before that batch fix-up: cropped (`rand_trunc`), or fused
   * from a whole-song mel with more frames than a crop (`fusion`). For batching several
   * waveforms the caller applies the fix-up itself.
   */
  readonly longerThanCrop: boolean;
  /** The padding applied, or null when the waveform was not shorter than a crop. */
  readonly padding: ClapPadding | null;
  /** The `rand_trunc` crop start in samples, or null when not cropped. */
  readonly cropOffset: number | null;
  /** The `fusion` front/middle/back frame offsets, or null when not fused. */
  readonly fusionOffsets: readonly [number, number, number] | null;
}

/** Where the random offsets for a waveform may fall; see {@link ClapFeatureExtractor.offsetRanges}. */
export type ClapOffsetRanges =
  | { readonly truncation: 'rand_trunc'; readonly crop: OffsetRange }
  | {
      readonly truncation: 'fusion';
      /** Frames of the whole-song mel. */
      readonly totalFrames: number;
      readonly fusion: readonly [OffsetRange, OffsetRange, OffsetRange];
    };

/**
 * Reproduces HF transformers' `ClapFeatureExtractor` (to ≤ 1e-3 dB) for one waveform at
 * the config's sampling rate. `rand_trunc` → Slaney mel scale, Slaney norm, 1 channel;
 * `fusion` → HTK mel scale, no norm, 4 channels `[whole song shrunk, front, middle, back]`.
 * Not re-entrant: it reuses internal scratch between calls.
 *
 * @example
 * ```ts
 * const extractor = new ClapFeatureExtractor(LARGER_CLAP_MUSIC_PREPROCESSOR);
 * const mel = extractor.logMel(crop);                     // Float32Array(1001 * 64)
 * const { features, isLonger } = extractor.extract(chunk, { cropOffset: 0 });
 * ```
 */
export class ClapFeatureExtractor {
  readonly config: ClapFeatureConfig;
  readonly truncation: ClapTruncation;
  /** Frames per crop: `1 + cropSamples / hop` (1001). */
  readonly frames: number;
  /** Mel bins per frame (64). */
  readonly melBins: number;
  /** Samples per crop (480 000). */
  readonly cropSamples: number;
  /** Feature channels per waveform: 1 (`rand_trunc`) or 4 (`fusion`). */
  readonly channels: 1 | 4;

  /** What computes the log-mel's frames that read no padding: `'simd'` or `'js'` (same bits). */
  readonly kernel: 'simd' | 'js';

  private readonly spectrogram: LogMelSpectrogram;
  private paddedScratch: Float32Array | null = null;

  /**
   * @param options - `simd: false` keeps the log-mel on its JS path (the WebAssembly SIMD kernel
   *   gives the same bits; see {@link LogMelSpectrogram.kernel})
   * @throws InvalidValueError when a field of `config` is invalid (same checks as parsing the JSON).
   */
  constructor(settings: ClapFeatureConfig, options: { readonly simd?: boolean } = {}) {
    const config = parseClapPreprocessorConfig(settings, 'ClapFeatureExtractor config');
    this.config = config;
    this.truncation = config.truncation;
    this.cropSamples = config.nb_max_samples;
    this.melBins = config.feature_size;
    // HF builds both banks; which one it uses depends only on the truncation mode.
    const slaney = config.truncation === 'rand_trunc';
    const numFrequencyBins = config.fft_window_size / 2 + 1;
    const dense = melFilterBank({
      numFrequencyBins,
      numMelFilters: config.feature_size,
      minFrequency: config.frequency_min,
      maxFrequency: config.frequency_max,
      samplingRate: config.sampling_rate,
      norm: slaney ? 'slaney' : null,
      melScale: slaney ? 'slaney' : 'htk',
    });
    this.spectrogram = new LogMelSpectrogram({
      fftSize: config.fft_window_size,
      hopLength: config.hop_length,
      filters: sparsifyMelFilters(dense, numFrequencyBins, config.feature_size),
      simd: options.simd,
    });
    this.kernel = this.spectrogram.kernel;
    this.frames = this.spectrogram.frameCount(this.cropSamples);
    this.channels = slaney ? 1 : 4;
  }

  /**
   * Log-mel of exactly `cropSamples` samples → `Float32Array(frames × melBins)`,
   * row-major `[frame][mel]`, with this config's filter bank (Slaney for `rand_trunc`,
   * HTK for `fusion`). Writes into `out` when given.
   *
   * @example
   * ```ts
   * const mel = extractor.logMel(samples.subarray(start, start + extractor.cropSamples));
   * ```
   */
  logMel(window: Float32Array, out?: Float32Array): Float32Array {
    if (window.length !== this.cropSamples) {
      throw new InvalidValueError('window.length', window.length, `exactly ${this.cropSamples} samples`);
    }
    return this.spectrogram.compute(window, out);
  }

  /**
   * Rows `[fromFrame, toFrame)` of `logMel(window)`, written into the same rows of `out`
   * (`frames × melBins` long); the other rows of `out` are left as they are. Each row is
   * bit-identical to that row of {@link logMel}'s result: a row depends only on the
   * `fft_window_size` samples under its frame, reflect-padded at the window's ends.
   *
   * @example
   * ```ts
   * const out = new Float32Array(extractor.frames * extractor.melBins);
   * extractor.logMelFrames(crop, 0, 2, out); // the two leading (reflect-padded) rows only
   * ```
   */
  logMelFrames(window: Float32Array, fromFrame: number, toFrame: number, out: Float32Array): void {
    if (window.length !== this.cropSamples) {
      throw new InvalidValueError('window.length', window.length, `exactly ${this.cropSamples} samples`);
    }
    this.spectrogram.computeFrames(window, fromFrame, toFrame, out);
  }

  /**
   * Log-mel of a signal of any length above `fft_window_size / 2`:
   * `1 + floor(n / hop)` frames × melBins (what HF's fusion path computes over a whole song).
   *
   * @example
   * ```ts
   * const wholeSong = extractor.logMelSpectrogram(song); // (1 + n / 480) × 64
   * ```
   */
  logMelSpectrogram(signal: Float32Array, out?: Float32Array): Float32Array {
    return this.spectrogram.compute(signal, out);
  }

  /**
   * The ranges HF draws its random offsets from for a waveform of `length` samples, so the
   * caller can draw them: `rand_trunc` → crop start in samples, `[0, length − cropSamples]`;
   * `fusion` → three frame-offset ranges (HF's `np.array_split` thirds). Null when HF
   * draws nothing (not longer than a crop, or — fusion — no more frames than a crop).
   *
   * @example
   * ```ts
   * const r = extractor.offsetRanges(song.length);
   * if (r?.truncation === 'rand_trunc') offset = r.crop.min + Math.floor(rng() * (r.crop.max - r.crop.min + 1));
   * ```
   */
  offsetRanges(length: number): ClapOffsetRanges | null {
    if (this.truncation === 'rand_trunc') {
      const crop = cropOffsetRange(length, this.cropSamples);
      return crop ? { truncation: 'rand_trunc', crop } : null;
    }
    if (length <= this.cropSamples) return null;
    const totalFrames = this.spectrogram.frameCount(length);
    const fusion = fusionOffsetRanges(totalFrames, this.frames);
    return fusion ? { truncation: 'fusion', totalFrames, fusion } : null;
  }

  /**
   * HF's whole `_get_input_mel` for one waveform of any length:
   * - shorter than a crop → padded (`options.padding` or the config's) → one mel;
   * - `rand_trunc`, longer → the crop at `cropOffset` → one mel;
   * - `fusion`, longer → mel of the whole waveform, stacked as `[shrunk, front, middle, back]`
   *   at `fusionOffsets` (or, when it has no more frames than a crop, that mel 4 times);
   * - `fusion`, not longer → the padded crop's mel 4 times.
   *
   * @example
   * ```ts
   * const r = extractor.extract(chunk, { cropOffset: 96_000 });
   * session.run({ input_features: new Tensor('float32', r.features, [1, r.channels, r.frames, r.melBins]) });
   * ```
   */
  extract(waveform: Float32Array, options: ClapExtractOptions = {}): ClapExtractResult {
    const n = waveform.length;
    if (n < 1) throw new InvalidValueError('waveform.length', n, 'at least 1 sample');
    const size = this.channels * this.frames * this.melBins;
    const out = options.out ?? new Float32Array(size);
    if (out.length !== size) {
      throw new InvalidValueError(
        'options.out.length',
        out.length,
        `${this.channels} × ${this.frames} × ${this.melBins} = ${size}`,
      );
    }
    if (n <= this.cropSamples) return this.extractShort(waveform, options, out);
    return this.truncation === 'rand_trunc'
      ? this.extractCrop(waveform, options, out)
      : this.extractFusion(waveform, options, out);
  }

  /** Not longer than a crop: pad (unless exactly one crop), one mel, 4 copies for fusion. */
  private extractShort(waveform: Float32Array, options: ClapExtractOptions, out: Float32Array): ClapExtractResult {
    let crop = waveform;
    let padding: ClapPadding | null = null;
    if (waveform.length < this.cropSamples) {
      padding = options.padding ?? this.config.padding;
      if (!CLAP_PADDINGS.includes(padding)) {
        throw new InvalidValueError('options.padding', padding, `one of ${CLAP_PADDINGS.join(', ')}`);
      }
      this.paddedScratch ??= new Float32Array(this.cropSamples);
      crop = padToLength(waveform, this.cropSamples, padding, this.paddedScratch);
    }
    this.spectrogram.compute(crop, out.subarray(0, this.frames * this.melBins));
    this.repeatFirstChannel(out);
    // fusion: HF flags one item of an all-short batch as longer; alone, that is this one.
    return this.result(out, this.channels === 4, false, padding, null, null);
  }

  /** rand_trunc, longer than a crop: the crop at `cropOffset` (default 0). */
  private extractCrop(waveform: Float32Array, options: ClapExtractOptions, out: Float32Array): ClapExtractResult {
    const range: OffsetRange = { min: 0, max: waveform.length - this.cropSamples };
    const cropOffset = options.cropOffset ?? range.min;
    if (!isInRange(cropOffset, range)) {
      throw new InvalidValueError('options.cropOffset', cropOffset, `an integer in [${range.min}, ${range.max}]`);
    }
    this.spectrogram.compute(waveform.subarray(cropOffset, cropOffset + this.cropSamples), out);
    return this.result(out, true, true, null, cropOffset, null);
  }

  /** fusion, longer than a crop: whole-song mel, then `[shrunk, front, middle, back]`. */
  private extractFusion(waveform: Float32Array, options: ClapExtractOptions, out: Float32Array): ClapExtractResult {
    const totalFrames = this.spectrogram.frameCount(waveform.length);
    const ranges = fusionOffsetRanges(totalFrames, this.frames);
    if (!ranges) {
      // HF's corner case: longer than a crop by less than one hop, so exactly one crop's
      // frames; the mel of all n samples (no crop, no padding) is used 4 times, longer = False.
      this.spectrogram.compute(waveform, out.subarray(0, this.frames * this.melBins));
      this.repeatFirstChannel(out);
      return this.result(out, true, false, null, null, null);
    }
    const chosen = options.fusionOffsets ?? [ranges[0].min, ranges[1].min, ranges[2].min];
    const offsets: [number, number, number] = [chosen[0], chosen[1], chosen[2]];
    offsets.forEach((offset, k) => {
      const range = ranges[k]!;
      if (!isInRange(offset, range)) {
        throw new InvalidValueError(`options.fusionOffsets[${k}]`, offset, `an integer in [${range.min}, ${range.max}]`);
      }
    });
    const mel = this.spectrogram.compute(waveform);
    stackFusionChannels(mel, totalFrames, this.melBins, this.frames, offsets, out);
    return this.result(out, true, true, null, null, offsets);
  }

  /** Copies channel 0 of `out` into its other channels (HF's `np.stack([mel] * 4)`). */
  private repeatFirstChannel(out: Float32Array): void {
    const channelSize = this.frames * this.melBins;
    for (let c = 1; c < this.channels; c++) out.copyWithin(c * channelSize, 0, channelSize);
  }

  private result(
    features: Float32Array,
    isLonger: boolean,
    longerThanCrop: boolean,
    padding: ClapPadding | null,
    cropOffset: number | null,
    fusionOffsets: readonly [number, number, number] | null,
  ): ClapExtractResult {
    return {
      features,
      channels: this.channels,
      frames: this.frames,
      melBins: this.melBins,
      isLonger,
      longerThanCrop,
      padding,
      cropOffset,
      fusionOffsets,
    };
  }
}
