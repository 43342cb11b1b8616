// `pnpm bench` for @refractor/cli with the real-size bench models (`pnpm bench:models`):
// how much `refractor score` costs beyond the CLAP encoder itself, which is ~90 % of the
// real work. In one run, on the same machine and threads:
//  1. the bare encoder: onnxruntime-node alone, batch 1, on a 4-minute song's chunks;
//  2. `refractor score` on that song from a cold process (the built CLI, spawned);
//  3. `refractor score` on a directory of 10 songs (one process);
// each with peak RSS, and the ratios of 2 and 3 to the bare encoder time for their chunks.
//
// Usage: node bench/real-size.bench.mjs [--quick] [--variants] [--flags "<cli flags>"]...
//   --quick     skip the 10-song run
//   --variants  also time each CLAP dtype variant (fp32, q8, fp16) bare and report sizes
//   --flags     extra `refractor score` flags; each --flags adds a row (default: the defaults);
//               write --flags="--batch-size 16" (with =) for flags that start with a dash
//   --cli PATH  another build of the CLI's bin.js (e.g. a checkout of an older commit, for before/after)
//   --before-cli PATH --before-flags="…"  extra rows run with an older build, against the same bare encoder
// Environment: REFRACTOR_BENCH_MODELS (bench model dir), REFRACTOR_BENCH_THREADS (default: cores).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, homedir, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureChild } from '@refractor/test-helpers/measure-child';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    variants: { type: 'boolean' },
    flags: { type: 'string', multiple: true },
    cli: { type: 'string' },
    'before-cli': { type: 'string' },
    'before-flags': { type: 'string', multiple: true },
  },
});
const cli = args.cli ?? join(root, 'packages', 'cli', 'dist', 'bin.js');

const modelsRoot = process.env.REFRACTOR_BENCH_MODELS || join(homedir(), '.cache', 'refractor', 'bench-models');
const clapSet = join(modelsRoot, 'bench-clap');
const clapModel = join(clapSet, 'clap', 'onnx', 'audio_model.onnx');
if (!existsSync(join(clapSet, 'clap', 'onnx', 'audio_model.onnx_data'))) {
  console.log(
    `real-size benchmark skipped: no bench models in ${modelsRoot}.\n` +
      '  Make them with `pnpm bench:models` (fills the real-size CLAP and DeBERTa graphs from ../shared/bench-models\n' +
      '  with seeded weights: ~1.3 GB, under a minute), or point REFRACTOR_BENCH_MODELS at a copy.',
  );
  process.exit(0);
}
const threads = Number(process.env.REFRACTOR_BENCH_THREADS || availableParallelism());
const scratch = mkdtempSync(join(tmpdir(), 'refractor-real-size-bench-'));

/** An Ogg Vorbis file's duration: the last page's granule position over the identification header's rate; NaN if not that. */
function oggSeconds(path) {
  const bytes = readFileSync(path);
  if (bytes.toString('latin1', 0, 4) !== 'OggS' || bytes.toString('latin1', 29, 35) !== 'vorbis') return NaN;
  const rate = bytes.readUInt32LE(40);
  const last = bytes.lastIndexOf('OggS', bytes.length - 27, 'latin1');
  if (last < 0 || !rate) return NaN;
  return Number(bytes.readBigInt64LE(last + 6)) / rate;
}

