import { describe, expect, it } from 'vitest';
import { ClapFeatureExtractor, LARGER_CLAP_MUSIC_PREPROCESSOR } from '../src/features/index.js';
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

const CROP = 480_000;


describe('ClapFeatureExtractor (rand_trunc, larger_clap_music)', () => {
  const extractor = new ClapFeatureExtractor(LARGER_CLAP_MUSIC_PREPROCESSOR);

  it('has 1001 frames × 64 mel bins per 480 000-sample crop, 1 channel', () => {
    expect(extractor.frames).toBe(1001);
    expect(extractor.melBins).toBe(64);
    expect(extractor.cropSamples).toBe(480_000);
    expect(extractor.channels).toBe(1);
    const mel = extractor.logMel(seededNoise(CROP, 1));
    expect(mel).toBeInstanceOf(Float32Array);
    expect(mel.length).toBe(1001 * 64);
  });

  it('lays rows out [frame][mel]: a 440 Hz tone starting at 5 s lights low mels only from frame ~500', () => {
    const signal = Float32Array.from({ length: CROP }, (_, i) =>
      i < 240_000 ? 0 : Math.sin((2 * Math.PI * 440 * i) / 48_000),
    );
    const mel = extractor.logMel(signal);
    const at = (frame: number, bin: number): number => mel[frame * 64 + bin]!;
    expect(at(100, 8)).toBe(-100);
    expect(at(900, 8)).toBeGreaterThan(0);
    expect(at(900, 60)).toBeLessThan(at(900, 8) - 40);
  });

  it('writes into a caller buffer and reuses scratch without cross-talk', () => {
    const a = seededNoise(CROP, 2);
    const b = seededNoise(CROP, 3);
    const first = extractor.logMel(a);
    extractor.logMel(b);
    const out = new Float32Array(1001 * 64);
    expect(extractor.logMel(a, out)).toBe(out);
    expect(firstDifference(out, first)).toBe(-1);
    expect(() => extractor.logMel(a, new Float32Array(10))).toThrow(/out.length/);
    expect(() => extractor.logMel(a.subarray(1))).toThrow(/window.length/);
  });

  it('crops long audio at the given offset, defaulting to 0, and reports it', () => {
    const song = seededNoise(3 * CROP, 4);
    expect(extractor.offsetRanges(song.length)).toEqual({ truncation: 'rand_trunc', crop: { min: 0, max: 960_000 } });
    const offset = 123_457;
    const result = extractor.extract(song, { cropOffset: offset });
    const crop = song.subarray(offset, offset + CROP);
    expect(firstDifference(result.features, extractor.logMel(crop))).toBe(-1);
    expect(result).toMatchObject({ channels: 1, frames: 1001, melBins: 64, cropOffset: offset, padding: null });
    expect(result.isLonger).toBe(true);
    expect(result.longerThanCrop).toBe(true);
    const byDefault = extractor.extract(song);
    expect(byDefault.cropOffset).toBe(0);
    expect(firstDifference(byDefault.features, extractor.logMel(song.subarray(0, CROP)))).toBe(-1);
  });

  it('rejects crop offsets outside [0, n − 480 000]', () => {
    const song = seededNoise(CROP + 10, 5);
    expect(() => extractor.extract(song, { cropOffset: 11 })).toThrow(/options.cropOffset is 11; expected an integer in \[0, 10\]/);
    expect(() => extractor.extract(song, { cropOffset: 1.5 })).toThrow(/cropOffset/);
  });

  it('a waveform of exactly one crop is neither padded nor cropped', () => {
    const clip = seededNoise(CROP, 6);
    const result = extractor.extract(clip);
    expect(result).toMatchObject({ isLonger: false, longerThanCrop: false, padding: null, cropOffset: null });
    expect(firstDifference(result.features, extractor.logMel(clip))).toBe(-1);
    expect(extractor.offsetRanges(CROP)).toBeNull();
  });

  it('silence is exactly -100 dB everywhere', () => {
    expect(extractor.extract(new Float32Array(200_000)).features.every((x) => x === -100)).toBe(true);
  });

  it('rejects an empty waveform', () => {
    expect(() => extractor.extract(new Float32Array(0))).toThrow(/waveform.length/);
  });

  it('validates its config like the JSON parser, naming the field', () => {
    expect(() => new ClapFeatureExtractor({ ...LARGER_CLAP_MUSIC_PREPROCESSOR, hop_length: 0 })).toThrow(
      /ClapFeatureExtractor config: hop_length is 0/,
    );
    expect(() => new ClapFeatureExtractor({ ...LARGER_CLAP_MUSIC_PREPROCESSOR, nb_max_samples: 1 })).toThrow(
      /nb_max_samples/,
    );
  });

  it('rejects an unknown padding option', () => {
    const clip = seededNoise(1000, 7);
    expect(() => extractor.extract(clip, { padding: 'wrap' as never })).toThrow(/options.padding/);
  });
});
