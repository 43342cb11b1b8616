// The bare CLAP encoder on a song's chunks, in a fresh process (so its peak RSS is its own):
// features computed first (not timed), then onnxruntime-node alone, batch 1.
// Usage: node encoder.mjs <model.onnx> <song> <threads> [maxChunks]
// REFRACTOR_BENCH_SPIN=1 lets onnxruntime's idle threads spin (its default); unset, they sleep
// (the CLI's default), so the bare encoder runs with the CLI's thread settings.
// Prints one JSON line: { createS, firstRunS, runS, chunks, perChunkS, cpuPerChunkS, maxRssMB, batchInvariant }
// (batchInvariant: 3 chunks in one run equal them one at a time, bit for bit).
import { createRequire } from 'node:module';
import { ClapFeatureExtractor, LARGER_CLAP_MUSIC_PREPROCESSOR, songChunkFeatures } from '@refractor/audio';
import { openAudioFile } from '@refractor/audio/node';

const require = createRequire(createRequire(import.meta.url).resolve('@refractor/node'));
const ort = require('onnxruntime-node');

const [model, song, threads, maxChunks] = process.argv.slice(2);
const limit = maxChunks ? Number(maxChunks) : Infinity;
const features = [];
for await (const chunk of songChunkFeatures(await openAudioFile(song), new ClapFeatureExtractor(LARGER_CLAP_MUSIC_PREPROCESSOR), { name: song })) {
  if (features.length < limit) features.push(chunk.features);
}
const t0 = performance.now();
const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: Number(threads),
  ...(process.env.REFRACTOR_BENCH_SPIN === '1' ? {} : { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } }),
});
const t1 = performance.now();
const feed = (f) => ({ input_features: new ort.Tensor('float32', f, [1, 1, 1001, 64]) });
await session.run(feed(features[0])); // warm-up: the first run allocates and pre-packs
const t2 = performance.now();
const cpu = process.cpuUsage();
for (const f of features) await session.run(feed(f));
const t3 = performance.now();
const { user, system } = process.cpuUsage(cpu);
// Batch invariance on this model: 3 chunks in one run must equal them one at a time, bit for bit.
const three = features.slice(0, 3);
let batchInvariant = null;
if (three.length === 3) {
  const joined = new Float32Array(three.length * three[0].length);
  three.forEach((f, i) => joined.set(f, i * f.length));
  const batched = (await session.run({ input_features: new ort.Tensor('float32', joined, [3, 1, 1001, 64]) })).audio_embeds.data;
  batchInvariant = true;
  for (let i = 0; i < 3; i++) {
    const single = (await session.run(feed(three[i]))).audio_embeds.data;
    for (let k = 0; k < single.length; k++) if (!Object.is(single[k], batched[i * single.length + k])) batchInvariant = false;
  }
}
await session.release();
console.log(
  JSON.stringify({
    createS: (t1 - t0) / 1000,
    firstRunS: (t2 - t1) / 1000,
    runS: (t3 - t2) / 1000,
    chunks: features.length,
    perChunkS: (t3 - t2) / 1000 / features.length,
    cpuPerChunkS: (user + system) / 1e6 / features.length,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    batchInvariant,
  }),
);
