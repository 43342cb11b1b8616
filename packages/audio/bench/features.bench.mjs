// Times ClapFeatureExtractor.logMel on 10 s crops, the per-chunk cost of the song pipeline
// (a 4-minute song = 48 chunks × one crop). Plain ESM against the built package, so it runs
// on Node 20 without a TypeScript loader:
//
//   pnpm --filter @refractor/audio build && node packages/audio/bench/features.bench.mjs
//
// Set BENCH_DIST to the path of another build of the same API (e.g. an esbuild bundle of src).
//
// Then the whole front end of one song (decode → downmix → resample → log-mel of every chunk,
// one thread, as `songChunkFeatures` runs it) in CPU seconds, with frame sharing between
// overlapping crops off (every crop on its own, the old path) and on, alternated in one process,
// and each stage alone. The song: BENCH_SONG, else the real corpus's track nearest 4 minutes
// (../shared/corpus/install_corpus.sh), else a synthetic 4-minute 44.1 kHz stereo signal.
// BENCH_REPS (default 5) runs of each; medians. BENCH_BEFORE_DIST=<another build's dist/index.js>
// adds its whole front end (shared frames) to the alternation, for before/after in one run.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = process.env.BENCH_DIST
  ? pathToFileURL(process.env.BENCH_DIST).href
  : new URL('../dist/index.js', import.meta.url).href;
const { ClapFeatureExtractor, LARGER_CLAP_MUSIC_PREPROCESSOR, StreamingResampler, downmix, songChunkFeatures, openAudioStream } =
  await import(dist);

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

// ---- The whole front end of one song, CPU seconds ----

/** BENCH_SONG, or the installed corpus's track nearest 243 s (by ffprobe when there, else by size), or null. */
function pickSong() {
  if (process.env.BENCH_SONG) return process.env.BENCH_SONG;
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'shared', 'corpus', 'install_corpus.sh');
  try {
    execFileSync('dpkg', ['-s', 'wesnoth-1.16-music'], { stdio: 'ignore' });
    const tracks = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean);
    const named = tracks.find((t) => t.endsWith('/weight_of_revenge.ogg')); // 242.8 s
    if (named) return named;
    return tracks.sort((a, b) => Math.abs(statSync(a).size - 4e6) - Math.abs(statSync(b).size - 4e6))[0] ?? null;
  } catch {
    return null;
  }
}

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Bytes of the song as the decoder's source, in 64 KiB chunks (as openAudioFile reads them). */
async function songBytes(path) {
  const { readFile } = await import('node:fs/promises');
  const bytes = new Uint8Array(await readFile(path));
  const chunks = [];
  for (let at = 0; at < bytes.length; at += 65536) chunks.push(bytes.slice(at, at + 65536));
  return chunks;
}

/** A synthetic 4-minute 44.1 kHz stereo song as decoded blocks (no decode cost). */
function syntheticBlocks() {
  const rate = 44100;
  const left = testSignal(240 * rate, 7);
  const right = testSignal(240 * rate, 8);
  const blocks = [];
  for (let at = 0; at < left.length; at += 65536) blocks.push({ sampleRate: rate, channels: [left.subarray(at, at + 65536), right.subarray(at, at + 65536)] });
  return blocks;
}

const songPath = pickSong();
const bytes = songPath ? await songBytes(songPath) : null;
const decodedBlocks = [];
if (bytes) for await (const block of await openAudioStream(bytes, { name: songPath })) decodedBlocks.push(block);
else decodedBlocks.push(...syntheticBlocks());
const songSeconds = decodedBlocks.reduce((n, b) => n + b.channels[0].length, 0) / decodedBlocks[0].sampleRate;
async function* replay() {
  yield* decodedBlocks;
}

