import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWav, sine } from '@refractor/test-helpers';
import { Refractor, resolveCrossRequestBatching, type ScoredSong } from '../src/index.js';

// Cross-request batching puts the chunks of songs scored at once into shared
// CLAP runs; each song must still get its own results. The reference is the
// same songs scored one at a time, each chunk in a CLAP run of its own.
//
// Tolerances. The *tiny* CLAP runs other onnxruntime kernels for one row than
// for several (see pipeline-invariance.test.ts), which moves its embeddings by
// ~3e-6 relative, whatever batches them; among runs of several rows a row's
// embedding does not depend on its neighbours (bit-identical). So:
// - with songs batched 16 chunks at a time (`auto` on a GPU; every song here
//   has 7–13 chunks), alone or batched across songs every run has several
//   rows, and the results must agree within 1e-6 (they are in fact identical);
// - with songs batched 1 chunk at a time (CPU), a chunk runs alone without
//   cross-request batching and with others with it: within 1e-5 there.
// The real-size CLAP is bit-identical at every batch size.

const work = mkdtempSync(join(tmpdir(), 'refractor-xbatch-'));
const OPTIONS = { chunkSizeS: 5, chunkStrideS: 2, crop: 'random' as const, seed: 3 };

function song(index: number): string {
  const rate = 44100;
  const seconds = 14 + 3 * index; // 7 to 13 chunks: songs of different lengths end at different times
  const left = sine(180 + 70 * index, seconds, rate, 0.3);
  const right = sine(260 + 45 * index, seconds, rate, 0.2);
  for (let i = 0; i < left.length; i++) left[i]! += 0.15 * Math.sin((2 * Math.PI * (300 + index * 40 + i / 80) * i) / rate);
  const path = join(work, `song-${index}.wav`);
  writeFileSync(path, makeWav({ sampleRate: rate, channels: [left, right], bits: 16 }));
  return path;
}

let songs: string[];
let plain: Refractor;
let batched: Refractor;
let plain16: Refractor;
let batched16: Refractor;
beforeAll(async () => {
  songs = [0, 1, 2, 3].map(song);
  plain = await Refractor.load({ models: 'tiny', offline: true, batchSize: 1 });
  batched = await Refractor.load({ models: 'tiny', offline: true, batchSize: 1, crossRequestBatching: { maxBatch: 16, maxWaitMs: 20 } });
  plain16 = await Refractor.load({ models: 'tiny', offline: true, batchSize: 16 });
  // 64: four songs' chunks fit one run, so no song's chunks are split into a run of one.
  batched16 = await Refractor.load({ models: 'tiny', offline: true, batchSize: 16, crossRequestBatching: { maxBatch: 64, maxWaitMs: 1000 } });
}, 60_000);
afterAll(async () => {
  await Promise.all([plain, batched, plain16, batched16].map((r) => r?.close()));
  rmSync(work, { recursive: true, force: true });
});

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
};
type Embedded = Awaited<ReturnType<Refractor['embedChunks']>>;
const probs = (song: ScoredSong) => song.chunks.flatMap((c) => Object.values(c.color_probs));

