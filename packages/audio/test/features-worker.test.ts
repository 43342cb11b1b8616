// songChunkFeaturesInWorker (Node): the same chunks as songChunkFeatures in this thread, bit for
// bit, for songs one after another on pooled workers, including after a song abandoned midway.
import { describe, expect, it } from 'vitest';
import { ClapFeatureExtractor, LARGER_CLAP_MUSIC_PREPROCESSOR, songChunkFeatures, type PcmBlock } from '../src/index.js';
// The worker script is a built file (dist/featurize-worker.js): this test drives the built package.
const { songChunkFeaturesInWorker } = (await import(new URL('../dist/node.js', import.meta.url).href)) as typeof import('../src/node.js');
import { collectFeatures, sameBits } from './chunk-bits.js';
import { noise } from './seeded-signal.js';

/** A stereo 44.1 kHz song of `seconds`, as 0.5 s decoded blocks. */
function song(seconds: number, seed: number): PcmBlock[] {
  const left = noise(Math.round(seconds * 44100), seed);
  const right = noise(left.length, seed + 1);
  const blocks: PcmBlock[] = [];
  for (let at = 0; at < left.length; at += 22050) {
    blocks.push({ sampleRate: 44100, channels: [left.slice(at, at + 22050), right.slice(at, at + 22050)] });
  }
  return blocks;
}

async function* replay(blocks: PcmBlock[]): AsyncGenerator<PcmBlock> {
  // Copies: the worker path may take (transfer) what it is given.
  for (const block of blocks) yield { sampleRate: block.sampleRate, channels: block.channels.map((c) => c.slice()) };
}

function inThread(blocks: PcmBlock[]): Promise<Float32Array[]> {
  return collectFeatures(songChunkFeatures(replay(blocks), new ClapFeatureExtractor(LARGER_CLAP_MUSIC_PREPROCESSOR)));
}

function inWorker(blocks: PcmBlock[], stopAfter = Infinity): Promise<Float32Array[]> {
  return collectFeatures(songChunkFeaturesInWorker(replay(blocks), { config: LARGER_CLAP_MUSIC_PREPROCESSOR }), stopAfter);
}


describe('songChunkFeaturesInWorker', () => {
  const songs = [song(42, 1), song(12, 3), song(47, 5)];

  it('equals the in-thread features bit for bit, song after song on the pooled workers', async () => {
    const expected = await Promise.all(songs.map(inThread));
    for (let round = 0; round < 2; round++) {
      for (const [k, blocks] of songs.entries()) {
        const got = await inWorker(blocks);
        expect(got.length, `song ${k}`).toBe(expected[k]!.length);
        expect(sameBits(got, expected[k]!), `song ${k}, round ${round}`).toBe(true);
      }
    }
  }, 120_000);

  it('gives the right features after a song abandoned midway and a song that fails', async () => {
    const expected = await inThread(songs[0]!);
    expect(await inWorker(songs[2]!, 1)).toHaveLength(1); // the consumer stops early
    await expect(inWorker([])).rejects.toMatchObject({ kind: 'no-audio' }); // no audio at all
    expect(sameBits(await inWorker(songs[0]!), expected)).toBe(true);
  }, 120_000);

  it('runs songs side by side without mixing their chunks', async () => {
    const expected = await Promise.all(songs.map(inThread));
    const got = await Promise.all(songs.map((blocks) => inWorker(blocks)));
    got.forEach((chunks, k) => expect(sameBits(chunks, expected[k]!), `song ${k}`).toBe(true));
  }, 120_000);
});
