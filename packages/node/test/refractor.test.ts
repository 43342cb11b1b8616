import { copyFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClapFeatureExtractor, parseClapPreprocessorConfig, songChunkFeatures } from '@refractor/audio';
import { openAudioFile } from '@refractor/audio/node';
// A test-only use of the trainer's ONNX writer; a source import keeps @refractor/train out of node's dependencies.
import { buildCdmModel, encodeModel } from '@refractor/train/onnx-graph';
import { makeWav, sine } from '@refractor/test-helpers';
import { COLOR_NAMES, ModelContractError, Refractor, aggregateChunks, bundledSetDirectory, decodeChunk, type ChunkResult, type SongTimings } from '../src/index.js';

const tiny = bundledSetDirectory('tiny')!;
const work = mkdtempSync(join(tmpdir(), 'refractor-node-'));
const CONCEPT = 'A song about forgetting the future';

/** A 40 s stereo song whose timbre changes halfway, so chunks differ. */
function songFile(): string {
  const rate = 44100;
  const left = sine(220, 40, rate, 0.3);
  const right = sine(330, 40, rate, 0.2);
  for (let i = 20 * rate; i < left.length; i++) left[i] = 0.3 * Math.sign(Math.sin((2 * Math.PI * 1760 * i) / rate)); // a square wave
  const path = join(work, 'song.wav');
  writeFileSync(path, makeWav({ sampleRate: rate, channels: [left, right], bits: 16 }));
  return path;
}

let refractor: Refractor;
let song: string;
beforeAll(async () => {
  refractor = await Refractor.load({ models: 'tiny', offline: true, batchSize: 4 });
  song = songFile();
});
afterAll(async () => {
  await refractor.close();
});

describe('Refractor with the tiny set', () => {
  it('labels the tiny set as test-only in the settings', async () => {
    expect(refractor.modelSet.name).toBe('tiny');
    expect(refractor.modelSet.testOnly).toBe(true);
  });

  it('scoreFile equals a step-by-step computation with plain onnxruntime calls', async () => {
    const result = await refractor.scoreFile(song, { concept: CONCEPT, target: 'Blue', crop: 'center' });

    // Independent path: in-thread features, batch-1 sessions opened here, pooling by hand.
    const config = parseClapPreprocessorConfig(JSON.parse(readFileSync(join(tiny, 'clap/preprocessor_config.json'), 'utf8')));
    const extractor = new ClapFeatureExtractor(config);
    const clap = await ort.InferenceSession.create(join(tiny, 'clap/onnx/audio_model.onnx'));
    const text = await ort.InferenceSession.create(join(tiny, 'text/onnx/model.onnx'));
    const cdm = await ort.InferenceSession.create(join(tiny, 'refractor_cdm.onnx'));
    const tokenizer = new Tokenizer(
      JSON.parse(readFileSync(join(tiny, 'text/tokenizer.json'), 'utf8')),
      JSON.parse(readFileSync(join(tiny, 'text/tokenizer_config.json'), 'utf8')),
    );
    const ids = tokenizer.encode(CONCEPT).ids;
    const int64 = (values: number[]) => new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), [1, values.length]);
    const feeds: Record<string, ort.Tensor> = { input_ids: int64(ids), attention_mask: int64(ids.map(() => 1)) };
    if (text.inputNames.includes('token_type_ids')) feeds.token_type_ids = int64(ids.map(() => 0));
    const hidden = (await text.run(feeds)).last_hidden_state!.data as Float32Array;
    const concept = new Float32Array(768);
    for (let d = 0; d < 768; d++) {
      let sum = 0;
      for (let t = 0; t < ids.length; t++) sum += hidden[t * 768 + d]!;
      concept[d] = sum / ids.length;
    }
    const reference: ChunkResult[] = [];
    for await (const chunk of songChunkFeatures(await openAudioFile(song), extractor, { crop: 'center' })) {
      const embedding = (await clap.run({ input_features: new ort.Tensor('float32', chunk.features, [1, 1, 1001, 64]) })).audio_embeds!.data as Float32Array;
      const row = new Float32Array(1280);
      row.set(embedding, 0);
      row.set(concept, 512);
      const probs = (await cdm.run({ input: new ort.Tensor('float32', row, [1, 1280]) })).color_probs!.data as Float32Array;
      reference.push(decodeChunk(probs, chunk));
    }
    const expected = aggregateChunks(reference, { target: 'Blue' });

    expect(result.chunk_count).toBe(8); // 40 s: starts 0, 5, …, 35
    expect(result.chunks.map((c) => c.predicted_color)).toEqual(reference.map((c) => c.predicted_color));
    result.chunks.forEach((chunk, i) => {
      for (const color of COLOR_NAMES) expect(chunk.color_probs[color]).toBeCloseTo(reference[i]!.color_probs[color], 5);
    });
    expect(result.predicted_color).toBe(expected.predicted_color);
    expect(result.predicted_color_by_probs).toBe(expected.predicted_color_by_probs);
    expect(result.confidence).toBeCloseTo(expected.confidence, 5);
    expect(result.drift).toEqual(expected.drift);
    expect(result.settings).toMatchObject({ models: 'tiny', test_only: true, crop: 'center', chunk_size_s: 30, chunk_stride_s: 5, device: 'cpu', batch_size: 4 });
    // The tiny models must respond to their inputs, or this comparison proves little.
    expect(new Set(reference.map((c) => c.color_probs.Red)).size).toBeGreaterThan(1);
  }, 60_000);

  it('is deterministic, including a seeded random crop, on one thread or two', async () => {
    const options = { concept: CONCEPT, crop: 'random' as const, seed: 9 };
    const a = await refractor.scoreFile(song, options);
    const b = await refractor.scoreFile(song, { ...options, parallel: false });
    const c = await refractor.scoreFile(new Uint8Array(readFileSync(song)), options);
    expect(b.chunks).toEqual(a.chunks);
    expect(c.chunks).toEqual(a.chunks);
    const otherSeed = await refractor.scoreFile(song, { ...options, seed: 10 });
    expect(otherSeed.chunks.map((x) => x.color_probs)).not.toEqual(a.chunks.map((x) => x.color_probs));
  }, 60_000);

  it('reports per-stage timings and chunk progress without changing the result', async () => {
    const plain = await refractor.scoreFile(song, { crop: 'center' });
    const counts: number[] = [];
    let timings: SongTimings | undefined;
    const observed = await refractor.scoreFile(song, { crop: 'center', onChunk: (done) => counts.push(done), onTimings: (t) => (timings = t) });
    expect(observed).toEqual(plain);
    expect(counts).toEqual(Array.from({ length: plain.chunk_count }, (_, i) => i + 1));
    expect(Object.keys(timings!).sort()).toEqual(['cdm_ms', 'decode_ms', 'encoder_ms', 'features_ms', 'total_ms']);
    for (const value of Object.values(timings!)) expect(value).toBeGreaterThanOrEqual(0);
    expect(timings!.encoder_ms).toBeGreaterThan(0);
    expect(timings!.total_ms).toBeGreaterThanOrEqual(timings!.encoder_ms + timings!.cdm_ms);
  });

  it('embeds concepts (zeros for none) and audio of any rate', async () => {
    expect(Array.from(await refractor.prepareConcept(''))).toEqual(new Array(768).fill(0));
    const a = await refractor.prepareConcept('red songs');
    const b = await refractor.prepareConcept('blue songs');
    expect(a.length).toBe(768);
    expect(Array.from(a)).not.toEqual(Array.from(b));
    const short = Float32Array.from(sine(440, 3, 22050));
    const padded = await refractor.prepareAudio(short, 22050);
    const repeated = await refractor.prepareAudio(short, 22050, { padding: 'repeatpad' });
    expect(padded.length).toBe(512);
    expect(Array.from(padded)).not.toEqual(Array.from(repeated));
    const scored = await refractor.score({ audioEmbedding: padded, conceptEmbedding: a });
    expect(COLOR_NAMES).toContain(scored.predicted_color);
  }, 30_000);

  it('reports each failing file in a batch and scores the rest', async () => {
    const items = await refractor.scoreBatch([song, join(work, 'missing.wav')]);
    expect(items[0]!.result?.chunk_count).toBe(8);
    expect(items[1]!.error?.message).toMatch(/missing\.wav: unreadable: no such file/);
  }, 60_000);
});

