// The bare concept encoder in a fresh process (so its peak RSS is its own): onnxruntime-node
// session creation, then one run on a 24-token concept, as Refractor runs it.
// Usage: node text-encoder.mjs <model.onnx> <threads> [session options as JSON]
// Prints one JSON line: { createS, runS, secondRunS, maxRssMB, afterReleaseRssMB }.
import { createRequire } from 'node:module';

const require = createRequire(createRequire(import.meta.url).resolve('@refractor/node'));
const ort = require('onnxruntime-node');

const [model, threads, extra] = process.argv.slice(2);
const options = { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: Number(threads), ...JSON.parse(extra ?? '{}') };
const t0 = performance.now();
const session = await ort.InferenceSession.create(model, options);
const t1 = performance.now();
// 24 ids below DeBERTa-v3's 128,100 vocabulary: [CLS] … [SEP].
const ids = BigInt64Array.from([1, ...Array.from({ length: 22 }, (_, i) => 1000 + i * 37), 2], BigInt);
const feeds = { input_ids: new ort.Tensor('int64', ids, [1, 24]), attention_mask: new ort.Tensor('int64', new BigInt64Array(24).fill(1n), [1, 24]) };
await session.run(feeds);
const t2 = performance.now();
await session.run(feeds);
const t3 = performance.now();
await session.release();
console.log(
  JSON.stringify({
    createS: (t1 - t0) / 1000,
    runS: (t2 - t1) / 1000,
    secondRunS: (t3 - t2) / 1000,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    afterReleaseRssMB: process.memoryUsage().rss / 1024 / 1024,
  }),
);
