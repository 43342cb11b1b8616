import { describe, expect, it } from 'vitest';
import {
  AudioDecodeError,
  ChunkFeaturizer,
  ClapFeatureExtractor,
  LARGER_CLAP_MUSIC_PREPROCESSOR,
  chunkGeometry,
  chunkStarts,
  resample,
  songChunkFeatures,
  type ChunkFeatures,
  type PcmBlock,
} from '../src/index.js';
import { sine } from '@refractor/test-helpers';

const extractor = new ClapFeatureExtractor(LARGER_CLAP_MUSIC_PREPROCESSOR);

/** A stereo song at `rate` as decoded blocks of `blockFrames`. */
function songBlocks(seconds: number, rate: number, blockFrames: number): PcmBlock[] {
  const left = Float32Array.from(sine(440, seconds, rate, 0.4));
  const right = Float32Array.from(sine(1234, seconds, rate, 0.2, 1));
  for (let i = 0; i < left.length; i++) left[i]! += 0.1 * Math.sin(i * 0.0137) * ((i / rate) % 3 < 1 ? 1 : 0); // some structure over time
  const blocks: PcmBlock[] = [];
  for (let at = 0; at < left.length; at += blockFrames) {
    blocks.push({ sampleRate: rate, channels: [left.subarray(at, at + blockFrames), right.subarray(at, at + blockFrames)] });
  }
  return blocks;
}

async function collect(blocks: PcmBlock[], options = {}): Promise<ChunkFeatures[]> {
  const chunks: ChunkFeatures[] = [];
  async function* source() {
    yield* blocks;
  }
  for await (const chunk of songChunkFeatures(source(), extractor, options)) chunks.push(chunk);
  return chunks;
}

describe('songChunkFeatures', () => {
  it('gives one zero-padded chunk for audio shorter than a chunk, ending where the audio ends', async () => {
    const chunks = await collect(songBlocks(5, 44100, 8192));
    expect(chunks.map((c) => [c.index, c.start_s, c.end_s, c.cropOffset])).toEqual([[0, 0, 5, 0]]);
    expect(chunks[0]!.features.length).toBe(1001 * 64);
  });

  it('places chunks every stride while the start is before the end (the original semantics)', async () => {
    const options = { chunkSizeS: 10, chunkStrideS: 4 };
    const chunks = await collect(songBlocks(17, 44100, 10000), options);
    const total = Math.ceil((17 * 44100 * 48000) / 44100);
    expect(chunks.map((c) => c.startSample)).toEqual(chunkStarts(total, chunkGeometry(options)));
    expect(chunks.map((c) => [c.start_s, c.end_s])).toEqual([
      [0, 10],
      [4, 14],
      [8, 17],
      [12, 17],
      [16, 17],
    ]);
  });

  it('equals log-mel of crops cut from the whole resampled song (an independent path)', async () => {
    const rate = 44100;
    const blocks = songBlocks(14, rate, 7000);
    const options = { chunkSizeS: 11, chunkStrideS: 3, crop: 'center' as const };
    const chunks = await collect(blocks, options);
    // Second path: decode everything, downmix, resample at once, pad, crop.
    const mono = new Float32Array(14 * rate);
    let at = 0;
    for (const b of blocks) {
      for (let i = 0; i < b.channels[0]!.length; i++) mono[at + i] = Math.fround(b.channels[0]![i]! + b.channels[1]![i]!) / 2;
      at += b.channels[0]!.length;
    }
    const song = resample(mono, rate, 48000);
    const crop = 480000;
    const chunkSamples = 11 * 48000;
    expect(chunks).toHaveLength(5); // starts 0, 3, 6, 9, 12 s
    for (const chunk of chunks) {
      const offset = Math.floor((chunkSamples - crop) / 2);
      expect(chunk.cropOffset).toBe(offset);
      const window = new Float32Array(crop);
      const from = chunk.startSample + offset;
      window.set(song.subarray(from, Math.min(from + crop, song.length)));
      expect(chunk.features).toEqual(extractor.logMel(window));
    }
  }, 30_000);

  it('does not depend on how the decoder splits the audio into blocks', async () => {
    const options = { chunkSizeS: 10, chunkStrideS: 5 };
    const a = await collect(songBlocks(16, 22050, 4096), options);
    const b = await collect(songBlocks(16, 22050, 100_003), options);
    expect(b.map((c) => c.features)).toEqual(a.map((c) => c.features));
  }, 30_000);

  it('draws seeded random crops in chunk order, as numpy after np.random.seed(42)', async () => {
    // 30 s chunks (overflow 960000) every 10 s over 31 s: starts 0, 10, 20, 30.
    const options = { crop: 'random' as const, seed: 42, chunkSizeS: 30, chunkStrideS: 10 };
    const chunks = await collect(songBlocks(31, 48000, 48000), options);
    expect(chunks.map((c) => c.cropOffset)).toEqual([121958, 671155, 131932, 365838]);
    const again = await collect(songBlocks(31, 48000, 12345), options);
    expect(again.map((c) => c.features)).toEqual(chunks.map((c) => c.features));
  }, 30_000);

  it('refuses a one-sample song as too short, naming it', async () => {
    const blocks: PcmBlock[] = [{ sampleRate: 44100, channels: [Float32Array.of(0.5)] }];
    await expect(collect(blocks, { name: 'tiny.wav' })).rejects.toThrow(AudioDecodeError);
    await expect(collect(blocks, { name: 'tiny.wav' })).rejects.toThrow(/tiny\.wav: too-short/);
  });

  it('stacks four channels per chunk for a fusion checkpoint', async () => {
    const fusion = new ClapFeatureExtractor({ ...LARGER_CLAP_MUSIC_PREPROCESSOR, truncation: 'fusion' });
    const featurizer = new ChunkFeaturizer(fusion, 48000, { chunkSizeS: 12, chunkStrideS: 12, crop: 'start' });
    const audio = Float32Array.from(sine(300, 12, 48000));
    const chunks = [...featurizer.push(audio), ...featurizer.finish().chunks];
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.features.length).toBe(4 * 1001 * 64);
    expect(chunks[0]!.cropOffset).toBeNull();
    const ranges = fusion.offsetRanges(12 * 48000);
    expect(ranges?.truncation).toBe('fusion');
    if (ranges?.truncation === 'fusion') expect(chunks[0]!.fusionOffsets).toEqual(ranges.fusion.map((r) => r.min));
  });
});
