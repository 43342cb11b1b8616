// Frame sharing between overlapping crops (CropFrameCache, ChunkFeaturizer's shareFrames) must
// give features bit-identical to computing every crop on its own (the unshared path, which
// the feature-reference tests tie to Hugging Face's extractor). Every comparison here is
// bit for bit (the float32 words), never within a tolerance.
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ChunkFeaturizer,
  ClapFeatureExtractor,
  CropFrameCache,
  LARGER_CLAP_MUSIC_PREPROCESSOR,
  chunkGeometry,
  downmix,
  sharesCropFrames,
  type ChunkFeatures,
  type SongFeatureOptions,
} from '../src/index.js';
import { chosenTracks, decodeCorpusTrack } from './corpus.js';

const extractor = new ClapFeatureExtractor(LARGER_CLAP_MUSIC_PREPROCESSOR);
const fusion = new ClapFeatureExtractor({ ...LARGER_CLAP_MUSIC_PREPROCESSOR, truncation: 'fusion' });

/** Deterministic audio with structure in time and frequency (xorshift noise + a sweep + bursts). */
function testSignal(seconds: number, rate: number, seed = 1): Float32Array {
  const signal = new Float32Array(Math.round(seconds * rate));
  let state = seed >>> 0 || 1;
  for (let i = 0; i < signal.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const t = i / rate;
    const burst = t % 2.3 < 0.4 ? 0.3 : 0;
    signal[i] = 0.4 * Math.sin(2 * Math.PI * 200 * (Math.exp(t * 0.05) - 1) * 20) + ((state >>> 0) / 4294967296 - 0.5) * (0.05 + burst);
  }
  return signal;
}

/** Runs a song through a ChunkFeaturizer in blocks of `block` samples. */
function featurize(
  mono: Float32Array,
  rate: number,
  options: SongFeatureOptions,
  block = 65_536,
  clap = extractor,
): { chunks: ChunkFeatures[]; stats: { computed: number; reused: number } | null } {
  const featurizer = new ChunkFeaturizer(clap, rate, options);
  const chunks: ChunkFeatures[] = [];
  for (let at = 0; at < mono.length; at += block) chunks.push(...featurizer.push(mono.subarray(at, at + block)));
  chunks.push(...featurizer.finish().chunks);
  return { chunks, stats: featurizer.frameStats };
}

/** Index of the first float32 word that differs between two chunk lists' features, or null. */
function firstDifference(a: ChunkFeatures[], b: ChunkFeatures[]): string | null {
  if (a.length !== b.length) return `${a.length} chunks vs ${b.length}`;
  for (let c = 0; c < a.length; c++) {
    const x = new Uint32Array(a[c]!.features.buffer, a[c]!.features.byteOffset, a[c]!.features.length);
    const y = new Uint32Array(b[c]!.features.buffer, b[c]!.features.byteOffset, b[c]!.features.length);
    if (x.length !== y.length) return `chunk ${c}: ${x.length} values vs ${y.length}`;
    for (let i = 0; i < x.length; i++) {
      if (x[i] !== y[i]) return `chunk ${c}, frame ${Math.floor(i / 64)}, mel ${i % 64}: ${a[c]!.features[i]} vs ${b[c]!.features[i]}`;
    }
    if (a[c]!.cropOffset !== b[c]!.cropOffset || a[c]!.startSample !== b[c]!.startSample) return `chunk ${c}: placement differs`;
  }
  return null;
}

/** Shared vs unshared on one song; returns the shared run's frame statistics. */
function expectIdentical(mono: Float32Array, rate: number, options: SongFeatureOptions, block?: number, clap?: ClapFeatureExtractor) {
  const unshared = featurize(mono, rate, { ...options, shareFrames: false }, block, clap);
  const shared = featurize(mono, rate, options, block, clap);
  expect(unshared.stats).toBeNull();
  expect(firstDifference(shared.chunks, unshared.chunks)).toBeNull();
  expect(shared.chunks.length).toBeGreaterThan(0);
  return shared.stats;
}

describe('CropFrameCache', () => {
  it('gives each crop exactly extractor.logMel(crop), across hop grids and audio ends', () => {
    const song = testSignal(40, 48000, 7);
    const crop = extractor.cropSamples;
    const cache = new CropFrameCache(extractor);
    const window = new Float32Array(crop);
    // In song order: same grid (shares), a start off the grid (resets), back on a grid, tail crops.
    const starts = [0, 240_000, 480_000, 480_007, 720_007, 960_000, 1_200_000, 1_440_000];
    for (const start of starts) {
      window.fill(0);
      window.set(song.subarray(start, Math.min(start + crop, song.length)));
      const got = cache.logMel(window, start, song.length);
      expect(new Uint32Array(got.buffer)).toEqual(new Uint32Array(extractor.logMel(window).buffer));
    }
    expect(cache.stats.reused).toBeGreaterThan(1000); // 0→240k, 240k→480k, 960k→1.2M→1.44M share 500 rows each
    expect(cache.stats.computed + cache.stats.reused).toBe(starts.length * extractor.frames);
  }, 60_000);

  it('never keeps a row that reached past the audio known so far', () => {
    // A crop whose end is not decoded yet (zeros after audioEnd), then a crop over the same
    // frames with the audio there: the second must see the audio, not the earlier zeros.
    const song = testSignal(20, 48000, 3);
    const crop = extractor.cropSamples;
    const cache = new CropFrameCache(extractor);
    const partial = new Float32Array(crop);
    partial.set(song.subarray(0, 300_000));
    cache.logMel(partial, 0, 300_000);
    const full = song.subarray(240_000, 240_000 + crop);
    const got = cache.logMel(full, 240_000, song.length);
    expect(new Uint32Array(got.buffer)).toEqual(new Uint32Array(extractor.logMel(full).buffer));
    expect(cache.stats.reused).toBe(Math.floor((300_000 - 240_000 - 512) / 480) + 1 - 2); // rows of pure audio only
  }, 60_000);

  it('refuses a window that is not one crop long, naming the field', () => {
    expect(() => new CropFrameCache(extractor).logMel(new Float32Array(1000), 0, 1000)).toThrow(/window\.length is 1000; expected exactly 480000 samples/);
  });
});

