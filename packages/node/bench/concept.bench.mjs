// `pnpm bench:concept` for @refractor/node (issue #15): what a concept costs at real size.
// With the real-size bench models (real CLAP + real DeBERTa + tiny CDM, `pnpm bench:models`),
// in one run on the same machine and threads, each in a fresh process with its peak RSS:
//  1. bare DeBERTa: onnxruntime-node session creation + one 24-token run;
//  2. bare CLAP: onnxruntime-node on the song's chunks, batch 1 (session creation apart);
//  3. `refractor score` (the built CLI, cold process) of a ~4-minute song: no concept, a new
//     concept (concept cache cleared; model file digests already memoized), a cached concept;
//  4. with --orders: a new concept through the library with the text encoder opened after CLAP,
//     before CLAP (released first), or concurrently with the song.
// Then the ratios the issue sets targets for.
//
// Usage: node bench/concept.bench.mjs [--single-file] [--orders] [--flags "<score flags>"]
//   --single-file  inline the DeBERTa weights into one model.onnx first, the layout of the real
//                  hub model (the bench set keeps them in model.onnx_data, which onnxruntime maps
//                  lazily: a much cheaper session creation)
//   --orders       also run step 4
//   --flags        `refractor score` flags (default: --batch-size 1)
// Environment: REFRACTOR_BENCH_MODELS (bench model root), REFRACTOR_BENCH_THREADS (default: cores).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, homedir, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureChild } from '@refractor/test-helpers/measure-child';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const cli = join(root, 'packages', 'cli', 'dist', 'bin.js');
const { values: args } = parseArgs({ options: { 'single-file': { type: 'boolean' }, orders: { type: 'boolean' }, flags: { type: 'string' } } });

const modelsRoot = process.env.REFRACTOR_BENCH_MODELS || join(homedir(), '.cache', 'refractor', 'bench-models');
let models = join(modelsRoot, 'bench-full');
if (!existsSync(join(models, 'text', 'onnx', 'model.onnx_data')) || !existsSync(join(models, 'clap', 'onnx', 'audio_model.onnx_data'))) {
  console.log(
    `concept benchmark skipped: no real-size bench models in ${join(modelsRoot, 'bench-full')}.\n` +
      '  Make them with `pnpm bench:models` (fills the real-size CLAP and DeBERTa graphs of ../shared/bench-models with seeded weights),\n' +
      '  or point REFRACTOR_BENCH_MODELS at a copy.',
  );
  process.exit(0);
}
if (!existsSync(cli)) {
  console.log('concept benchmark: build the CLI first (`pnpm build`).');
  process.exit(1);
}
const threads = Number(process.env.REFRACTOR_BENCH_THREADS || availableParallelism());
const scoreFlags = (args.flags ?? '--batch-size 1').split(/\s+/).filter(Boolean);
const scratch = mkdtempSync(join(tmpdir(), 'refractor-concept-bench-'));
const cache = join(scratch, 'cache');

