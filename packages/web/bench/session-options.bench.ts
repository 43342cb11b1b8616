/**
 * The speed and output cost of onnxruntime-web session options (issue #24), in
 * Node, on the real-size CLAP fp32 graph (bench models) and clip.ogg's chunk
 * features: sessions with each option set are created once, then run
 * interleaved (A, B, A, B, …) so a busy machine slows them alike; per option
 * the median ms per chunk (first run of each session left out) and the
 * largest |difference| of its 512-d embeddings from the default session's.
 * Memory is measured in the browser bench (`?ort=noprepack`, …). Run by
 * `pnpm bench`; skips without `pnpm bench:models --web`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { ClapFeatureExtractor, openAudioStream, parseClapPreprocessorConfig, songChunkFeatures, songFeatureSettings } from '@refractor/audio';
import { sessionInput } from '../src/external-data.js';

const here = dirname(fileURLToPath(import.meta.url));
const set = join(process.env.REFRACTOR_BENCH_MODELS || join(homedir(), '.cache', 'refractor', 'bench-models'), 'bench-web');
const model = join(set, 'clap/onnx/audio_model.onnx');

const OPTIONS: Record<string, ort.InferenceSession.SessionOptions> = {
  default: {},
  noprepack: { extra: { session: { disable_prepacking: '1' } } },
};
const ROUNDS = Number(process.env.REFRACTOR_OPTIONS_ROUNDS ?? 3);

it('session options: ms per chunk and output difference (real-size CLAP fp32, onnxruntime-web WASM)', async () => {
  if (!existsSync(model)) {
    console.log('[session options] skipped: run `pnpm bench:models --web`');
    return;
  }
  const clip = new Uint8Array(readFileSync(resolve(here, '../../../examples/clip.ogg')));
  const config = parseClapPreprocessorConfig(JSON.parse(readFileSync(join(set, 'clap/preprocessor_config.json'), 'utf8')), 'x');
  const extractor = new ClapFeatureExtractor(config);
  const feats: Float32Array[] = [];
  for await (const c of songChunkFeatures(await openAudioStream([clip], { name: 'clip.ogg' }), extractor, { name: 'clip.ogg', ...songFeatureSettings({}) })) feats.push(c.features);
  ort.env.wasm.numThreads = Number(process.env.REFRACTOR_SPLIT_THREADS ?? 2);
  ort.env.logLevel = 'error';
  const sessions: Record<string, ort.InferenceSession> = {};
  const createMs: Record<string, number> = {};
  for (const [name, options] of Object.entries(OPTIONS)) {
    const input = sessionInput(new Uint8Array(readFileSync(model)));
    const t = performance.now();
    sessions[name] = await ort.InferenceSession.create(input.model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', ...options, ...input.options });
    createMs[name] = performance.now() - t;
  }
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(OPTIONS).map((n) => [n, []]));
  const outputs: Record<string, Float32Array[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, session] of Object.entries(sessions)) {
      const embeddings: Float32Array[] = [];
      for (const [i, f] of feats.entries()) {
        const s = performance.now();
        const out = await session.run({ input_features: new ort.Tensor('float32', f, [1, 1, 1001, 64]) });
        if (round > 0 || i > 0) times[name]!.push(performance.now() - s);
        embeddings.push((Object.values(out)[0]!.data as Float32Array).slice());
      }
      outputs[name] = embeddings;
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const name of Object.keys(OPTIONS)) {
    const diff = Math.max(...outputs[name]!.flatMap((e, i) => Array.from(e, (v, j) => Math.abs(v - outputs.default![i]![j]!))));
    const ms = median(times[name]!);
    console.log(`[session options] ${name}: create ${(createMs[name]! / 1000).toFixed(1)} s; median ${ms.toFixed(0)} ms/chunk (${(1000 / ms).toFixed(2)} chunks/s) over ${times[name]!.length} runs; max |embedding diff| vs default ${diff.toExponential(2)}`);
  }
  await Promise.all(Object.values(sessions).map((s) => s.release()));
}, 900_000);
