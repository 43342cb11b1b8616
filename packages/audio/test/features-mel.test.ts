import { describe, expect, it } from 'vitest';
import {
  hertzToMel,
  melFilterBank,
  melToHertz,
  powerToDb,
  sparsifyMelFilters,
  type MelFilterBankOptions,
} from '../src/features/index.js';

/**
 * Index of the first element where `actual` and `expected` differ (−1: identical, −2:
 * lengths differ). vitest's deep `toEqual` takes seconds on 64 064-element typed arrays.
 */
function firstDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return -2;
  for (let i = 0; i < actual.length; i++) if (!Object.is(actual[i], expected[i])) return i;
  return -1;
}

const SLANEY: MelFilterBankOptions = {
  numFrequencyBins: 513,
  numMelFilters: 64,
  minFrequency: 50,
  maxFrequency: 14_000,
  samplingRate: 48_000,
  norm: 'slaney',
  melScale: 'slaney',
};
const HTK: MelFilterBankOptions = { ...SLANEY, norm: null, melScale: 'htk' };

describe('hertzToMel / melToHertz', () => {
  it('Slaney: linear below 1 kHz (3 mels per 200 Hz), 15 mels at 1 kHz, +27 mels per ×6.4 above', () => {
    expect(hertzToMel(0, 'slaney')).toBe(0);
    expect(hertzToMel(200, 'slaney')).toBeCloseTo(3, 12);
    expect(hertzToMel(500, 'slaney')).toBeCloseTo(7.5, 12);
    expect(hertzToMel(1000, 'slaney')).toBe(15);
    expect(hertzToMel(6400, 'slaney')).toBeCloseTo(42, 12);
    expect(hertzToMel(14_000, 'slaney')).toBeCloseTo(15 + (27 * Math.log(14)) / Math.log(6.4), 12);
  });

  it('HTK: 2595·log10(1 + f/700)', () => {
    expect(hertzToMel(0, 'htk')).toBe(0);
    expect(hertzToMel(700, 'htk')).toBeCloseTo(2595 * Math.log10(2), 10);
    expect(hertzToMel(1000, 'htk')).toBeCloseTo(999.9855, 3);
    expect(hertzToMel(14_000, 'htk')).toBeCloseTo(2595 * Math.log10(21), 10);
  });

  it('melToHertz inverts hertzToMel on both scales', () => {
    for (const scale of ['slaney', 'htk'] as const) {
      for (const hz of [0, 50, 440, 999.5, 1000, 1000.5, 6400, 14_000, 24_000]) {
        expect(melToHertz(hertzToMel(hz, scale), scale)).toBeCloseTo(hz, 8);
      }
    }
    expect(melToHertz(15, 'slaney')).toBe(1000);
  });
});

describe('melFilterBank', () => {
  it('is [bin][mel], 513 × 64, non-negative, every filter non-empty', () => {
    for (const options of [SLANEY, HTK]) {
      const bank = melFilterBank(options);
      expect(bank.length).toBe(513 * 64);
      expect(bank.every((w) => w >= 0)).toBe(true);
      for (let m = 0; m < 64; m++) {
        let peak = 0;
        for (let k = 0; k < 513; k++) peak = Math.max(peak, bank[k * 64 + m]!);
        expect(peak).toBeGreaterThan(0);
      }
    }
  });

  it('HTK triangles peak at <= 1 and reach ~1 where a bin sits on the center', () => {
    const bank = melFilterBank(HTK);
    let highest = 0;
    for (const w of bank) highest = Math.max(highest, w);
    expect(highest).toBeLessThanOrEqual(1);
    expect(highest).toBeGreaterThan(0.9);
  });

  it('first Slaney filter by hand: edges 50 Hz → 0.75·(50 + Δ) … with weight 2/(right − left) at the center', () => {
    const bank = melFilterBank(SLANEY);
    // Edges: mels evenly spaced from mel(50 Hz) = 0.75 to mel(14 kHz), 66 of them.
    const low = 0.75;
    const high = 15 + (27 * Math.log(14)) / Math.log(6.4);
    const step = (high - low) / 65;
    const edge = (i: number): number => melToHertz(low + i * step, 'slaney');
    const [left, center, right] = [edge(0), edge(1), edge(2)];
    expect(left).toBeCloseTo(50, 9);
    // Bins are 46.875 Hz apart; bin 2 (93.75 Hz) is on the rising side of filter 0.
    const f = 2 * 46.875;
    const expected = (((f - left) / (center - left)) * 2) / (right - left);
    expect(f).toBeGreaterThan(left);
    expect(f).toBeLessThan(center);
    expect(bank[2 * 64 + 0]).toBeCloseTo(expected, 12);
    // Nothing at or below the lowest edge.
    expect(bank[0 * 64 + 0]).toBe(0);
    expect(bank[1 * 64 + 0]).toBe(0);
  });

  it('nothing above 14 kHz: bins from 299 (14 015.6 Hz) up are all zero', () => {
    for (const options of [SLANEY, HTK]) {
      const bank = melFilterBank(options);
      expect(bank.subarray(298 * 64, 299 * 64).some((w) => w > 0)).toBe(true);
      expect(bank.subarray(299 * 64).every((w) => w === 0)).toBe(true);
    }
  });
});

describe('sparsifyMelFilters', () => {
  it('holds exactly the dense weights as contiguous runs, and binLimit = 299 for 50 Hz–14 kHz', () => {
    for (const options of [SLANEY, HTK]) {
      const dense = melFilterBank(options);
      const sparse = sparsifyMelFilters(dense, 513, 64);
      expect(sparse.binLimit).toBe(299);
      const rebuilt = new Float64Array(513 * 64);
      for (let m = 0; m < 64; m++) {
        for (let k = sparse.start[m]!; k < sparse.end[m]!; k++) {
          rebuilt[k * 64 + m] = sparse.weights[sparse.offset[m]! + k - sparse.start[m]!]!;
        }
      }
      expect(firstDifference(rebuilt, dense)).toBe(-1);
      // ~2 filters per bin: a few hundred weights, not 513 × 64.
      expect(sparse.weights.length).toBeLessThan(700);
    }
  });
});

describe('powerToDb', () => {
  it('is 10·log10(max(x, 1e-10)): floor −100 dB (exact in float32), 0 dB at 1, +10 dB per decade', () => {
    expect(Math.fround(powerToDb(0))).toBe(-100);
    expect(Math.fround(powerToDb(1e-12))).toBe(-100);
    expect(powerToDb(1)).toBe(0);
    for (const x of [1e-9, 3.7e-4, 0.5, 2, 1234.5]) expect(powerToDb(x)).toBeCloseTo(10 * Math.log10(x), 12);
  });
});
