import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWav, sine } from '@refractor/test-helpers';
import { bundledSetDirectory, COLOR_NAMES, measureDtypeDrift, Refractor, type ScoredSong } from '../src/index.js';

const { onnx } = onnxProto;

// A tiny model set with two "variants" of known kinds: q8 files are exact
// copies of fp32 (no drift at all), fp16 files have every float weight rounded
// to 3 significant digits (a real, small perturbation, like a cast to half).
// The fp16 figures are checked against a second computation: each variant
// loaded on its own, the song scored with `scoreFile` and embedded with
// `embedChunks`, and the differences taken here by hand.

const work = mkdtempSync(join(tmpdir(), 'refractor-dtype-drift-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const set = join(work, 'set');
const song = join(work, 'song.wav');
const CONCEPT = 'a song about the sea';

/** The model with each float initializer's values rounded to 3 significant digits. */
function rounded(path: string): Uint8Array {
  const model = onnx.ModelProto.decode(readFileSync(path));
  let changed = 0;
  for (const init of model.graph?.initializer ?? []) {
    if (init.dataType !== onnx.TensorProto.DataType.FLOAT) continue;
    const raw = init.rawData;
    if (raw?.length) {
      const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      for (let i = 0; i < values.length; i++) values[i] = Number(values[i]!.toPrecision(3));
      init.rawData = new Uint8Array(values.buffer);
      changed += values.length;
    } else if (init.floatData?.length) {
      init.floatData = init.floatData.map((v) => Number(v.toPrecision(3)));
      changed += init.floatData.length;
    }
  }
  if (changed === 0) throw new Error(`${path}: no float weights to round`);
  return onnx.ModelProto.encode(model).finish();
}

beforeAll(() => {
  cpSync(bundledSetDirectory('tiny')!, set, { recursive: true });
  for (const [dir, base] of [
    ['clap', 'audio_model'],
    ['text', 'model'],
  ] as const) {
    const fp32 = join(set, dir, 'onnx', `${base}.onnx`);
    cpSync(fp32, join(set, dir, 'onnx', `${base}_quantized.onnx`));
    writeFileSync(join(set, dir, 'onnx', `${base}_fp16.onnx`), rounded(fp32));
  }
  // 45 s of two tones: 9 chunks.
  writeFileSync(song, makeWav({ sampleRate: 22_050, channels: [sine(220, 45, 22_050, 0.4), sine(330, 45, 22_050, 0.3)], bits: 16 }));
});

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

/** One variant on its own: the scored song, its chunk embeddings and its concept embedding. */
async function alone(dtype: 'fp32' | 'fp16') {
  const refractor = await Refractor.load({ models: set, dtype, conceptCache: false });
  try {
    const concept = await refractor.prepareConcept(CONCEPT);
    const scored: ScoredSong = await refractor.scoreFile(song, { conceptEmbedding: concept });
    const { embeddings } = await refractor.embedChunks(song);
    return { scored, embeddings, concept };
  } finally {
    await refractor.close();
  }
}

const maxProbChange = (a: Record<string, number>, b: Record<string, number>) => Math.max(...COLOR_NAMES.map((c) => Math.abs(a[c]! - b[c]!)));

describe('measureDtypeDrift', () => {
  it('finds no drift in a copy, and the drift a second computation finds in a perturbed variant', { timeout: 120_000 }, async () => {
    const report = await measureDtypeDrift([song], { models: set, dtypes: ['q8', 'fp16'], concept: CONCEPT, conceptCache: false });
    expect(report.failed).toEqual([]);
    const [q8, fp16] = report.summaries;

    // The copy: exactly the same numbers.
    expect(q8).toMatchObject({ dtype: 'q8', reference: 'fp32', songs: 1, chunks: 9, concept_cosine: 1 });
    expect(q8!.embedding_cosine.min).toBeCloseTo(1, 12);
    expect(q8!.chunk_prob_change.max).toBe(0);
    expect(q8!.chunk_color_flips.count).toBe(0);

    // The perturbed variant, against each variant run alone.
    const [ref, cand] = [await alone('fp32'), await alone('fp16')];
    const dim = 512;
    const cosines = Array.from({ length: 9 }, (_, i) => cosine(ref.embeddings.subarray(i * dim, (i + 1) * dim), cand.embeddings.subarray(i * dim, (i + 1) * dim)));
    expect(Math.min(...cosines)).toBeLessThan(1 - 1e-9); // the perturbation is real, so this test can fail
    expect(fp16!.embedding_cosine.min).toBeCloseTo(Math.min(...cosines), 9);
    expect(fp16!.embedding_cosine.mean).toBeCloseTo(cosines.reduce((a, b) => a + b) / 9, 9);
    expect(fp16!.concept_cosine).toBeCloseTo(cosine(ref.concept, cand.concept), 9);
    expect(fp16!.concept_cosine).toBeLessThan(1);

    const refChunks = ref.scored.chunks;
    const candChunks = cand.scored.chunks;
    const chunkChanges = refChunks.map((chunk, i) => maxProbChange(chunk.color_probs, candChunks[i]!.color_probs));
    expect(fp16!.chunk_prob_change.max).toBeGreaterThan(0);
    expect(fp16!.chunk_prob_change.max).toBeCloseTo(Math.max(...chunkChanges), 9);
    expect(fp16!.song_prob_change.max).toBeCloseTo(maxProbChange(ref.scored.color_probs, cand.scored.color_probs), 9);
    expect(fp16!.chunk_color_flips.count).toBe(refChunks.filter((chunk, i) => chunk.predicted_color !== candChunks[i]!.predicted_color).length);
    expect(fp16!.song_color_flips.count).toBe(ref.scored.predicted_color === cand.scored.predicted_color ? 0 : 1);
  });

  it('reports a song it cannot read and goes on with the rest', { timeout: 60_000 }, async () => {
    const bad = join(work, 'not-audio.wav');
    writeFileSync(bad, 'this is text, not audio');
    const report = await measureDtypeDrift([bad, song], { models: set, dtypes: ['q8'], conceptCache: false });
    expect(report.failed.map((f) => f.song)).toEqual([bad]);
    expect(report.summaries[0]).toMatchObject({ songs: 1, chunks: 9 });
  });

  it('refuses a dtype list that holds the reference, is empty, or names an unknown dtype', async () => {
    await expect(measureDtypeDrift([song], { models: set, dtypes: ['fp32'] })).rejects.toThrow(/other than the reference \(fp32\)/);
    await expect(measureDtypeDrift([song], { models: set, dtypes: [] })).rejects.toThrow(/at least one dtype/);
    await expect(measureDtypeDrift([song], { models: set, dtypes: ['q4' as 'q8'] })).rejects.toThrow(/one of fp32, fp16, q8/);
  });

  it('names the variant file a model set lacks', { timeout: 60_000 }, async () => {
    const partial = join(work, 'partial');
    cpSync(bundledSetDirectory('tiny')!, partial, { recursive: true });
    await expect(measureDtypeDrift([song], { models: partial, dtypes: ['fp16'] })).rejects.toThrow(/audio_model_fp16\.onnx/);
  });
});
