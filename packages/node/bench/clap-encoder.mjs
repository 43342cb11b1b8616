// The bare CLAP encoder on a song's chunks, in a fresh process (so its peak RSS is its own):
// features computed first (not timed), then onnxruntime-node alone, batch 1, as the
// real-size bench of issue #11 measures it.
// Usage: node clap-encoder.mjs <model.onnx> <song> <threads>
// Prints one JSON line: { createS, runS, chunks, perChunkS, maxRssMB }.
import { createRequire } from 'node:module';
import { ClapFeatureExtractor, LARGER_CLAP_MUSIC_PREPROCESSOR, songChunkFeatures } from '@refractor/audio';
import { openAudioFile } from '@refractor/audio/node';

const require = createRequire(createRequire(import.meta.url).resolve('@refractor/node'));
const ort = require('onnxruntime-node');

const [model, song, threads] = process.argv.slice(2);
const features = [];
for await (const chunk of songChunkFeatures(await openAudioFile(song), new ClapFeatureExtractor(LARGER_CLAP_MUSIC_PREPROCESSOR), { name: song })) features.push(chunk.features);
const t0 = performance.now();
const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: Number(threads) });
const t1 = performance.now();
const feed = (f) => ({ input_features: new ort.Tensor('float32', f, [1, 1, 1001, 64]) });
await session.run(feed(features[0])); // warm-up: the first run allocates and pre-packs
const t2 = performance.now();
for (const f of features) await session.run(feed(f));
const t3 = performance.now();
await session.release();
console.log(JSON.stringify({ createS: (t1 - t0) / 1000, runS: (t3 - t2) / 1000, chunks: features.length, perChunkS: (t3 - t2) / 1000 / features.length, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
