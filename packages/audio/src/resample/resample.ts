import { StreamingResampler } from './streaming-resampler.js';

/**
 * Resamples a whole mono buffer from `inputRate` to `outputRate` (Hz). Same result, bit for bit,
 * as streaming it through a {@link StreamingResampler}; the output has exactly
 * ceil(input.length · outputRate / inputRate) samples, sample k at time k / outputRate.
 * Equal rates return a copy of the input.
 *
 * @throws InvalidValueError naming `inputRate` or `outputRate` unless both are integers in
 *   1000 … 768000 with outputRate ≥ inputRate / 16.
 * @example
 * const at48k = resample(decoded, 44100, 48000);
 */
export function resample(input: Float32Array, inputRate: number, outputRate: number): Float32Array {
  return new StreamingResampler(inputRate, outputRate).flush(input);
}
