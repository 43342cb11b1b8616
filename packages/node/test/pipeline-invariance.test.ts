import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWav, sine } from '@refractor/test-helpers';
import { Refractor, type RefractorLoadOptions, type ScoredSong } from '../src/index.js';

// The speed settings (batch size, threads, spinning, feature prefetch, opening
// sessions in the background, decoding on one thread or two) must not change a
// single bit of the results: the CLI and the benchmarks pick them freely.
//
// One exception, measured and kept visible below: the *tiny* CLAP's ReduceMean
// and MatMul go through different onnxruntime kernels for one row than for
// several, so its embeddings at batch > 1 differ from batch 1 by up to 3e-7 (5e-6
// in the probabilities).
// The real-size CLAP gives bit-identical embeddings at batch 1, 3 and 16 (the
// real-size benchmark checks it on every run), and CPU's default batch (`auto`)
// is 1 anyway.

const work = mkdtempSync(join(tmpdir(), 'refractor-invariance-'));
const CONCEPT = 'A song about forgetting the future';
// 5 s chunks every 2 s over 45 s: 23 chunks, so batches of 16 run full and partial.
const SONG_OPTIONS = { concept: CONCEPT, chunkSizeS: 5, chunkStrideS: 2, crop: 'random' as const, seed: 3 };

/** A 45 s stereo song whose timbre changes along the way, so every chunk differs. */
function songFile(): string {
  const rate = 44100;
  const left = sine(220, 45, rate, 0.3);
  const right = sine(330, 45, rate, 0.2);
  for (let i = 0; i < left.length; i++) left[i]! += 0.2 * Math.sin((2 * Math.PI * (200 + i / 50) * i) / rate); // a slow chirp
  const path = join(work, 'song.wav');
  writeFileSync(path, makeWav({ sampleRate: rate, channels: [left, right], bits: 16 }));
  return path;
}

/** Everything a result says except how it was run (settings). */
function resultBits(song: ScoredSong): string {
  const { settings: _settings, ...rest } = song;
  return JSON.stringify(rest);
}

async function scoreWith(load: RefractorLoadOptions, scoreOptions: { parallel?: boolean } = {}): Promise<ScoredSong> {
  const refractor = await Refractor.load({ models: 'tiny', offline: true, ...load });
  try {
    return await refractor.scoreFile(song, { ...SONG_OPTIONS, ...scoreOptions });
  } finally {
    await refractor.close();
  }
}

let song: string;
let reference: ScoredSong;
beforeAll(async () => {
  song = songFile();
  reference = await scoreWith({ batchSize: 1, intraOpNumThreads: 1, prefetchChunks: 1 }, { parallel: false });
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('results do not depend on how the pipeline runs', () => {
  it('scores 23 chunks (enough for full and partial batches of 16)', () => {
    expect(reference.chunk_count).toBe(23);
    expect(reference.settings.batch_size).toBe(1);
  });

  it.each([
    ['batch auto (1 on cpu)', { batchSize: 'auto' as const }, {}],
    ['2 threads', { intraOpNumThreads: 2 }, {}],
    ['2 threads, spinning', { intraOpNumThreads: 2, allowSpinning: true }, {}],
    ['sessions opened in the background', { openInBackground: true }, {}],
    ['prefetch 1, features on this thread', { prefetchChunks: 1 }, { parallel: false }],
    ['prefetch 32, features on a worker', { prefetchChunks: 32 }, { parallel: true }],
  ])('%s gives bit-identical results', async (_label, load, scoreOptions) => {
    const result = await scoreWith(load, scoreOptions);
    expect(resultBits(result)).toBe(resultBits(reference));
  }, 60_000);

  it.each([5, 16])('batch %i gives the same colors and probabilities within 1e-5 (tiny CLAP; the real one is bit-identical)', async (batchSize) => {
    const result = await scoreWith({ batchSize });
    expect(result.chunks.map((c) => c.predicted_color)).toEqual(reference.chunks.map((c) => c.predicted_color));
    const probs = (song: ScoredSong) => song.chunks.flatMap((c) => Object.values(c.color_probs));
    const expected = probs(reference);
    probs(result).forEach((p, i) => expect(Math.abs(p - expected[i]!)).toBeLessThan(1e-5));
    // Batches of 16 and 16 threads-worth of settings agree with each other exactly.
    const again = await scoreWith({ batchSize, intraOpNumThreads: 2, openInBackground: true }, { parallel: false });
    expect(resultBits(again)).toBe(resultBits(result));
  }, 60_000);

  it('batch auto resolves to 1 on cpu and is what the settings record', async () => {
    const refractor = await Refractor.load({ models: 'tiny', offline: true });
    try {
      expect(refractor.batchSize).toBe(1);
      const result = await refractor.scoreFile(song, SONG_OPTIONS);
      expect(result.settings.batch_size).toBe(1);
    } finally {
      await refractor.close();
    }
  }, 60_000);

  it('reports progress once per chunk, in order', async () => {
    const refractor = await Refractor.load({ models: 'tiny', offline: true, batchSize: 16 });
    const seen: number[] = [];
    try {
      await refractor.scoreFile(song, { ...SONG_OPTIONS, onScored: (scored) => seen.push(scored) });
    } finally {
      await refractor.close();
    }
    expect(seen).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
  }, 60_000);

  it('a model that fails to open in the background rejects ready() and the first song, naming the file', async () => {
    const broken = mkdtempSync(join(work, 'broken-'));
    const { cpSync } = await import('node:fs');
    const { bundledSetDirectory } = await import('../src/index.js');
    cpSync(bundledSetDirectory('tiny')!, broken, { recursive: true });
    writeFileSync(join(broken, 'clap', 'onnx', 'audio_model.onnx'), 'not a model');
    const refractor = await Refractor.load({ models: broken, openInBackground: true });
    await expect(refractor.ready()).rejects.toThrow(/audio_model\.onnx/);
    await expect(refractor.scoreFile(song, SONG_OPTIONS)).rejects.toThrow(/audio_model\.onnx/);
    await refractor.close();
  }, 60_000);
});
