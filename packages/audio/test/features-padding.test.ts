import { describe, expect, it } from 'vitest';
import {
  ClapFeatureExtractor,
  LARGER_CLAP_MUSIC_PREPROCESSOR,
  padToLength,
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

const CROP = 480_000;

/** A clip with no zero samples, so any zero in the output is padding. */
function rampClip(length: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => 1 + (i % 997) / 997);
}

function expectCopies(padded: Float32Array, clip: Float32Array, copies: number): void {
  for (let c = 0; c < copies; c++) {
    expect(firstDifference(padded.subarray(c * clip.length, (c + 1) * clip.length), clip)).toBe(-1);
  }
}

describe('padToLength', () => {
  it('repeatpad, n divides the crop (120 000): exactly 4 copies and no zeros (transformers.js drops one)', () => {
    const clip = rampClip(120_000);
    const padded = padToLength(clip, CROP, 'repeatpad');
    expectCopies(padded, clip, 4);
    expect(padded.every((x) => x !== 0)).toBe(true);
  });

  it('repeatpad, n = 100 000: floor(480 000 / n) = 4 copies, then 80 000 zeros', () => {
    const clip = rampClip(100_000);
    const padded = padToLength(clip, CROP, 'repeatpad');
    expectCopies(padded, clip, 4);
    expect(padded.subarray(400_000).every((x) => x === 0)).toBe(true);
    expect(padded[399_999]).not.toBe(0);
  });

  it('repeat, n = 100 000: 4 copies, then the clip again cut at the crop length', () => {
    const clip = rampClip(100_000);
    const padded = padToLength(clip, CROP, 'repeat');
    expectCopies(padded, clip, 4);
    expect(firstDifference(padded.subarray(400_000), clip.subarray(0, 80_000))).toBe(-1);
  });

  it('pad: the clip, then zeros', () => {
    const clip = rampClip(100_000);
    const padded = padToLength(clip, CROP, 'pad');
    expect(firstDifference(padded.subarray(0, 100_000), clip)).toBe(-1);
    expect(padded.subarray(100_000).every((x) => x === 0)).toBe(true);
  });

  it('a clip of exactly the crop length is unchanged in every mode', () => {
    const clip = rampClip(CROP);
    for (const mode of ['repeatpad', 'repeat', 'pad'] as const) {
      expect(firstDifference(padToLength(clip, CROP, mode), clip)).toBe(-1);
    }
  });

  it('overwrites a reused buffer completely (no stale samples)', () => {
    const out = new Float32Array(CROP).fill(7);
    padToLength(rampClip(300_000), CROP, 'repeatpad', out);
    expect(out.subarray(300_000).every((x) => x === 0)).toBe(true);
  });

  it('rejects empty and over-long clips', () => {
    expect(() => padToLength(new Float32Array(0), CROP, 'pad')).toThrow(/waveform.length/);
    expect(() => padToLength(new Float32Array(CROP + 1), CROP, 'pad')).toThrow(/waveform.length/);
  });
});

describe('extract() on short audio', () => {
  const extractor = new ClapFeatureExtractor(LARGER_CLAP_MUSIC_PREPROCESSOR);

  it("uses the config's repeatpad by default and reports it", () => {
    const clip = rampClip(120_000);
    const result = extractor.extract(clip);
    expect(result.padding).toBe('repeatpad');
    expect(result.isLonger).toBe(false);
    expect(result.longerThanCrop).toBe(false);
    expect(result.cropOffset).toBeNull();
    const padded = padToLength(clip, CROP, 'repeatpad');
    expect(firstDifference(result.features, extractor.logMel(padded))).toBe(-1);
  });

  it("honours a padding override ('pad' = the original wrapper's padding=True)", () => {
    const clip = rampClip(100_000);
    const zeroPadded = extractor.extract(clip, { padding: 'pad' });
    expect(zeroPadded.padding).toBe('pad');
    expect(firstDifference(zeroPadded.features, extractor.logMel(padToLength(clip, CROP, 'pad')))).toBe(-1);
    // Frames past the clip (+ one window) see only zeros: −100 dB.
    expect(zeroPadded.features.subarray(300 * 64).every((x) => x === -100)).toBe(true);
    expect(firstDifference(extractor.extract(clip).features, zeroPadded.features)).toBeGreaterThanOrEqual(0);
  });
});
