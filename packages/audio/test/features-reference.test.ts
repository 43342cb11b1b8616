/**
 * The CLAP log-mel against an independent float64 reference written from the formulas:
 * a direct DFT (no FFT) of each reflect-padded, Hann-windowed frame, mel filter banks
 * built from the Slaney/HTK definitions, and 10·log10(max(x, 1e-10)). Only a subset
 * of frames is checked (a direct DFT is O(n²)), always including both edges.
 */
import { describe, expect, it } from 'vitest';
import {
  ClapFeatureExtractor,
  LARGER_CLAP_MUSIC_PREPROCESSOR,
  type ClapFeatureConfig,
} from '../src/features/index.js';

const SR = 48_000;
const N_FFT = 1024;
const HOP = 480;
const N_MELS = 64;
const CROP = 480_000;
const FRAMES = 1001;
const TOLERANCE_DB = 1e-3;

// ---- test signals ----------------------------------------------------------------

/** mulberry32: small seeded PRNG, so the noise is the same on every run. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function whiteNoise(length: number, seed: number, amplitude: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length }, () => amplitude * (2 * random() - 1));
}

/** Exponential sine sweep 20 Hz → 20 kHz over the whole signal. */
function logSweep(length: number): Float32Array {
  const duration = length / SR;
  const k = Math.log(20_000 / 20);
  return Float32Array.from({ length }, (_, i) => {
    const t = i / SR;
    return 0.8 * Math.sin(((2 * Math.PI * 20 * duration) / k) * (Math.exp((t / duration) * k) - 1));
  });
}

function twoTone(length: number): Float32Array {
  return Float32Array.from(
    { length },
    (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / SR) + 0.25 * Math.sin((2 * Math.PI * 6000 * i) / SR),
  );
}

// ---- the reference, straight from the definitions ------------------------------------

type Scale = 'slaney' | 'htk';

function hzToMel(hz: number, scale: Scale): number {
  if (scale === 'htk') return 2595 * Math.log10(1 + hz / 700);
  // Slaney: linear, 200/3 Hz per mel, below 1 kHz; logarithmic, 27 mels per ×6.4, above.
  return hz < 1000 ? hz / (200 / 3) : 15 + (27 * Math.log(hz / 1000)) / Math.log(6.4);
}

function melToHz(mel: number, scale: Scale): number {
  if (scale === 'htk') return 700 * (10 ** (mel / 2595) - 1);
  return mel < 15 ? (mel * 200) / 3 : 1000 * 6.4 ** ((mel - 15) / 27);
}

/** weights[m][k]: triangle m evaluated at bin k's frequency k·sr/n_fft. */
function referenceFilterBank(scale: Scale, slaneyNorm: boolean): number[][] {
  const lowMel = hzToMel(50, scale);
  const highMel = hzToMel(14_000, scale);
  const edges = Array.from({ length: N_MELS + 2 }, (_, i) =>
    melToHz(lowMel + ((highMel - lowMel) * i) / (N_MELS + 1), scale),
  );
  return Array.from({ length: N_MELS }, (_, m) => {
    const [left, center, right] = [edges[m]!, edges[m + 1]!, edges[m + 2]!];
    return Array.from({ length: N_FFT / 2 + 1 }, (_, k) => {
      const f = (k * SR) / N_FFT;
      const rising = (f - left) / (center - left);
      const falling = (right - f) / (right - center);
      const triangle = Math.max(0, Math.min(rising, falling));
      return slaneyNorm ? (triangle * 2) / (right - left) : triangle;
    });
  });
}

const COS = Float64Array.from({ length: N_FFT }, (_, j) => Math.cos((2 * Math.PI * j) / N_FFT));
const SIN = Float64Array.from({ length: N_FFT }, (_, j) => Math.sin((2 * Math.PI * j) / N_FFT));

