import { describe, expect, it } from 'vitest';
import {
  ClapFeatureExtractor,
  LARGER_CLAP_MUSIC_PREPROCESSOR,
  bilinearShrinkFrames,
  fusionOffsetRanges,
  padToLength,
  type ClapFeatureConfig,
} from '../src/features/index.js';
import { seededNoise } from '@refractor/test-helpers';

/**
 * Index of the first element where `actual` and `expected` differ (−1: identical, −2:
 * lengths differ). vitest's deep `toEqual` takes seconds on 64 064-element typed arrays.
 */
function firstDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return -2;
  for (let i = 0; i < actual.length; i++) if (!Object.is(actual[i], expected[i])) return i;
  return -1;
}

const FUSION: ClapFeatureConfig = { ...LARGER_CLAP_MUSIC_PREPROCESSOR, truncation: 'fusion' };
const CROP = 480_000;
const FRAMES = 1001;
const MELS = 64;
const CHANNEL = FRAMES * MELS;


/** torch's float32 source position for output row i (align_corners=False), by hand. */
function torchPosition(srcFrames: number, dstFrames: number, i: number): number {
  const f = Math.fround;
  const scale = f(srcFrames / dstFrames);
  return Math.max(0, f(f(scale * f(i + 0.5)) - 0.5));
}

describe('bilinearShrinkFrames', () => {
  it('4 → 2 frames: scale 2, positions 0.5 and 2.5, so each output row averages two rows', () => {
    const source = new Float32Array([1, 10, 3, 30, 5, 50, 9, 90]); // 4 frames × 2 mels
    expect(Array.from(bilinearShrinkFrames(source, 4, 2, 2))).toEqual([2, 20, 7, 70]);
  });

  it('5 → 3 frames: the first position clamps at 0, the last row never reads past the end', () => {
    // scale = f32(5/3); positions: 0.5·s − 0.5 = 0.3333, 1.5·s − 0.5 = 2, 2.5·s − 0.5 = 3.6667
    const source = new Float32Array([0, 10, 20, 30, 40]); // 5 frames × 1 mel
    const out = bilinearShrinkFrames(source, 5, 1, 3);
    const p0 = torchPosition(5, 3, 0);
    const p2 = torchPosition(5, 3, 2);
    expect(p0).toBeCloseTo(1 / 3, 6);
    expect(torchPosition(5, 3, 1)).toBe(2);
    expect(out[0]).toBe(Math.fround(10 * p0));
    expect(out[1]).toBe(20);
    expect(out[2]).toBeCloseTo(30 + 10 * (p2 - 3), 5);
  });

  it('uses float32 positions: for a 4-minute song (24 001 → 1001 frames) it differs from float64 positions', () => {
    const srcFrames = 24_001;
    const source = Float32Array.from({ length: srcFrames }, (_, t) => ((t * 7919) % 101) - 50); // 1 mel
    const out = bilinearShrinkFrames(source, srcFrames, 1, FRAMES);
    let float64Differs = 0;
    for (let i = 0; i < FRAMES; i++) {
      const position = torchPosition(srcFrames, FRAMES, i);
      const row = Math.min(Math.floor(position), srcFrames - 1);
      const next = Math.min(row + 1, srcFrames - 1);
      const lambda = Math.fround(position - row);
      const expected = Math.fround(
        Math.fround(source[row]! * Math.fround(1 - lambda)) + Math.fround(source[next]! * lambda),
      );
      expect(out[i]).toBe(expected);
      const exactPosition = Math.max(0, (srcFrames / FRAMES) * (i + 0.5) - 0.5);
      const exactLambda = exactPosition - Math.floor(exactPosition);
      const float64Value = Math.fround(source[row]! * (1 - exactLambda) + source[next]! * exactLambda);
      if (float64Value !== out[i]) float64Differs++;
    }
    expect(float64Differs).toBeGreaterThan(100);
  });
});