const jsExtractor = new ClapFeatureExtractor(LARGER_CLAP_MUSIC_PREPROCESSOR, { simd: false });
const stages = {
  decode: async () => {
    if (!bytes) return;
    for await (const block of await openAudioStream(bytes, { name: songPath })) void block;
  },
  // @audio/decode's own Ogg Vorbis path (what `decode` replaced, see src/ogg-vorbis.ts); no sample checks.
  'decode, @audio/decode': async () => {
    if (!bytes || !songPath.endsWith('.ogg')) return;
    const { decodeChunked } = await import('@audio/decode');
    for await (const piece of decodeChunked((async function* () { yield* bytes; })(), 'oga')) void piece;
  },
  downmix: async () => {
    for (const block of decodedBlocks) downmix(block.channels);
  },
  'downmix + resample': async () => {
    const resampler = new StreamingResampler(decodedBlocks[0].sampleRate, 48000);
    for (const block of decodedBlocks) resampler.process(downmix(block.channels));
    resampler.flush();
  },
  'downmix + resample, JS kernel': async () => {
    const resampler = new StreamingResampler(decodedBlocks[0].sampleRate, 48000, { simd: false });
    for (const block of decodedBlocks) resampler.process(downmix(block.channels));
    resampler.flush();
  },
  'front end, unshared (old)': async () => {
    const source = bytes ? await openAudioStream(bytes, { name: songPath }) : replay();
    for await (const chunk of songChunkFeatures(source, extractor, { shareFrames: false })) void chunk;
  },
  'front end, shared frames': async () => {
    const source = bytes ? await openAudioStream(bytes, { name: songPath }) : replay();
    for await (const chunk of songChunkFeatures(source, extractor, { shareFrames: true })) void chunk;
  },
  'features from PCM, unshared': async () => {
    for await (const chunk of songChunkFeatures(replay(), extractor, { shareFrames: false })) void chunk;
  },
  'features from PCM, shared': async () => {
    for await (const chunk of songChunkFeatures(replay(), extractor, { shareFrames: true })) void chunk;
  },
  // The same with the log-mel on its JS path (no WebAssembly SIMD kernel; same bits).
  'features from PCM, JS log-mel': async () => {
    for await (const chunk of songChunkFeatures(replay(), jsExtractor, { shareFrames: true })) void chunk;
  },
};
if (process.env.BENCH_BEFORE_DIST) {
  const before = await import(pathToFileURL(process.env.BENCH_BEFORE_DIST).href);
  const beforeExtractor = new before.ClapFeatureExtractor(before.LARGER_CLAP_MUSIC_PREPROCESSOR);
  stages['front end, before build'] = async () => {
    const source = bytes ? await before.openAudioStream(bytes, { name: songPath }) : replay();
    for await (const chunk of before.songChunkFeatures(source, beforeExtractor, { shareFrames: true })) void chunk;
  };
}
const reps = Number(process.env.BENCH_REPS ?? 5);
const samples = Object.fromEntries(Object.keys(stages).map((k) => [k, []]));
for (const run of Object.values(stages)) await run(); // warm-up (JIT, wasm compile)
for (let r = 0; r < reps; r++) {
  for (const [name, run] of Object.entries(stages)) {
    const c0 = cpuSeconds();
    await run();
    samples[name].push(cpuSeconds() - c0);
  }
}
console.log(
  `\nfront end of one song, CPU seconds (median of ${reps}, alternated; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}):\n` +
    `  ${songPath ? `${songPath} (${songSeconds.toFixed(1)} s)` : `synthetic ${songSeconds} s 44.1 kHz stereo (no decode)`}`,
);
for (const [name, values] of Object.entries(samples)) {
  if (name.startsWith('decode') && !bytes) continue;
  console.log(`  ${name.padEnd(30)} ${median(values).toFixed(3)} s  (min ${Math.min(...values).toFixed(3)})`);
}
const before = median(samples['front end, unshared (old)']);
const after = median(samples['front end, shared frames']);
console.log(`  front end shared / unshared: ${(after / before).toFixed(3)} (${before.toFixed(3)} s → ${after.toFixed(3)} s)`);
if (samples['front end, before build']) {
  const old = median(samples['front end, before build']);
  console.log(`  front end this build / before build: ${(after / old).toFixed(3)} (${old.toFixed(3)} s → ${after.toFixed(3)} s)`);
}
