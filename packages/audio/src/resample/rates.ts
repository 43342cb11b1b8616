import { InvalidValueError } from '@refractor/core';

/** Lowest sample rate (Hz) the resampler accepts, for input and output alike. */
export const MIN_SAMPLE_RATE = 1000;
/** Highest sample rate (Hz) the resampler accepts; above it the filter grows past any sensible size. */
export const MAX_SAMPLE_RATE = 768_000;

/**
 * Throws {@link InvalidValueError} naming `field` unless `rate` is an integer number of Hz
 * in [{@link MIN_SAMPLE_RATE}, {@link MAX_SAMPLE_RATE}].
 *
 * Integers are required because the resampler works on the exact ratio
 * outputRate / inputRate; decoders always report integral rates.
 *
 * @example
 * assertSampleRate(44100, 'inputRate'); // ok
 * assertSampleRate(0, 'inputRate');
 * // throws "inputRate is 0; expected an integer sample rate in Hz from 1000 to 768000"
 */
export function assertSampleRate(rate: number, field: string): void {
  if (typeof rate !== 'number' || !Number.isInteger(rate) || rate < MIN_SAMPLE_RATE || rate > MAX_SAMPLE_RATE) {
    throw new InvalidValueError(
      field,
      rate,
      `an integer sample rate in Hz from ${MIN_SAMPLE_RATE} to ${MAX_SAMPLE_RATE}`,
    );
  }
}

/**
 * Largest inputRate / outputRate accepted. The transition band is fixed in Hz by the output rate,
 * so downsampling by r needs up to ~64·r taps per output (low output rates, where the transition
 * is 10 % of the output rate); the cap keeps that under ~1024 taps and a table under ~8 MiB.
 * 384 kHz → 48 kHz is a ratio of 8 (308 taps).
 */
export const MAX_DOWNSAMPLING_RATIO = 16;

/**
 * Throws {@link InvalidValueError} naming `outputRate` when it is below inputRate /
 * {@link MAX_DOWNSAMPLING_RATIO} (both rates already valid).
 *
 * @example
 * assertDownsamplingRatio(384000, 48000); // ok: ratio 8
 * assertDownsamplingRatio(768000, 8000); // throws "outputRate is 8000; expected at least inputRate / 16 = 48000"
 */
export function assertDownsamplingRatio(inputRate: number, outputRate: number): void {
  if (inputRate > MAX_DOWNSAMPLING_RATIO * outputRate) {
    throw new InvalidValueError(
      'outputRate',
      outputRate,
      `at least inputRate / ${MAX_DOWNSAMPLING_RATIO} = ${Math.ceil(inputRate / MAX_DOWNSAMPLING_RATIO)}`,
    );
  }
}

/** outputRate / inputRate in lowest terms: `up` output samples for every `down` input samples. */
export interface RateRatio {
  /** L: output samples per period, and the number of distinct filter phases. */
  readonly up: number;
  /** M: input samples per period. */
  readonly down: number;
}

/**
 * Reduces outputRate / inputRate by their greatest common divisor.
 *
 * @example
 * reduceRatio(44100, 48000); // { up: 160, down: 147 }
 */
export function reduceRatio(inputRate: number, outputRate: number): RateRatio {
  const divisor = gcd(inputRate, outputRate);
  return { up: outputRate / divisor, down: inputRate / divisor };
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * ceil(a / b) for non-negative integers a, b with a < 2^53, exact: the float quotient can round
 * onto an integer when the true quotient lies just above it, so correct with the remainder.
 */
export function ceilDiv(a: number, b: number): number {
  let quotient = Math.floor(a / b);
  let remainder = a - quotient * b;
  while (remainder < 0) {
    quotient -= 1;
    remainder += b;
  }
  while (remainder >= b) {
    quotient += 1;
    remainder -= b;
  }
  return remainder > 0 ? quotient + 1 : quotient;
}