describe('cross-request batching', () => {
  it('is off by default, and "auto" is off on CPU (batch 1 is fastest there) and on where a device prefers batches', () => {
    expect(plain.crossRequestBatching).toBeUndefined();
    expect(batched.crossRequestBatching).toEqual({ maxBatch: 16, maxWaitMs: 20 });
    expect(resolveCrossRequestBatching('auto', { preferredBatchSize: 1 })).toBeUndefined();
    expect(resolveCrossRequestBatching('auto', { preferredBatchSize: 16 })).toEqual({ maxBatch: 16, maxWaitMs: 5 });
    expect(resolveCrossRequestBatching(true, { preferredBatchSize: 1 })).toEqual({ maxBatch: 16, maxWaitMs: 5 });
    expect(resolveCrossRequestBatching({ maxWaitMs: 2 }, {})).toEqual({ maxBatch: 16, maxWaitMs: 2 });
    expect(() => resolveCrossRequestBatching('on' as never, {})).toThrow(/crossRequestBatching is "on"; expected true, false, "auto" or \{ maxBatch, maxWaitMs, when \}/);
    // Settings that apply only where "auto" would be on (what `--batching auto --max-batch 64` asks for).
    expect(resolveCrossRequestBatching({ maxBatch: 64, when: 'auto' }, { preferredBatchSize: 16 })).toEqual({ maxBatch: 64, maxWaitMs: 5 });
    expect(resolveCrossRequestBatching({ maxBatch: 64, when: 'auto' }, { preferredBatchSize: 1 })).toBeUndefined();
    expect(() => resolveCrossRequestBatching({ maxBatch: 0, when: 'auto' }, { preferredBatchSize: 1 })).toThrow(/maxBatch is 0/);
    expect(() => resolveCrossRequestBatching({ when: 'sometimes' as never }, {})).toThrow(/crossRequestBatching.when is "sometimes"/);
    expect(() => resolveCrossRequestBatching({ maxBatch: 1.5 }, {})).toThrow(/maxBatch is 1.5/);
  });

  it('gives concurrent songs their own embeddings and records (within 1e-6) while sharing CLAP runs of whole songs', async () => {
    const concepts = ['rain on a tin roof', null, 'a song about forgetting the future', 'rain on a tin roof'];
    const reference: ScoredSong[] = [];
    for (const [i, path] of songs.entries()) reference.push(await plain16.scoreFile(path, { ...OPTIONS, concept: concepts[i] ?? null, target: 'Indigo' }));
    const referenceEmbeddings: Embedded[] = [];
    for (const path of songs) referenceEmbeddings.push(await plain16.embedChunks(path, OPTIONS));
    const runs: number[] = [];
    const stop = batched16.onEncoderRun(({ rows }) => runs.push(rows));
    const results = await Promise.all(songs.map((path, i) => batched16.scoreFile(path, { ...OPTIONS, concept: concepts[i] ?? null, target: 'Indigo' })));
    const embeddings = await Promise.all(songs.map((path) => batched16.embedChunks(path, OPTIONS)));
    stop();
    results.forEach((result, i) => {
      const expected = reference[i]!;
      expect(result.chunks.map((c) => c.predicted_color)).toEqual(expected.chunks.map((c) => c.predicted_color));
      expect(maxDiff(probs(result), probs(expected))).toBeLessThan(1e-6);
      expect(Math.abs(result.confidence - expected.confidence)).toBeLessThan(1e-6);
      expect(result.settings).toEqual(expected.settings);
      expect(embeddings[i]!.chunks).toEqual(referenceEmbeddings[i]!.chunks);
      expect(maxDiff(embeddings[i]!.embeddings, referenceEmbeddings[i]!.embeddings)).toBeLessThan(1e-6);
    });
    // Some run held more chunks than the longest song: songs shared it.
    expect(Math.max(...runs)).toBeGreaterThan(Math.max(...reference.map((r) => r.chunk_count)));
  }, 120_000);

  it('gives concurrent songs their own embeddings (within 1e-5) while sharing CLAP runs chunk by chunk', async () => {
    const reference: Embedded[] = [];
    for (const path of songs) reference.push(await plain.embedChunks(path, OPTIONS));
    const before = await batched.encoderStats();
    const results = await Promise.all(songs.map((path) => batched.embedChunks(path, OPTIONS)));
    const after = await batched.encoderStats();
    results.forEach((result, i) => {
      expect(result.chunks).toEqual(reference[i]!.chunks);
      expect(maxDiff(result.embeddings, reference[i]!.embeddings)).toBeLessThan(1e-5);
    });
    const chunks = reference.reduce((sum, r) => sum + r.chunks.length, 0);
    expect(after.rows - before.rows).toBe(chunks);
    // Shared runs happened: fewer runs than chunks, and some of more than one chunk.
    expect(after.runs - before.runs).toBeLessThan(chunks);
    expect(after.runsBySize.slice(2).some((n) => n > 0)).toBe(true);
  }, 120_000);

  it('a song that fails (unreadable file) fails alone; the others sharing its runs are scored', async () => {
    const broken = join(work, 'broken.wav');
    writeFileSync(broken, Buffer.from('RIFF\u0000\u0000\u0000\u0000WAVEnot really'));
    const reference = await plain.embedChunks(songs[1]!, OPTIONS);
    const [bad, good] = await Promise.allSettled([batched.embedChunks(broken, OPTIONS), batched.embedChunks(songs[1]!, OPTIONS)]);
    expect(bad.status).toBe('rejected');
    expect(good.status).toBe('fulfilled');
    expect(maxDiff((good as PromiseFulfilledResult<{ embeddings: Float32Array }>).value.embeddings, reference.embeddings)).toBeLessThan(1e-5);
  }, 120_000);

  it('close() finishes the queued runs, then refuses new songs with a clear error', async () => {
    const refractor = await Refractor.load({ models: 'tiny', offline: true, crossRequestBatching: { maxBatch: 64, maxWaitMs: 60_000 } });
    const features = new Float32Array(1001 * 64);
    const scorer = await refractor.audioScorer();
    const pending = scorer.embedAudio(features, 1); // waits on a minute-long timer
    await refractor.close();
    expect((await pending).length).toBe(512);
    await expect(scorer.embedAudio(features, 1)).rejects.toThrow(/encoder batcher is closed/);
  }, 60_000);
});