describe('fusionOffsetRanges (np.array_split into thirds)', () => {
  it('splits the valid offsets like numpy, the first count % 3 parts one longer', () => {
    expect(fusionOffsetRanges(1005, 1001)).toEqual([
      { min: 0, max: 1 },
      { min: 2, max: 3 },
      { min: 4, max: 4 },
    ]);
    expect(fusionOffsetRanges(1001 + 8, 1001)).toEqual([
      { min: 0, max: 2 },
      { min: 3, max: 5 },
      { min: 6, max: 8 },
    ]);
  });

  it('replaces an empty middle/back third by [0], as HF does', () => {
    expect(fusionOffsetRanges(1002, 1001)).toEqual([
      { min: 0, max: 0 },
      { min: 1, max: 1 },
      { min: 0, max: 0 },
    ]);
  });

  it('is null when there is nothing to choose', () => {
    expect(fusionOffsetRanges(1001, 1001)).toBeNull();
  });
});

describe('extract() with truncation "fusion"', () => {
  const extractor = new ClapFeatureExtractor(FUSION);

  it('long audio: [shrunk whole-song mel, front, middle, back] at the given frame offsets', () => {
    const song = seededNoise(720_000, 11); // 15 s → 1501 frames → 501 offsets
    const total = 1501;
    const ranges = extractor.offsetRanges(song.length);
    expect(ranges).toEqual({
      truncation: 'fusion',
      totalFrames: total,
      fusion: [
        { min: 0, max: 166 },
        { min: 167, max: 333 },
        { min: 334, max: 500 },
      ],
    });
    const offsets = [5, 200, 500] as const;
    const result = extractor.extract(song, { fusionOffsets: offsets });
    expect(result.channels).toBe(4);
    expect(result.features.length).toBe(4 * CHANNEL);
    expect(result.isLonger).toBe(true);
    expect(result.longerThanCrop).toBe(true);
    expect(result.fusionOffsets).toEqual(offsets);

    const whole = extractor.logMelSpectrogram(song);
    expect(whole.length).toBe(total * MELS);
    const shrunk = bilinearShrinkFrames(whole, total, MELS, FRAMES);
    expect(firstDifference(result.features.subarray(0, CHANNEL), shrunk)).toBe(-1);
    offsets.forEach((offset, k) => {
      const channel = result.features.subarray((k + 1) * CHANNEL, (k + 2) * CHANNEL);
      expect(firstDifference(channel, whole.subarray(offset * MELS, offset * MELS + CHANNEL))).toBe(-1);
    });
  });

  it('defaults to the start of each third and rejects offsets outside their third', () => {
    const song = seededNoise(720_000, 12);
    expect(extractor.extract(song).fusionOffsets).toEqual([0, 167, 334]);
    expect(() => extractor.extract(song, { fusionOffsets: [0, 100, 400] })).toThrow(/fusionOffsets\[1\]/);
  });

  it('short audio: the padded crop HTK mel stacked 4 times; HF still reports is_longer = True', () => {
    const clip = seededNoise(100_000, 13);
    const result = extractor.extract(clip);
    const mel = extractor.logMel(padToLength(clip, CROP, 'repeatpad'));
    for (let c = 0; c < 4; c++) {
      expect(firstDifference(result.features.subarray(c * CHANNEL, (c + 1) * CHANNEL), mel)).toBe(-1);
    }
    expect(result.longerThanCrop).toBe(false);
    expect(result.isLonger).toBe(true); // HF flags one item of an all-short batch
    expect(result.fusionOffsets).toBeNull();
  });

  it('longer than a crop by less than one hop: the mel of all samples, 4 times, not "longer"', () => {
    const clip = seededNoise(CROP + 300, 14);
    const result = extractor.extract(clip);
    const mel = extractor.logMelSpectrogram(clip);
    expect(mel.length).toBe(CHANNEL);
    for (let c = 0; c < 4; c++) {
      expect(firstDifference(result.features.subarray(c * CHANNEL, (c + 1) * CHANNEL), mel)).toBe(-1);
    }
    expect(result.longerThanCrop).toBe(false);
    expect(extractor.offsetRanges(clip.length)).toBeNull();
  });

  it('uses the HTK bank, not the Slaney one', () => {
    const clip = seededNoise(CROP, 15);
    const slaney = new ClapFeatureExtractor(LARGER_CLAP_MUSIC_PREPROCESSOR).logMel(clip);
    expect(firstDifference(extractor.logMel(clip), slaney)).toBeGreaterThanOrEqual(0);
  });
});