describe('ChunkFeaturizer frame sharing is bit-identical to the unshared path', () => {
  const song48 = testSignal(52.3, 48000, 11);

  it.each(['start', 'center'] as const)('%s crops, the card chunking (30 s / 5 s): shares about half the rows', (crop) => {
    const stats = expectIdentical(song48, 48000, { crop });
    expect(stats).not.toBeNull();
    // 8 chunks; the last ones' crops reach into the zero tail (center crops more so), whose rows are per crop.
    expect(stats!.reused).toBeGreaterThan(0.3 * (stats!.computed + stats!.reused)); // center: 3706 of 11011
  }, 60_000);

  it('seeded random crops fall back to the unshared path and still agree', () => {
    expect(expectIdentical(song48, 48000, { crop: 'random', seed: 42 })).toBeNull();
  }, 60_000);

  it('a 44.1 kHz song in odd-sized blocks (resampled, chunks completing mid-block)', () => {
    const stats = expectIdentical(testSignal(41.7, 44100, 5), 44100, { crop: 'start' }, 12_345);
    expect(stats!.reused).toBeGreaterThan(0);
  }, 60_000);

  it.each([
    ['shorter than a crop (4.2 s)', 4.2],
    ['shorter than a crop by one sample (10 s − 1)', 10 - 1 / 48000],
    ['exactly one crop (10 s)', 10],
    ['shorter than one window (23.9 s)', 23.9],
    ['one window and a bit (30.01 s): tail chunks mostly padding', 30.01],
  ])('%s', (_label, seconds) => {
    const song = testSignal(seconds, 48000, 9);
    for (const crop of ['start', 'center'] as const) expectIdentical(song, 48000, { crop });
  }, 60_000);

  it.each([
    // [label, options, shares]
    ['stride 2.5 s (750 shared rows per crop)', { chunkSizeS: 30, chunkStrideS: 2.5 }, true],
    ['chunk size off the hop grid (29.9937 s): center crops start off-grid, all on one grid', { chunkSizeS: 29.9937, chunkStrideS: 5, crop: 'center' as const }, true],
    ['stride off the hop grid (5.005 s): falls back', { chunkSizeS: 30, chunkStrideS: 5.005 }, false],
    ['stride 4.9999 s (not a whole number of hops): falls back', { chunkSizeS: 20, chunkStrideS: 4.9999 }, false],
    ['stride of 12 s (no overlap): falls back', { chunkSizeS: 30, chunkStrideS: 12 }, false],
    ['chunks of 8 s (padded, not cropped): falls back', { chunkSizeS: 8, chunkStrideS: 4 }, false],
    ['chunks of 8 s, repeatpad: falls back', { chunkSizeS: 8, chunkStrideS: 4, padding: 'repeatpad' as const }, false],
    ['chunks of 10.001 s every 0.05 s (2 400 samples = 5 hops)', { chunkSizeS: 10.001, chunkStrideS: 0.05 }, true],
  ] as [string, SongFeatureOptions, boolean][])('%s', (_label, options, shares) => {
    const song = options.chunkStrideS === 0.05 ? testSignal(11, 48000, 4) : song48.subarray(0, 48000 * 47);
    const stats = expectIdentical(song, 48000, options);
    expect(stats !== null).toBe(shares);
    expect(sharesCropFrames(extractor, chunkGeometry(options), options.crop ?? 'start')).toBe(shares);
  }, 60_000);

  it('fusion checkpoints fall back (whole-chunk mel, no crop)', () => {
    expect(expectIdentical(song48.subarray(0, 48000 * 20), 48000, { chunkSizeS: 12, chunkStrideS: 6 }, 65_536, fusion)).toBeNull();
    expect(sharesCropFrames(fusion, chunkGeometry({}), 'start')).toBe(false);
  }, 60_000);
});

const chosen = chosenTracks('crop-frame-sharing');

describe.skipIf(chosen.length === 0)('frame sharing on the real corpus (bit for bit against the unshared path)', () => {
  it.each(chosen.map((track) => [basename(track), track]))('%s: start, center and seeded random crops', async (_name, track) => {
    const decoded = await decodeCorpusTrack(track, 'crop-frame-sharing');
    if (!decoded) return;
    const mono = downmix(decoded.channels);
    if (mono.length < decoded.sampleRate) return; // under 1 s: refused as too short either way
    for (const crop of ['start', 'center', 'random'] as const) {
      const stats = expectIdentical(mono, decoded.sampleRate, { crop, seed: 2026 });
      expect(stats === null).toBe(crop === 'random');
    }
  }, 300_000);
});