/** A copy of the set whose text encoder is one model.onnx with its weights inline (the hub layout); other files linked. */
function singleFileCopy(from, onnx) {
  const to = join(scratch, 'single-file-set');
  mkdirSync(join(to, 'text', 'onnx'), { recursive: true });
  for (const entry of ['clap', 'refractor_cdm.onnx']) symlinkSync(join(from, entry), join(to, entry));
  for (const name of readdirSync(join(from, 'text'))) if (name !== 'onnx') symlinkSync(join(from, 'text', name), join(to, 'text', name));
  const source = join(from, 'text', 'onnx', 'model.onnx');
  const model = onnx.ModelProto.decode(readFileSync(source));
  const data = readFileSync(join(from, 'text', 'onnx', 'model.onnx_data'));
  for (const tensor of model.graph.initializer) {
    if (tensor.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
    const where = Object.fromEntries(tensor.externalData.map((entry) => [entry.key, entry.value]));
    if (where.location !== 'model.onnx_data') throw new Error(`${source}: external data in ${where.location}, expected model.onnx_data`);
    const offset = Number(where.offset ?? 0);
    tensor.rawData = data.subarray(offset, offset + Number(where.length));
    tensor.externalData = [];
    tensor.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
  }
  writeFileSync(join(to, 'text', 'onnx', 'model.onnx'), onnx.ModelProto.encode(model).finish());
  return to;
}

/** The corpus song nearest 243 s (the issue's song length), or a synthetic stand-in. */
function pickSong() {
  const script = join(root, '..', 'shared', 'corpus', 'install_corpus.sh');
  try {
    const paths = execFileSync('bash', [script, '--songs'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean);
    const songs = paths.map((path) => ({
      path,
      seconds: Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path], { encoding: 'utf8' }).trim()),
    }));
    return songs.sort((a, b) => Math.abs(a.seconds - 243) - Math.abs(b.seconds - 243) || a.path.localeCompare(b.path))[0];
  } catch (error) {
    console.log(`(no corpus: ${error.message.split('\n')[0]}; using a synthetic 243 s WAV)`);
  }
  const rate = 44100;
  const frames = 243 * rate;
  const bytes = Buffer.alloc(44 + frames * 2);
  bytes.write('RIFF', 0); bytes.writeUInt32LE(36 + frames * 2, 4); bytes.write('WAVEfmt ', 8); bytes.writeUInt32LE(16, 16);
  bytes.writeUInt16LE(1, 20); bytes.writeUInt16LE(1, 22); bytes.writeUInt32LE(rate, 24); bytes.writeUInt32LE(rate * 2, 28);
  bytes.writeUInt16LE(2, 32); bytes.writeUInt16LE(16, 34); bytes.write('data', 36); bytes.writeUInt32LE(frames * 2, 40);
  for (let i = 0; i < frames; i++) bytes.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / rate) * (1 + Math.sin(i / rate))), 44 + i * 2);
  const path = join(scratch, 'synthetic-243s.wav');
  writeFileSync(path, bytes);
  return { path, seconds: 243 };
}

/** Runs `node …argv` in a fresh process (the bench's own cache): wall time, peak RSS (MB) and stdout. */
const measure = (argv, env = {}) => measureChild(argv, { cwd: root, scratch, env: { REFRACTOR_CACHE: cache, ...env } });
const lastJson = (run) => JSON.parse(run.stdout.trim().split('\n').at(-1));
const score = (concept) => measure([cli, 'score', song.path, '--models', models, '--offline', '--format', 'json', ...scoreFlags, ...(concept ? ['--concept', concept] : [])]);
const clearConcepts = () => measure([cli, 'models', 'concepts', '--clear']);
const s = (x) => `${x.toFixed(2)} s`;
const mb = (x) => `${x.toFixed(0)} MB`;

const song = pickSong();
console.log(
  `concept benchmark — ${models}${args['single-file'] ? ' (DeBERTa weights inline, as on the hub)' : ' (DeBERTa weights in model.onnx_data)'}\n` +
    `${threads} threads, node ${process.version}, ${availableParallelism()} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n` +
    `song: ${basename(song.path)} (${song.seconds.toFixed(1)} s); refractor score flags: ${scoreFlags.join(' ') || '(defaults)'}\n`,
);
// onnx-proto (a dependency of @refractor/node, for the external-weights copy) reads and writes the graph.
if (args['single-file']) models = singleFileCopy(models, (await import('onnx-proto')).default.onnx);

const text = lastJson(await measure([join(here, 'text-encoder.mjs'), join(models, 'text', 'onnx', 'model.onnx'), String(threads)]));
console.log(`bare DeBERTa: session creation ${s(text.createS)}, 24-token run ${s(text.runS)} (then ${s(text.secondRunS)}), peak RSS ${mb(text.maxRssMB)}`);
const clap = lastJson(await measure([join(here, 'clap-encoder.mjs'), join(models, 'clap', 'onnx', 'audio_model.onnx'), song.path, String(threads)]));
console.log(`bare CLAP: ${clap.chunks} chunks ${s(clap.runS)} (session creation ${s(clap.createS)} apart), peak RSS ${mb(clap.maxRssMB)}`);

