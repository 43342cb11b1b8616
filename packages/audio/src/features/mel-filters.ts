/**
 * Mel filter banks as HF's `audio_utils.mel_filter_bank` builds them (triangles
 * evaluated at the FFT bin frequencies, not in mel space), and a sparse form of
 * them for fast projection.
 */

/** `htk`: 2595·log10(1 + f/700) (torchaudio's default). `slaney`: linear below 1 kHz, log above (librosa's default). */
export type MelScale = 'htk' | 'slaney';

/** `slaney`: scale each triangle by 2 / (its width in Hz), so every band has ~equal area. */
export type MelNorm = 'slaney' | null;

// Slaney's scale: 3 mels per 200 Hz up to 1 kHz (= 15 mels), then 27 mels per factor 6.4.
const SLANEY_MIN_LOG_HERTZ = 1000.0;
const SLANEY_MIN_LOG_MEL = 15.0;

/**
 * Hertz → mels, with HF's exact formulas.
 *
 * @example
 * ```ts
 * hertzToMel(1000, 'slaney'); // 15
 * hertzToMel(700, 'htk');     // 2595 * log10(2) ≈ 781.17
 * ```
 */
export function hertzToMel(hertz: number, scale: MelScale): number {
  if (scale === 'htk') return 2595.0 * Math.log10(1.0 + hertz / 700.0);
  if (hertz >= SLANEY_MIN_LOG_HERTZ) {
    // HF writes the step as 27 / ln(6.4) here and ln(6.4) / 27 in the inverse; keep both spellings.
    return SLANEY_MIN_LOG_MEL + Math.log(hertz / SLANEY_MIN_LOG_HERTZ) * (27.0 / Math.log(6.4));
  }
  return (3.0 * hertz) / 200.0;
}

/**
 * Mels → hertz, the inverse of {@link hertzToMel}, with HF's exact formulas.
 *
 * @example
 * ```ts
 * melToHertz(15, 'slaney'); // 1000
 * ```
 */
export function melToHertz(mel: number, scale: MelScale): number {
  if (scale === 'htk') return 700.0 * (Math.pow(10, mel / 2595.0) - 1.0);
  if (mel >= SLANEY_MIN_LOG_MEL) {
    return SLANEY_MIN_LOG_HERTZ * Math.exp((Math.log(6.4) / 27.0) * (mel - SLANEY_MIN_LOG_MEL));
  }
  return (200.0 * mel) / 3.0;
}

/**
 * numpy's `linspace(start, stop, count)`: `i·step + start`, with the last point set to
 * `stop` exactly. Matching its rounding keeps the filter edges bit-identical to HF's.
 */
function linspace(start: number, stop: number, count: number): Float64Array {
  const values = new Float64Array(count);
  const step = (stop - start) / (count - 1);
  for (let i = 0; i < count; i++) values[i] = i * step + start;
  values[count - 1] = stop;
  return values;
}

/** What {@link melFilterBank} needs. */
export interface MelFilterBankOptions {
  /** `fft_size / 2 + 1`. */
  readonly numFrequencyBins: number;
  /** Number of triangles (mel bins). */
  readonly numMelFilters: number;
  /** Lowest edge in Hz. */
  readonly minFrequency: number;
  /** Highest edge in Hz. */
  readonly maxFrequency: number;
  /** Sample rate in Hz. */
  readonly samplingRate: number;
  /** Area normalization. */
  readonly norm: MelNorm;
  /** Mel scale of the edges. */
  readonly melScale: MelScale;
}

/**
 * Dense mel filter bank, float64, laid out as HF's: `[frequencyBin][melFilter]`
 * (`numFrequencyBins × numMelFilters`, row-major).
 *
 * `numMelFilters + 2` edges are evenly spaced in mel between min and max frequency and
 * mapped back to Hz; each triangle is evaluated at the FFT bin frequencies
 * `linspace(0, floor(samplingRate / 2), numFrequencyBins)` (HF's default
 * `triangularize_in_mel_space=False`).
 *
 * @example
 * ```ts
 * const dense = melFilterBank({ numFrequencyBins: 513, numMelFilters: 64, minFrequency: 50,
 *   maxFrequency: 14000, samplingRate: 48000, norm: 'slaney', melScale: 'slaney' });
 * dense.length; // 513 * 64
 * ```
 */
