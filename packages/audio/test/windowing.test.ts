import { InvalidValueError } from '@refractor/core';
import { describe, expect, it } from 'vitest';
import { CropPlanner, NumpyLegacyRandom, chunkGeometry, chunkStarts, downmix, placeChunk } from '../src/index.js';

describe('chunkGeometry', () => {
  it('converts seconds to samples like int(seconds * sr)', () => {
    expect(chunkGeometry()).toEqual({ chunkSamples: 1_440_000, strideSamples: 240_000, sampleRate: 48000 });
    expect(chunkGeometry({ chunkSizeS: 0.29, chunkStrideS: 2.5 })).toEqual({
      chunkSamples: 13919, // 0.29 * 48000 = 13919.999999999998 in binary, truncated as Python's int()
      strideSamples: 120000,
      sampleRate: 48000,
    });
  });

  it.each([
    [{ chunkSizeS: 0 }, /chunkSizeS is 0; expected a number of seconds > 0/],
    [{ chunkStrideS: -5 }, /chunkStrideS is -5/],
    [{ chunkStrideS: Number.NaN }, /chunkStrideS is NaN|chunkStrideS is null/],
    [{ chunkSizeS: 1e-9 }, /at least 1 sample/],
  ])('rejects %j', (options, message) => {
    expect(() => chunkGeometry(options)).toThrow(InvalidValueError);
    expect(() => chunkGeometry(options)).toThrow(message);
  });
});

describe('chunkStarts (the original semantics)', () => {
  const g = chunkGeometry({ chunkSizeS: 30, chunkStrideS: 5 }, 10); // 300-sample chunks, 50-sample stride

  it('gives one chunk for audio no longer than a chunk', () => {
    expect(chunkStarts(1, g)).toEqual([0]);
    expect(chunkStarts(299, g)).toEqual([0]);
    expect(chunkStarts(300, g)).toEqual([0]);
  });

  it('gives a chunk at every stride multiple while the start is before the end', () => {
    expect(chunkStarts(301, g)).toEqual([0, 50, 100, 150, 200, 250, 300]);
    expect(chunkStarts(400, g)).toEqual([0, 50, 100, 150, 200, 250, 300, 350]);
    expect(chunkStarts(401, g)).toEqual([0, 50, 100, 150, 200, 250, 300, 350, 400]);
  });

  it('places chunks in seconds, ending where the audio ends', () => {
    expect(placeChunk(7, 350, 400, g)).toEqual({ index: 7, startSample: 350, start_s: 35, end_s: 40 });
    expect(placeChunk(0, 0, 400, g)).toEqual({ index: 0, startSample: 0, start_s: 0, end_s: 30 });
  });
});

describe('crops', () => {
  it('reproduces numpy: np.random.seed(42); [np.random.randint(0, 960001) for _ in range(5)]', () => {
    const rng = new NumpyLegacyRandom(42);
    expect(Array.from({ length: 5 }, () => rng.randint(960001))).toEqual([121958, 671155, 131932, 365838, 259178]);
  });

  it('reproduces numpy for seed 0, a zero range (no draw) and the full 32-bit range', () => {
    const rng = new NumpyLegacyRandom(0);
    expect([rng.randint(960001), rng.randint(960001), rng.randint(960001)]).toEqual([305711, 435829, 117952]);
    expect(rng.randint(1)).toBe(0);
    expect(rng.randint(2 ** 32)).toBe(2588848963);
    expect(new NumpyLegacyRandom(7).randint(5)).toBe(4);
  });

  it('places start, center and seeded random crops', () => {
    const chunkRange = { min: 0, max: 960_000 }; // a 30 s chunk, a 10 s crop
    expect(new CropPlanner({ crop: 'start' }).pick(chunkRange)).toBe(0);
    expect(new CropPlanner({ crop: 'center' }).pick(chunkRange)).toBe(480000);
    expect(new CropPlanner({ crop: 'center' }).pick({ min: 0, max: 960_001 })).toBe(480000);
    expect(new CropPlanner({ crop: 'start' }).pick({ min: 334, max: 667 })).toBe(334);
    const random = new CropPlanner({ crop: 'random', seed: 42 });
    expect([random.pick(chunkRange), random.pick(chunkRange)]).toEqual([121958, 671155]);
    // np.random.choice over [10, 14] is 10 + randint(0, 5): seed 7 draws 4.
    expect(new CropPlanner({ crop: 'random', seed: 7 }).pick({ min: 10, max: 14 })).toBe(14);
  });

  it('rejects unknown modes and bad seeds', () => {
    expect(() => new CropPlanner({ crop: 'middle' as never })).toThrow(/crop is "middle"; expected one of start, center, random/);
    expect(() => new CropPlanner({ crop: 'random', seed: -1 })).toThrow(/seed is -1/);
    expect(() => new CropPlanner({ crop: 'random', seed: 1.5 })).toThrow(InvalidValueError);
  });
});

describe('downmix', () => {
  it('averages channels in float32 as numpy.mean(axis=0)', () => {
    const left = Float32Array.of(1, 0.1, -1);
    const right = Float32Array.of(0, 0.2, 1);
    expect(Array.from(downmix([left, right]))).toEqual([0.5, Math.fround(Math.fround(0.1) + Math.fround(0.2)) / 2, 0]);
    const third = Float32Array.of(0.3, 0.3, 0.3);
    const expected = [0, 1, 2].map((i) =>
      Math.fround(Math.fround(Math.fround(left[i]! + right[i]!) + third[i]!) / 3),
    );
    expect(Array.from(downmix([left, right, third]))).toEqual(expected);
  });

  it('returns mono input as is', () => {
    const mono = Float32Array.of(0.25, -0.25);
    expect(downmix([mono])).toBe(mono);
  });
});