const none = await score();
// Memoizes the model files' digests (hashed once per file), then forgets every concept: the "new concept" run below is a
// new text for a known model, the everyday case; the first run ever also hashes the 735 MB encoder once.
const firstEver = await score('a warm-up concept that memoizes the model digests');
await clearConcepts();
const concept = 'A song about forgetting the future';
const fresh = await score(concept);
const cached = await score(concept);
const same = JSON.stringify(JSON.parse(fresh.stdout)[0].color_probs) === JSON.stringify(JSON.parse(cached.stdout)[0].color_probs);
const reference = clap.runS + text.createS + text.runS;
// The CLI opened a big single-file encoder from its external-weights copy (made in the first run): time that too.
const copies = join(cache, 'external-weights');
const copy = existsSync(copies) ? readdirSync(copies).find((name) => /^[0-9a-f]{64}$/.test(name)) : undefined;
const mapped = copy && lastJson(await measure([join(here, 'text-encoder.mjs'), join(copies, copy, 'model.onnx'), String(threads)]));
console.log(`\nrefractor score, cold process (wall, peak RSS):`);
console.log(`  no concept            ${s(none.wallS)}  ${mb(none.maxRssMB)}`);
console.log(`  first run ever        ${s(firstEver.wallS)}  ${mb(firstEver.maxRssMB)}   (also hashes the model files once)`);
console.log(`  new concept           ${s(fresh.wallS)}  ${mb(fresh.maxRssMB)}`);
console.log(`  cached concept        ${s(cached.wallS)}  ${mb(cached.maxRssMB)}   (same probabilities as new: ${same})`);
if (mapped) {
  console.log(
    `\nbare DeBERTa from its external-weights copy (what score opened): creation ${s(mapped.createS)}, run ${s(mapped.runS)}, peak RSS ${mb(mapped.maxRssMB)} ` +
      `(the file as is: ${s(text.createS)}, ${mb(text.maxRssMB)})`,
  );
}
console.log(`\nratios (targets in brackets):`);
console.log(`  cached / no concept:  wall ${(cached.wallS / none.wallS).toFixed(3)}×, RSS ${(cached.maxRssMB / none.maxRssMB).toFixed(3)}×   [1 ± noise]`);
console.log(
  `  new / (bare CLAP ${s(clap.runS)} + bare DeBERTa ${s(text.createS + text.runS)}): ${(fresh.wallS / reference).toFixed(3)}×   [≤ 1.25]; ` +
    `peak ${mb(fresh.maxRssMB)}   [≤ 1300 MB]`,
);

if (args.orders) {
  console.log(`\nnew concept, text encoder order (library, fresh process each; the concept cache cleared before each):`);
  const modes = ['after-load', 'first', 'concurrent'].map((mode) => [mode, true]);
  // With a single-file encoder, also without its external-weights copy (the encoder file opened as it is).
  if (mapped) modes.push(['after-load', false], ['first', false]);
  for (const [mode, external] of modes) {
    rmSync(join(cache, 'concepts'), { recursive: true, force: true });
    const argv = [join(here, 'concept-order.mjs'), models, song.path, mode, concept, join(cache, 'concepts'), String(scoreFlags.includes('--batch-size') ? scoreFlags[scoreFlags.indexOf('--batch-size') + 1] : 16), external ? 'external' : 'as-is'];
    const run = lastJson(await measure(argv));
    console.log(`  ${`${mode}${external ? '' : ', file as is'}`.padEnd(24)} ${s(run.wallS)}  ${mb(run.maxRssMB)}  embedding ${run.conceptSha}`);
  }
}
rmSync(scratch, { recursive: true, force: true });
