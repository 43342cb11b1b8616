/**
 * Where the WASM-vs-native gap goes (issue #24's profile split), in Node, on
 * the same real-size CLAP graph (bench models) and clip.ogg: decode + CLAP
 * features per chunk (@refractor/audio, the code the browser worker runs),
 * onnxruntime-web's WASM kernels per chunk (REFRACTOR_SPLIT_THREADS, default 2)
 * and onnxruntime-node's native kernels per chunk on 2 threads. The first
 * run of each session is left out (warm-up). Run by `pnpm bench`; skips
 * without `pnpm bench:models --web`.
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
const nativeModel = join(dirname(set), 'bench-clap/clap/onnx/audio_model.onnx');

it('profile split: features vs WASM kernels vs native kernels (real-size CLAP fp32)', async () => {
  if (!existsSync(model) || !existsSync(nativeModel)) {
    console.log('[split] skipped: run `pnpm bench:models --web`');
    return;
  }
  const clip = new Uint8Array(readFileSync(resolve(here, '../../../examples/clip.ogg')));
  const config = parseClapPreprocessorConfig(JSON.parse(readFileSync(join(set, 'clap/preprocessor_config.json'), 'utf8')), 'x');
  const extractor = new ClapFeatureExtractor(config);
  const t0 = performance.now();
  const feats: Float32Array[] = [];
  const stream = await openAudioStream([clip], { name: 'clip.ogg' });
  for await (const c of songChunkFeatures(stream, extractor, { name: 'clip.ogg', ...songFeatureSettings({}) })) feats.push((c as { features: Float32Array }).features);
  const featMs = performance.now() - t0;
  ort.env.wasm.numThreads = Number(process.env.REFRACTOR_SPLIT_THREADS ?? 2);
  ort.env.logLevel = 'error';
  const input = sessionInput(new Uint8Array(readFileSync(model)));
  const session = await ort.InferenceSession.create(input.model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', ...input.options });
  const runs: number[] = [];
  for (const f of feats) {
    const s = performance.now();
    await session.run({ input_features: new ort.Tensor('float32', f, [1, 1, 1001, 64]) });
    runs.push(performance.now() - s);
  }
  const wasmMs = runs.slice(1).reduce((a, b) => a + b, 0) / (runs.length - 1);
  const node = await import('onnxruntime-node');
  const ns = await node.InferenceSession.create(nativeModel, { intraOpNumThreads: 2 });
  const nruns: number[] = [];
  for (const f of feats) {
    const s = performance.now();
    await ns.run({ input_features: new node.Tensor('float32', f, [1, 1, 1001, 64]) });
    nruns.push(performance.now() - s);
  }
  const nativeMs = nruns.slice(1).reduce((a, b) => a + b, 0) / (nruns.length - 1);
  await Promise.all([session.release(), ns.release()]);
  console.log(`[split] ${feats.length} chunks; decode+features ${(featMs / feats.length).toFixed(0)} ms/chunk; ORT-web WASM ${ort.env.wasm.numThreads} threads ${wasmMs.toFixed(0)} ms/chunk (${(1000 / wasmMs).toFixed(2)} chunks/s); onnxruntime-node 2 threads ${nativeMs.toFixed(0)} ms/chunk (${(1000 / nativeMs).toFixed(2)} chunks/s); ratio ${(wasmMs / nativeMs).toFixed(2)}x`);
}, 600_000);
