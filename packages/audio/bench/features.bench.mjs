// Times ClapFeatureExtractor.logMel on 10 s crops, the per-chunk cost of the song pipeline
// (a 4-minute song = 48 chunks × one crop). Plain ESM against the built package, so it runs
// on Node 20 without a TypeScript loader:
//
//   pnpm --filter @refractor/audio build && node packages/audio/bench/features.bench.mjs
//
// Set BENCH_DIST to the path of another build of the same API (e.g. an esbuild bundle of src).
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const dist = process.env.BENCH_DIST
  ? pathToFileURL(process.env.BENCH_DIST).href
  : new URL('../dist/index.js', import.meta.url).href;
const { ClapFeatureExtractor, LARGER_CLAP_MUSIC_PREPROCESSOR } = await import(dist);

/** Deterministic test audio: a log sweep plus xorshift noise, so every run times the same work. */
function testSignal(length, seed) {
  const signal = new Float32Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const noise = (state >>> 0) / 4294967296 - 0.5;
    const t = i / 48000;
    signal[i] = 0.5 * Math.sin(2 * Math.PI * 20 * 10 * (Math.exp(t * 0.69) - 1)) + 0.1 * noise;
  }
  return signal;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const extractor = new ClapFeatureExtractor(LARGER_CLAP_MUSIC_PREPROCESSOR);
const song = testSignal(48 * extractor.cropSamples, 12345); // 48 distinct 10 s crops
const out = new Float32Array(extractor.frames * extractor.melBins);
const crop = (k) => song.subarray(k * extractor.cropSamples, (k + 1) * extractor.cropSamples);

for (let k = 0; k < 10; k++) extractor.logMel(crop(k % 48), out); // warm-up (JIT)

const perCrop = [];
const start = performance.now();
for (let k = 0; k < 48; k++) {
  const t0 = performance.now();
  extractor.logMel(crop(k), out);
  perCrop.push(performance.now() - t0);
}
const total = performance.now() - start;
console.log(
  `logMel (rand_trunc, 480000 samples → 1001×64): median ${median(perCrop).toFixed(2)} ms, ` +
    `min ${Math.min(...perCrop).toFixed(2)} ms, 48 crops ${total.toFixed(1)} ms`,
);

const fusion = new ClapFeatureExtractor({ ...LARGER_CLAP_MUSIC_PREPROCESSOR, truncation: 'fusion' });
const minutes4 = song.subarray(0, 4 * 60 * 48000);
fusion.extract(minutes4); // warm-up
const t1 = performance.now();
const result = fusion.extract(minutes4);
console.log(
  `extract (fusion, 4 min song → ${result.channels}×${result.frames}×${result.melBins}): ` +
    `${(performance.now() - t1).toFixed(1)} ms`,
);