describe('loading models', () => {
  it('computes a CDM with known weights like a float64 forward pass (within 1e-5)', async () => {
    const dir = join(work, 'known-cdm');
    cpSync(tiny, dir, { recursive: true });
    let state = 12345;
    const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5) * 0.2;
    const layer = (inFeatures: number, outFeatures: number) => ({
      inFeatures,
      outFeatures,
      weight: Float32Array.from({ length: inFeatures * outFeatures }, random),
      bias: Float32Array.from({ length: outFeatures }, random),
    });
    const layers = [layer(1280, 256), layer(256, 128), layer(128, 9)];
    writeFileSync(join(dir, 'refractor_cdm.onnx'), encodeModel(buildCdmModel(layers)));
    const loaded = await Refractor.load({ models: dir, offline: true });
    const audio = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i));
    const concept = Float32Array.from({ length: 768 }, (_, i) => Math.cos(i * 0.3));
    const result = await loaded.score({ audioEmbedding: audio, conceptEmbedding: concept });
    // float64 forward pass: Linear → ReLU → Linear → ReLU → Linear → softmax
    let x: number[] = [...audio, ...concept];
    layers.forEach((l, index) => {
      const next = Array.from({ length: l.outFeatures }, (_, o) => {
        let sum = l.bias[o]!;
        for (let i = 0; i < l.inFeatures; i++) sum += l.weight[o * l.inFeatures + i]! * x[i]!;
        return index < 2 ? Math.max(0, sum) : sum;
      });
      x = next;
    });
    const max = Math.max(...x);
    const exps = x.map((v) => Math.exp(v - max));
    const total = exps.reduce((a, e) => a + e, 0);
    COLOR_NAMES.forEach((color, k) => expect(Math.abs(result.color_probs[color] - exps[k]! / total)).toBeLessThan(1e-5));
    await loaded.close();
  }, 30_000);

  it('rejects a model that breaks its contract, naming the file', async () => {
    const dir = join(work, 'wrong-cdm');
    cpSync(tiny, dir, { recursive: true });
    copyFileSync(join(tiny, 'clap/onnx/audio_model.onnx'), join(dir, 'refractor_cdm.onnx'));
    const error = await Refractor.load({ models: dir, offline: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelContractError);
    expect((error as Error).message).toContain(join(dir, 'refractor_cdm.onnx'));
    expect((error as Error).message).toMatch(/CDM has no input 'input'/);
  });

  it('explains how to get CUDA when its provider is missing', async (context) => {
    const attempt = await Refractor.load({ models: 'tiny', offline: true, device: 'cuda' }).catch((e: unknown) => e);
    if (attempt instanceof Refractor) {
      await attempt.close();
      context.skip('this machine has the CUDA provider: nothing to explain');
      return;
    }
    expect((attempt as Error).message).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12/);
  });
});