/** Power spectrum of frame t by a direct DFT, reflect padding by hand, periodic Hann. */
function referencePower(signal: Float32Array, t: number, bins: number): Float64Array {
  const frame = new Float64Array(N_FFT);
  for (let j = 0; j < N_FFT; j++) {
    let index = t * HOP + j - N_FFT / 2;
    if (index < 0) index = -index;
    if (index >= signal.length) index = 2 * (signal.length - 1) - index;
    const hann = 0.5 - 0.5 * Math.cos((2 * Math.PI * j) / N_FFT);
    frame[j] = signal[index]! * hann;
  }
  const power = new Float64Array(bins);
  for (let k = 0; k < bins; k++) {
    let re = 0;
    let im = 0;
    for (let j = 0; j < N_FFT; j++) {
      const phase = (j * k) % N_FFT;
      re += frame[j]! * COS[phase]!;
      im -= frame[j]! * SIN[phase]!;
    }
    power[k] = re * re + im * im;
  }
  return power;
}

function referenceLogMelRow(signal: Float32Array, t: number, bank: number[][]): number[] {
  const power = referencePower(signal, t, N_FFT / 2 + 1);
  return bank.map((weights) => {
    let sum = 0;
    weights.forEach((w, k) => (sum += w * power[k]!));
    return 10 * Math.log10(Math.max(sum, 1e-10));
  });
}

const FRAMES_CHECKED = [0, 1, 2, 3, 137, 500, 501, 777, 997, 998, 999, 1000];

function maxDiffDb(
  signal: Float32Array,
  config: ClapFeatureConfig,
  bank: number[][],
  referenceSignal: Float32Array = signal,
): number {
  const extractor = new ClapFeatureExtractor(config);
  const mel = extractor.logMel(signal);
  expect(mel).toBeInstanceOf(Float32Array);
  expect(mel.length).toBe(FRAMES * N_MELS);
  let worst = 0;
  for (const t of FRAMES_CHECKED) {
    const row = referenceLogMelRow(referenceSignal, t, bank);
    row.forEach((expected, m) => {
      worst = Math.max(worst, Math.abs(mel[t * N_MELS + m]! - expected));
    });
  }
  return worst;
}

const SIGNALS: ReadonlyArray<readonly [string, Float32Array]> = [
  ['log sine sweep', logSweep(CROP)],
  ['seeded white noise', whiteNoise(CROP, 1234, 0.5)],
  ['two tones (440 Hz + 6 kHz)', twoTone(CROP)],
  ['quiet noise near the floor (-80 dBFS)', whiteNoise(CROP, 99, 1e-4)],
];

describe('logMel vs an independent float64 reference (direct DFT, mel banks from the formulas)', () => {
  const slaney = referenceFilterBank('slaney', true);
  const htk = referenceFilterBank('htk', false);
  const fusionConfig: ClapFeatureConfig = { ...LARGER_CLAP_MUSIC_PREPROCESSOR, truncation: 'fusion' };

  for (const [name, signal] of SIGNALS) {
    it(`rand_trunc (Slaney scale + norm), ${name}: max |Δ| <= 1e-3 dB`, () => {
      expect(maxDiffDb(signal, LARGER_CLAP_MUSIC_PREPROCESSOR, slaney)).toBeLessThanOrEqual(TOLERANCE_DB);
    });
    it(`fusion (HTK scale, no norm), ${name}: max |Δ| <= 1e-3 dB`, () => {
      expect(maxDiffDb(signal, fusionConfig, htk)).toBeLessThanOrEqual(TOLERANCE_DB);
    });
  }

  it('silence is exactly -100 dB everywhere', () => {
    const mel = new ClapFeatureExtractor(LARGER_CLAP_MUSIC_PREPROCESSOR).logMel(new Float32Array(CROP));
    expect(mel.every((value) => value === -100)).toBe(true);
  });

  it('the reference is sharp enough to catch a wrong detail (HTK bank on a Slaney config)', () => {
    // Guards against a reference so loose it would pass anything.
    const signal = SIGNALS[1]![1];
    expect(maxDiffDb(signal, LARGER_CLAP_MUSIC_PREPROCESSOR, htk)).toBeGreaterThan(1);
    const shifted = new Float32Array(CROP);
    shifted.set(signal.subarray(1), 0); // off by one sample
    expect(maxDiffDb(shifted, LARGER_CLAP_MUSIC_PREPROCESSOR, slaney, signal)).toBeGreaterThan(TOLERANCE_DB);
  });
});