export function melFilterBank(options: MelFilterBankOptions): Float64Array {
  const { numFrequencyBins, numMelFilters, minFrequency, maxFrequency, samplingRate, norm, melScale } =
    options;
  const melEdges = linspace(
    hertzToMel(minFrequency, melScale),
    hertzToMel(maxFrequency, melScale),
    numMelFilters + 2,
  );
  const edgeHertz = melEdges.map((mel) => melToHertz(mel, melScale));
  // HF uses integer division here: `sampling_rate // 2`.
  const binHertz = linspace(0, Math.floor(samplingRate / 2), numFrequencyBins);

  const filters = new Float64Array(numFrequencyBins * numMelFilters);
  for (let bin = 0; bin < numFrequencyBins; bin++) {
    const f = binHertz[bin]!;
    for (let m = 0; m < numMelFilters; m++) {
      const lower = edgeHertz[m]!;
      const center = edgeHertz[m + 1]!;
      const upper = edgeHertz[m + 2]!;
      // Same operation order as HF's `_create_triangular_filter_bank`.
      const down = -(lower - f) / (center - lower);
      const up = (upper - f) / (upper - center);
      let weight = Math.max(0, Math.min(down, up));
      if (norm === 'slaney') weight *= 2.0 / (upper - lower);
      filters[bin * numMelFilters + m] = weight;
    }
  }
  return filters;
}

/**
 * A mel filter bank stored per filter as a contiguous run of nonzero weights: filter `m`
 * covers bins `[start[m], end[m])` with weights `weights[offset[m] … offset[m] + end[m] − start[m])`.
 * Projecting a 513-bin spectrum costs ~600 multiply-adds instead of 513 × 64.
 */
export interface SparseMelFilters {
  readonly numMelFilters: number;
  readonly numFrequencyBins: number;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly offset: Int32Array;
  readonly weights: Float64Array;
  /** One past the highest bin any filter reads: spectra need only bins `[0, binLimit)`. */
  readonly binLimit: number;
}

/**
 * Converts a dense `[bin][mel]` bank (from {@link melFilterBank}) to {@link SparseMelFilters}.
 * Zeros inside a filter's run are kept, so the result is exact for any bank.
 *
 * @example
 * ```ts
 * const sparse = sparsifyMelFilters(dense, 513, 64);
 * sparse.binLimit; // 299 for larger_clap_music (14 kHz / 46.875 Hz per bin)
 * ```
 */
export function sparsifyMelFilters(
  dense: Float64Array,
  numFrequencyBins: number,
  numMelFilters: number,
): SparseMelFilters {
  const start = new Int32Array(numMelFilters);
  const end = new Int32Array(numMelFilters);
  const offset = new Int32Array(numMelFilters);
  const runs: number[] = [];
  let binLimit = 0;
  for (let m = 0; m < numMelFilters; m++) {
    let first = -1;
    let last = -1;
    for (let bin = 0; bin < numFrequencyBins; bin++) {
      if (dense[bin * numMelFilters + m] !== 0) {
        if (first < 0) first = bin;
        last = bin;
      }
    }
    // An all-zero filter (too many mels for the FFT size) gets an empty run: its value
    // is 0, floored to 1e-10 like HF's.
    const from = first < 0 ? 0 : first;
    const to = first < 0 ? 0 : last + 1;
    start[m] = from;
    end[m] = to;
    offset[m] = runs.length;
    for (let bin = from; bin < to; bin++) runs.push(dense[bin * numMelFilters + m]!);
    if (to > binLimit) binLimit = to;
  }
  return {
    numMelFilters,
    numFrequencyBins,
    start,
    end,
    offset,
    weights: Float64Array.from(runs),
    binLimit,
  };
}
