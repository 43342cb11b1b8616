import { kaiserSinc, type KaiserLowpass } from './kaiser.js';

/**
 * Polyphase coefficient tables: the lowpass sampled at the fractional offsets the resampler visits.
 *
 * Output sample k lies at input position x = k·M/L = i + p/L (i whole, p the phase, 0 ≤ p < L) and
 * is Σ_t in[i − K/2 + 1 + t] · h(p/L + K/2 − 1 − t) over t = 0 … K−1, so row p holds those K values
 * (newest input last). Because h is symmetric and centred on x, output k is exactly the band-limited
 * signal at time k/outputRate: no group delay to compensate.
 *
 * - Exact tables (L rows) when L·K is moderate: every phase the ratio can produce, precomputed.
 * - Interpolated tables for huge L (e.g. 47999 → 48000 Hz has L = 48000): rows at frac = q/P for
 *   q = 0 … P, and the kernel blends rows q and q+1 linearly. Linear interpolation of h between
 *   P-spaced points leaves replicas of the passband near multiples of P·inputRate, attenuated by
 *   about (0.5/P)² (sinc² of the interpolating triangle); P = 2048 puts them below −138 dB.
 *
 * Each row is normalised to sum to exactly 1 (in float64, before rounding to float32), so a
 * constant input gives that constant at every phase. The unnormalised sums differ from 1 by the
 * response at multiples of the input rate, deep in the stopband, so the correction only adds
 * stopband-level terms (about −120 dB; the worst stopband level of the 44.1 kHz table moves from
 * −105.0 to −103.6 dB).
 */
export interface PolyphaseTable {
  /** rows × tapsPerPhase coefficients, row-major, float32 (measured as fast as float64, half the memory). */
  readonly coefficients: Float32Array;
  /** K, taps per output sample. */
  readonly tapsPerPhase: number;
  /** Number of rows: L (exact) or P + 1 (interpolated). */
  readonly rows: number;
  /** Whether phases are blended from rows q = floor(p·P/L) and q + 1 instead of looked up. */
  readonly interpolated: boolean;
  /** Rows per input sample: L (exact) or P (interpolated). */
  readonly rowsPerSample: number;
}

/** Largest exact table, in coefficients (2 MiB of float32); beyond it we interpolate. */
export const MAX_EXACT_COEFFICIENTS = 1 << 19;
/** P, the rows per input sample of an interpolated table. */
export const INTERPOLATED_ROWS_PER_SAMPLE = 2048;

/**
 * Builds the table for a ratio with `phases` = L distinct output phases.
 *
 * @example
 * const table = buildPolyphaseTable(designKaiserLowpass(20000 / 44100, 28000 / 44100), 160);
 * table.rows; // 160
 */
export function buildPolyphaseTable(lowpass: KaiserLowpass, phases: number): PolyphaseTable {
  const taps = lowpass.tapsPerPhase;
  const interpolated = phases * taps > MAX_EXACT_COEFFICIENTS && phases > INTERPOLATED_ROWS_PER_SAMPLE;
  const rowsPerSample = interpolated ? INTERPOLATED_ROWS_PER_SAMPLE : phases;
  const rows = interpolated ? rowsPerSample + 1 : rowsPerSample;
  const coefficients = new Float32Array(rows * taps);
  const row = new Float64Array(taps);
  for (let r = 0; r < rows; r++) {
    const frac = r / rowsPerSample;
    let sum = 0;
    for (let t = 0; t < taps; t++) {
      row[t] = kaiserSinc(lowpass, frac + taps / 2 - 1 - t);
      sum += row[t];
    }
    for (let t = 0; t < taps; t++) coefficients[r * taps + t] = row[t] / sum;
  }
  return { coefficients, tapsPerPhase: taps, rows, interpolated, rowsPerSample };
}