/** Songs nearest 4 minutes from the real corpus (Debian game soundtracks), or a synthetic stand-in. */
function pickSongs(count) {
  const script = join(root, '..', 'shared', 'corpus', 'install_corpus.sh');
  const installed = ['wesnoth-1.16-music', 'hyperrogue-music'].every((p) => {
    try {
      execFileSync('dpkg', ['-s', p], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (existsSync(script) && installed) {
    try {
      // Without ffprobe (or soxi) the script's --songs lists nothing: list every track and read Ogg
      // durations from the files themselves (last page's granule position / the Vorbis sample rate).
      const hasFfprobe = (() => {
        try {
          execFileSync('ffprobe', ['-version'], { stdio: 'ignore' });
          return true;
        } catch {
          return false;
        }
      })();
      const paths = execFileSync('bash', [script, ...(hasFfprobe ? ['--songs'] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .split('\n')
        .filter(Boolean);
      const probe = (path) => {
        if (!hasFfprobe) return oggSeconds(path);
        try {
          return Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
        } catch {
          return NaN; // a few tracks in Debian's hyperrogue-music do not open in ffprobe: skip them, not the corpus
        }
      };
      const songs = paths.map((path) => ({ path, seconds: probe(path) })).filter((song) => Number.isFinite(song.seconds) && song.seconds >= 60);
      if (songs.length) return songs.sort((a, b) => Math.abs(a.seconds - 243) - Math.abs(b.seconds - 243) || a.path.localeCompare(b.path)).slice(0, count);
    } catch (error) {
      console.log(`(could not list the corpus: ${error.message.split('\n')[0]})`);
    }
  }
  console.log(
    '(real corpus not installed — `bash ../shared/corpus/install_corpus.sh --songs` installs it from Debian;\n' +
      ' using a synthetic 243 s 44.1 kHz stereo WAV instead, the same file for every song)',
  );
  const rate = 44100;
  const frames = 243 * rate;
  const bytes = Buffer.alloc(44 + frames * 4);
  bytes.write('RIFF', 0); bytes.writeUInt32LE(36 + frames * 4, 4); bytes.write('WAVEfmt ', 8); bytes.writeUInt32LE(16, 16);
  bytes.writeUInt16LE(1, 20); bytes.writeUInt16LE(2, 22); bytes.writeUInt32LE(rate, 24); bytes.writeUInt32LE(rate * 4, 28);
  bytes.writeUInt16LE(4, 32); bytes.writeUInt16LE(16, 34); bytes.write('data', 36); bytes.writeUInt32LE(frames * 4, 40);
  let seed = 1;
  for (let i = 0; i < frames; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const noise = (seed / 4294967296 - 0.5) * 2000;
    bytes.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / rate) + noise), 44 + i * 4);
    bytes.writeInt16LE(Math.round(6000 * Math.sin((2 * Math.PI * 331 * i) / rate) - noise), 46 + i * 4);
  }
  const path = join(scratch, 'synthetic-243s.wav');
  writeFileSync(path, bytes);
  return Array.from({ length: count }, () => ({ path, seconds: 243 }));
}

/** Runs `node …argv` in a fresh process: wall time, peak RSS (MB), CPU and stdout (see @refractor/test-helpers/measure-child). */
const measure = (argv, usage) => measureChild(argv, { cwd: root, scratch, usage });


async function bareEncoder(model, song, maxChunks) {
  const { stdout } = await measure([join(here, 'encoder.mjs'), model, song, String(threads), ...(maxChunks ? [String(maxChunks)] : [])], false);
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

async function score(inputs, flags, bin = cli) {
  const run = await measure([bin, 'score', ...inputs, '--models', clapSet, '--offline', '--format', 'json', ...flags]);
  const songs = JSON.parse(run.stdout);
  return { ...run, chunks: songs.reduce((n, song) => n + song.chunk_count, 0), songs: songs.length };
}

const fmt = (s) => `${s.toFixed(2)} s`;
const mb = (m) => `${m.toFixed(0)} MB`;

const songs = pickSongs(args.quick ? 1 : 10);
const first = songs[0];
console.log(`real-size benchmark — bench models in ${modelsRoot}, ${threads} threads, node ${process.version}, ${availableParallelism()} cores`);
console.log(`song: ${basename(first.path)} (${first.seconds.toFixed(1)} s)${args.quick ? '' : `; 10 songs: ${songs.reduce((s, x) => s + x.seconds, 0).toFixed(0)} s of audio`}\n`);

const load = () => `load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`;
const describeBare = (b) =>
  `${b.chunks} chunks ${fmt(b.runS)} (${(b.perChunkS * 1000).toFixed(0)} ms/chunk wall, ${(b.cpuPerChunkS * 1000).toFixed(0)} ms CPU); ` +
  `session creation ${fmt(b.createS)}, first run ${fmt(b.firstRunS)}; peak RSS ${mb(b.maxRssMB)}; ` +
  `batch 3 = 3 × batch 1 bit for bit: ${b.batchInvariant === null ? 'n/a' : b.batchInvariant ? 'yes' : 'NO'}`;
const bareRuns = [await bareEncoder(clapModel, first.path)];
const spin = process.env.REFRACTOR_BENCH_SPIN === '1' ? 'spinning' : 'no spinning, as the CLI';
console.log(`bare encoder (onnxruntime-node, batch 1, ${threads} threads, ${spin}): ${describeBare(bareRuns[0])} [${load()}]`);

let tenDir;
if (!args.quick) {
  tenDir = join(scratch, 'ten-songs');
  execFileSync('mkdir', ['-p', tenDir]);
  songs.forEach((song, i) => symlinkSync(song.path, join(tenDir, `${String(i).padStart(2, '0')}-${basename(song.path)}`)));
}

// The machine may be shared: the bare encoder is timed again after the rows, and every
// ratio uses the mean of both; CPU-time ratios (all threads) are printed beside the wall ones
// because they hardly move with other load.
const rows = [];
const plan = [
  ...(args.flags ?? ['']).map((flagText) => ({ flagText, bin: cli, tag: '' })),
  ...(args['before-cli'] ? (args['before-flags'] ?? ['']).map((flagText) => ({ flagText, bin: args['before-cli'], tag: ' [before: ' + args['before-cli'] + ']' })) : []),
];
for (const { flagText, bin, tag } of plan) {
  const flags = flagText.split(/\s+/).filter(Boolean);
  const row = { label: (flags.length ? flags.join(' ') : '(defaults)') + tag, one: await score([first.path], flags, bin), loadOne: load() };
  if (tenDir) {
    row.ten = await score([tenDir], flags, bin);
    row.loadTen = load();
  }
  rows.push(row);
}
bareRuns.push(await bareEncoder(clapModel, first.path));
console.log(`bare encoder again:   ${describeBare(bareRuns[1])} [${load()}]`);
const perChunk = (bareRuns[0].perChunkS + bareRuns[1].perChunkS) / 2;
const cpuPerChunk = (bareRuns[0].cpuPerChunkS + bareRuns[1].cpuPerChunkS) / 2;
const ratios = (run) =>
  `${fmt(run.wallS)} = ${(run.wallS / (perChunk * run.chunks)).toFixed(3)}× bare wall (${run.chunks} chunks × ${(perChunk * 1000).toFixed(0)} ms), ` +
  `CPU ${fmt(run.cpuS)} = ${(run.cpuS / (cpuPerChunk * run.chunks)).toFixed(3)}× bare CPU, peak RSS ${mb(run.maxRssMB)}`;
for (const row of rows) {
  console.log(`\nrefractor score ${row.label}`);
  console.log(`  1 song, cold process: ${ratios(row.one)} [${row.loadOne}]`);
  if (row.ten) console.log(`  ${row.ten.songs} songs, one process: ${ratios(row.ten)} [${row.loadTen}]`);
}

if (args.variants) {
  console.log('\nCLAP variants (bare encoder, batch 1, 12 chunks of the song):');
  const dir = dirname(clapModel);
  for (const [dtype, name] of [['fp32', 'audio_model'], ['q8', 'audio_model_quantized'], ['fp16', 'audio_model_fp16']]) {
    const bytes = statSync(join(dir, `${name}.onnx`)).size + statSync(join(dir, `${name}.onnx_data`)).size;
    const r = await bareEncoder(join(dir, `${name}.onnx`), first.path, 12);
    console.log(
      `  ${dtype.padEnd(4)} ${name}.onnx: ${(bytes / 1e6).toFixed(1)} MB, creation ${fmt(r.createS)}, ${(1 / r.perChunkS).toFixed(2)} chunks/s, peak RSS ${mb(r.maxRssMB)}`,
    );
  }
}
rmSync(scratch, { recursive: true, force: true });
