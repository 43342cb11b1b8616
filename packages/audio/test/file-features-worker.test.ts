// songFileFeaturesInWorker (Node): a file (a path, or its bytes) read, decoded and featurized on a worker thread gives the
// same chunks, bit for bit, as openAudioFile + songChunkFeatures on this thread (WAVs of several
// shapes and real corpus Ogg Vorbis songs), the same errors naming the file, never runs more than
// `chunksAhead` chunks ahead of a slow consumer, and leaves the pooled workers usable after a song
// abandoned midway.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { makeWav, seededNoise } from '@refractor/test-helpers';
import { ClapFeatureExtractor, LARGER_CLAP_MUSIC_PREPROCESSOR, songChunkFeatures, type SongFeatureSummary } from '../src/index.js';
import { collectFeatures, sameBits } from './chunk-bits.js';
import { chosenTracks } from './corpus.js';
// The worker script is a built file (dist/featurize-worker.js): this test drives the built package.
const { openAudioFile, songFileFeaturesInWorker } = (await import(new URL('../dist/node.js', import.meta.url).href)) as typeof import('../src/node.js');

const dir = mkdtempSync(join(tmpdir(), 'refractor-file-worker-'));
function wavFile(name: string, seconds: number, sampleRate: number, channels: number, seed: number): string {
  const path = join(dir, name);
  const length = Math.round(seconds * sampleRate);
  writeFileSync(path, makeWav({ sampleRate, channels: Array.from({ length: channels }, (_, c) => seededNoise(length, seed + c)), encoding: 'float', bits: 32 }));
  return path;
}

async function inThread(path: string): Promise<Float32Array[]> {
  return collectFeatures(songChunkFeatures(await openAudioFile(path), new ClapFeatureExtractor(LARGER_CLAP_MUSIC_PREPROCESSOR), { name: path }));
}

function inWorker(path: string, stopAfter = Infinity, onSummary?: (summary: SongFeatureSummary, decodeMs: number) => void): Promise<Float32Array[]> {
  return collectFeatures(songFileFeaturesInWorker(path, { config: LARGER_CLAP_MUSIC_PREPROCESSOR, ...(onSummary ? { onSummary } : {}) }), stopAfter);
}


describe('songFileFeaturesInWorker', () => {
  const wavs = [
    wavFile('stereo-44k-42s.wav', 42, 44100, 2, 1),
    wavFile('mono-48k-12s.wav', 12, 48000, 1, 7),
    wavFile('stereo-22k-3s.wav', 3.2, 22050, 2, 9), // shorter than one crop
  ];

  it('equals the in-thread features bit for bit, WAVs of several shapes, song after song', async () => {
    for (const path of wavs) {
      const expected = await inThread(path);
      let summary: SongFeatureSummary | undefined;
      const got = await inWorker(path, Infinity, (s) => (summary = s));
      expect(got.length, basename(path)).toBe(expected.length);
      expect(sameBits(got, expected), basename(path)).toBe(true);
      expect(summary?.chunkCount, basename(path)).toBe(expected.length);
    }
  }, 120_000);

  const tracks = chosenTracks('file-features-worker');
  it.skipIf(tracks.length === 0)('equals the in-thread features bit for bit on real Ogg Vorbis songs', async () => {
    for (const track of tracks) {
      let expected: Float32Array[];
      try {
        expected = await inThread(track);
      } catch (error) {
        // A damaged track must fail the same way on the worker.
        await expect(inWorker(track), track).rejects.toMatchObject({ message: (error as Error).message });
        continue;
      }
      expect(sameBits(await inWorker(track), expected), track).toBe(true);
    }
  }, 300_000);

  it('fails with the same errors as the in-thread path, naming the file', async () => {
    const cases = [join(dir, 'missing.wav'), dir, join(dir, 'text.wav'), join(dir, 'empty.wav'), join(dir, 'cut.wav')];
    writeFileSync(cases[2]!, 'not audio at all, just words');
    writeFileSync(cases[3]!, new Uint8Array(0));
    const whole = makeWav({ sampleRate: 44100, channels: [seededNoise(44100, 3)], encoding: 'int', bits: 16 });
    writeFileSync(cases[4]!, whole.subarray(0, 30)); // a header cut short
    mkdirSync(join(dir, 'sub'), { recursive: true });
    for (const path of cases) {
      const expected = await inThread(path).then(
        () => undefined,
        (error: Error) => error,
      );
      expect(expected, path).toBeInstanceOf(Error);
      await expect(inWorker(path), path).rejects.toMatchObject({ name: expected!.name, message: expected!.message });
      expect(expected!.message, path).toContain(path);
    }
  }, 120_000);

  it('never runs more than chunksAhead chunks ahead of a slow consumer', async () => {
    // 10 minutes of 48 kHz mono: ~120 chunks of 256 KB of features if the worker ran free.
    const long = wavFile('long-10min.wav', 600, 48000, 1, 11);
    const chunks = songFileFeaturesInWorker(long, { config: LARGER_CLAP_MUSIC_PREPROCESSOR, chunksAhead: 2 });
    await chunks.next();
    // Features transferred from the worker are counted as external memory in this thread.
    const before = process.memoryUsage().external;
    await sleep(2000); // time enough to decode and featurize the whole file many times over
    const held = process.memoryUsage().external - before;
    expect(held, `${(held / 2 ** 20).toFixed(1)} MiB of chunks came over while the consumer waited`).toBeLessThan(8 * 2 ** 20);
    let rest = 0;
    for await (const _chunk of chunks) rest++;
    expect(rest).toBeGreaterThan(100);
  }, 120_000);

  it('takes a file as bytes too: the same features, the caller\'s bytes left as they were, errors under the given name', async () => {
    for (const path of [wavs[0]!, ...tracks.slice(0, 2)]) {
      const bytes = new Uint8Array(readFileSync(path));
      const before = Buffer.from(bytes);
      let expected: Float32Array[];
      try {
        expected = await inThread(path);
      } catch {
        continue; // a damaged corpus track: the error cases are below
      }
      const got = await collectFeatures(songFileFeaturesInWorker(bytes, { config: LARGER_CLAP_MUSIC_PREPROCESSOR, name: 'upload' }));
      expect(sameBits(got, expected), path).toBe(true);
      expect(Buffer.from(bytes).equals(before), 'the bytes are copied, not taken').toBe(true);
    }
    const junk = new TextEncoder().encode('not audio at all, just words');
    await expect(collectFeatures(songFileFeaturesInWorker(junk, { config: LARGER_CLAP_MUSIC_PREPROCESSOR, name: 'upload.ogg' }))).rejects.toMatchObject({
      file: 'upload.ogg',
      kind: 'unsupported',
    });
  }, 120_000);

  it('gives the right features after a song abandoned midway', async () => {
    const expected = await inThread(wavs[0]!);
    expect(await inWorker(wavs[0]!, 1)).toHaveLength(1);
    expect(sameBits(await inWorker(wavs[0]!), expected)).toBe(true);
  }, 120_000);
});
