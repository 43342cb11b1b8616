#!/usr/bin/env node
/**
 * `pnpm bench:gpu`: one self-contained benchmark for a machine with a GPU
 * (issue #21). In order, each section time-boxed so the whole run ends within
 * 8 minutes (a section that would not fit is skipped with a message):
 *
 * 1. the machine: Node, onnxruntime-node, what `chooseNodeDevice('auto')`
 *    finds (and why), the GPU and driver from nvidia-smi when there is one, the
 *    Vulkan adapters from vulkaninfo when it is installed;
 * 2. the bare real-size CLAP encoder (HTSAT-base, `pnpm bench:models`): chunks/s
 *    at batch 1, 16 and 64, fp32 and fp16, on webgpu and on cuda when its
 *    provider is installed (random features: the cost does not depend on them);
 * 3. `refractor score` of the 10-song corpus (../shared/corpus/install_corpus.sh;
 *    skipped with a message when the corpus is not installed);
 * 4. the HTTP server's throughput with 32 concurrent clients, cross-request
 *    batching off, then on (`createServer`, `limits.concurrency` 32);
 * 5. peak GPU memory over each section, from nvidia-smi where it can be read.
 *
 * The figures go to a small JSON file (its path is printed; `--out FILE`).
 * `--smoke` runs every section small with the tiny models (SwiftShader-friendly:
 * `VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json XDG_RUNTIME_DIR=/tmp`).
 * Run `pnpm build` first: the script uses the packages' built `dist/`.
 *
 * Usage: node scripts/bench-gpu.mjs [--smoke] [--out FILE] [--device LIST] [--only LIST] [--budget-s N]
 *        [--models DIR] [--clients N] [--concurrency N] [--song-seconds S] [--server-seconds S] [--batches LIST] [--max-batch N]
 */
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TINY = join(ROOT, 'models', 'tiny');
const CLI = join(ROOT, 'packages', 'cli', 'dist', 'bin.js');
const SECTIONS = ['encoder', 'score', 'server'];

const HELP = `Usage: pnpm bench:gpu [--smoke] [--out FILE] [--device LIST] [--only LIST] [--budget-s N] [options]

The GPU benchmark of issue #21: adapter and driver, the bare real-size CLAP's
chunks/s (batch 1, 16, 64; fp32, fp16; webgpu, and cuda when installed),
\`refractor score\` of the 10-song corpus, server throughput with 32 clients
with cross-request batching off and on, and peak GPU memory. Finishes within
8 minutes (each section time-boxed; what would not fit is skipped, said so) and
writes its figures as JSON. Run \`pnpm build\` first.

  --smoke             every section small, with the tiny models (runs on SwiftShader)
  --out FILE          where the JSON goes (default: bench-gpu-<time>.json in the temp directory)
  --device LIST       devices, comma-separated, for the encoder section (default: webgpu, plus cuda
                      when its provider is installed); the first is used for score and server
                      (default there: the first of them that opens a session, else cpu)
  --only LIST         sections to run, comma-separated: ${SECTIONS.join(', ')} (default: all)
  --budget-s N        the whole run's time limit in seconds (default 450: under 8 minutes with setup)
  --models DIR        a bench-clap model directory (default: built or found by scripts/bench-models.mjs)
  --batches LIST      encoder batch sizes (default 1,16,64; smoke 1,16)
  --clients N         concurrent HTTP clients (default 32; smoke 4)
  --concurrency N     the server's limits.concurrency (default: --clients)
  --song-seconds S    length of each client's song (default 40: 8 chunks, windows every 5 s; smoke 12)
  --server-seconds S  how long each server mode is measured (default 40; smoke 4)
  --max-batch N       cross-request batching's most chunks per CLAP run, in the "on" mode (default 16)
  --modes LIST        server modes in the order measured (default off,on; on,off checks for order effects)
  -h, --help          this text`;

// ---------------------------------------------------------------- options and budget

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean' },
    out: { type: 'string' },
    device: { type: 'string' },
    only: { type: 'string' },
    'budget-s': { type: 'string' },
    models: { type: 'string' },
    batches: { type: 'string' },
    clients: { type: 'string' },
    concurrency: { type: 'string' },
    'song-seconds': { type: 'string' },
    'server-seconds': { type: 'string' },
    'max-batch': { type: 'string' },
    modes: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}

function fail(message) {
  console.error(`bench-gpu: ${message}\n\n${HELP}`);
  process.exit(2);
}
function number(name, fallback, { integer = false, min = 0 } = {}) {
  const text = args[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) fail(`--${name} is ${JSON.stringify(text)}; expected ${integer ? 'an integer' : 'a number'} >= ${min}`);
  return value;
}
function list(name, fallback, allowed) {
  const text = args[name];
  if (text === undefined) return fallback;
  const items = text.split(',').map((item) => item.trim()).filter(Boolean);
  const bad = allowed ? items.filter((item) => !allowed.includes(item)) : [];
  if (items.length === 0 || bad.length > 0) fail(`--${name} is ${JSON.stringify(text)}; expected a comma-separated list of ${allowed ? allowed.join(', ') : 'values'}`);
  return items;
}

const smoke = Boolean(args.smoke);
const started = performance.now();
const budgetS = number('budget-s', 450, { min: 10 });
const only = list('only', SECTIONS, SECTIONS);
list('device', [], ['cpu', 'cuda', 'webgpu']); // checked now, used once the packages are loaded
const batches = list('batches', smoke ? ['1', '16'] : ['1', '16', '64']).map((b) => {
  const n = Number(b);
  if (!Number.isInteger(n) || n < 1) fail(`--batches has ${JSON.stringify(b)}; expected integers >= 1`);
  return n;
});
const clients = number('clients', smoke ? 4 : 32, { integer: true, min: 1 });
const concurrency = number('concurrency', clients, { integer: true, min: 1 });
const songSeconds = number('song-seconds', smoke ? 12 : 40, { min: 1 });
const serverSeconds = number('server-seconds', smoke ? 4 : 40, { min: 1 });
const maxBatch = number('max-batch', 16, { integer: true, min: 1 });
const modes = list('modes', ['off', 'on'], ['off', 'on']);
const outPath = resolve(args.out ?? join(tmpdir(), `bench-gpu-${new Date().toISOString().replace(/[:.]/g, '-')}.json`));

const elapsedS = () => (performance.now() - started) / 1000;
const leftS = () => budgetS - elapsedS();
const log = (line) => process.stderr.write(`${line}\n`);
const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));

/** Runs a section when at least `needS` seconds are left; its own limit is `capS` (or what is left). */
async function section(name, needS, capS, work) {
  if (!only.includes(name) && SECTIONS.includes(name)) return undefined;
  if (leftS() < needS) {
    const why = `skipped: ${fmt(leftS(), 0)} s of the ${budgetS} s budget left, the section needs ${needS} s`;
    log(`\n== ${name}: ${why}`);
    return { skipped: why };
  }
  const limitS = Math.min(capS, leftS() - 5);
  log(`\n== ${name} (at most ${fmt(limitS, 0)} s)`);
  const deadline = performance.now() + limitS * 1000;
  const memory = gpuMemory.mark();
  try {
    const result = await work(deadline);
    return { ...result, ...memory.peak() };
  } catch (error) {
    log(`  ${name} failed: ${error.message.split('\n')[0]}`);
    return { error: error.message.split('\n')[0], ...memory.peak() };
  }
}

// ---------------------------------------------------------------- the packages (built)

const importDist = (pkg, file = 'index.js') => import(pathToFileURL(join(ROOT, 'packages', pkg, 'dist', file)).href);
for (const pkg of ['node', 'server', 'cli']) {
  if (!existsSync(join(ROOT, 'packages', pkg, 'dist'))) fail(`packages/${pkg}/dist is missing: run \`pnpm build\` first`);
}
const node = await importDist('node');
const { createServer } = await importDist('server');
const ort = createRequire(join(ROOT, 'packages', 'node', 'package.json'))('onnxruntime-node');

// ---------------------------------------------------------------- GPU memory (nvidia-smi)

const NVIDIA_SMI = ['nvidia-smi', '/usr/bin/nvidia-smi'].find((cmd) => spawnSync(cmd, ['-L'], { encoding: 'utf8' }).status === 0);

/** Samples nvidia-smi's used memory every 200 ms; sections read the peak over their own span. */
const gpuMemory = (() => {
  let current = Number.NaN;
  let peak = Number.NaN;
  let child;
  if (NVIDIA_SMI) {
    child = spawn(NVIDIA_SMI, ['--query-gpu=memory.used', '--format=csv,noheader,nounits', '-lms', '200'], { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.setEncoding('utf8').on('data', (text) => {
      for (const line of text.split('\n')) {
        // One line per GPU per sample: the sum is the process's whole footprint on a multi-GPU machine too.
        const mb = line.split(',').map(Number).reduce((a, b) => a + b, 0);
        if (line.trim() && Number.isFinite(mb)) {
          current = mb;
          peak = Number.isFinite(peak) ? Math.max(peak, mb) : mb;
        }
      }
    });
    child.unref();
    process.on('exit', () => child.kill());
  }
  return {
    available: Boolean(NVIDIA_SMI),
    baseline: () => current,
    /** Starts a span; `peak()` gives the highest used memory since (MiB), and the baseline before it. */
    mark() {
      const before = current;
      peak = current;
      return { peak: () => (NVIDIA_SMI ? { gpu_memory_peak_mib: peak, gpu_memory_before_mib: before } : {}) };
    },
    stop: () => child?.kill(),
  };
})();

// ---------------------------------------------------------------- 1. the machine

const report = {
  version: 1,
  smoke,
  started_at: new Date().toISOString(),
  budget_s: budgetS,
  machine: {
    node: process.version,
    onnxruntime_node: createRequire(join(ROOT, 'packages', 'node', 'package.json'))('onnxruntime-node/package.json').version,
    platform: `${process.platform} ${process.arch}`,
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    memory_gib: Number((totalmem() / 2 ** 30).toFixed(1)),
  },
};

log(`bench-gpu${smoke ? ' --smoke' : ''}: budget ${budgetS} s; figures will go to ${outPath}`);
const choice = await node.chooseNodeDevice('auto');
report.machine.auto_device = node.describeDeviceChoice(choice);
report.machine.cuda_provider_installed = node.cudaProviderInstalled();
report.machine.vulkan_icd = process.env.VK_ICD_FILENAMES ?? null;
if (NVIDIA_SMI) {
  const query = spawnSync(NVIDIA_SMI, ['--query-gpu=name,driver_version,memory.total,compute_cap', '--format=csv,noheader'], { encoding: 'utf8' });
  report.machine.nvidia_smi = query.stdout.trim().split('\n');
} else {
  report.machine.nvidia_smi = null;
}
// The Vulkan adapters (what webgpu runs on under Linux), when vulkaninfo (Debian's vulkan-tools) is there.
const vulkaninfo = spawnSync('vulkaninfo', ['--summary'], { encoding: 'utf8', timeout: 20_000 });
report.machine.vulkan_devices =
  vulkaninfo.status === 0
    ? vulkaninfo.stdout
        .split('\n')
        .filter((line) => /^\s*(deviceName|deviceType|driverName|driverInfo|apiVersion)\s*=/.test(line))
        .map((line) => line.trim().replace(/\s*=\s*/, ': '))
    : null;
log(`node ${report.machine.node}, onnxruntime-node ${report.machine.onnxruntime_node}, ${report.machine.platform}, ${report.machine.cpus}, ${report.machine.memory_gib} GiB`);
log(`device auto: ${report.machine.auto_device}`);
log(NVIDIA_SMI ? `nvidia-smi: ${report.machine.nvidia_smi.join(' | ')}` : 'nvidia-smi: not found (no NVIDIA driver here): GPU memory is not measured');
if (process.env.VK_ICD_FILENAMES) log(`Vulkan ICD: ${process.env.VK_ICD_FILENAMES}`);
log(report.machine.vulkan_devices ? `vulkaninfo: ${report.machine.vulkan_devices.join('; ')}` : 'vulkaninfo: not installed (apt-get install vulkan-tools names the Vulkan adapters)');

// Devices: those asked for, else webgpu and (when its provider is installed) cuda.
const devices = list('device', [...(report.machine.cuda_provider_installed ? ['cuda'] : []), 'webgpu'], ['cpu', 'cuda', 'webgpu']);
report.devices = devices;

// ---------------------------------------------------------------- the models

let modelDir = args.models ? resolve(args.models) : undefined;
if (smoke) modelDir ??= TINY;
if (!modelDir) {
  const setupStarted = performance.now();
  const { buildBenchModels } = await import(pathToFileURL(join(ROOT, 'scripts', 'bench-models.mjs')).href);
  log('\n== models: real-size CLAP from scripts/bench-models.mjs (built once, then reused)');
  try {
    [modelDir] = await buildBenchModels({ only: 'clap', check: false });
  } catch (error) {
    log(`  the bench models could not be built (${error.message.split('\n')[0]}); every section needs them: stopping`);
    report.error = `bench models: ${error.message.split('\n')[0]}`;
  }
  report.models_setup_s = Number(((performance.now() - setupStarted) / 1000).toFixed(1));
}
report.models = modelDir ?? null;
const clapFile = (dtype) => join(modelDir ?? '', 'clap', 'onnx', dtype === 'fp16' ? 'audio_model_fp16.onnx' : 'audio_model.onnx');

// ---------------------------------------------------------------- 2. the bare encoder

/** Seeded features for `batch` chunks (values like log-mels: the cost does not depend on them). */
function features(batch) {
  let seed = 0x9e3779b9;
  return Float32Array.from({ length: batch * 1001 * 64 }, () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 40 - 60);
}

async function encoderCell(session, batch, deadline, capS) {
  const feeds = { input_features: new ort.Tensor('float32', features(batch), [batch, 1, 1001, 64]) };
  const warm = performance.now();
  await session.run(feeds); // compiles shaders, allocates, pre-packs
  const warmupS = (performance.now() - warm) / 1000;
  const until = Math.min(deadline, performance.now() + capS * 1000);
  let runs = 0;
  const t0 = performance.now();
  do {
    await session.run(feeds);
    runs += 1;
  } while (performance.now() < until || runs < 2);
  const seconds = (performance.now() - t0) / 1000;
  return { batch, runs, seconds: Number(seconds.toFixed(3)), chunks_per_s: Number(((runs * batch) / seconds).toFixed(2)), first_run_s: Number(warmupS.toFixed(3)) };
}

if (modelDir) {
  report.encoder = await section('encoder', 20, smoke ? 60 : 170, async (deadline) => {
    const cells = [];
    const dtypes = ['fp32', 'fp16'];
    const perCell = Math.max(1, ((deadline - performance.now()) / 1000 - 10 * devices.length * dtypes.length) / (devices.length * dtypes.length * batches.length));
    for (const device of devices) {
      for (const dtype of dtypes) {
        const file = clapFile(dtype);
        const where = `${device} ${dtype}`;
        if (performance.now() > deadline) {
          cells.push({ device, dtype, skipped: 'out of time' });
          log(`  ${where}: skipped (out of time)`);
          continue;
        }
        if (!existsSync(file)) {
          cells.push({ device, dtype, skipped: `${file} is absent` });
          log(`  ${where}: skipped (${file} is absent${smoke ? '; the tiny set has no fp16 CLAP' : ''})`);
          continue;
        }
        let session;
        try {
          const t0 = performance.now();
          session = await node.createNodeBackend({ device }).createSession(file);
          const createS = (performance.now() - t0) / 1000;
          log(`  ${where}: session created in ${fmt(createS, 2)} s`);
          let secondsPerChunk = 0;
          for (const batch of batches) {
            // A cell makes at least three runs (warm-up and two timed): skip it when the last cell's pace says they would not fit.
            const needS = 3 * batch * secondsPerChunk;
            if (performance.now() > deadline || performance.now() + needS * 1000 > deadline) {
              const why = performance.now() > deadline ? 'out of time' : `out of time: three runs would take ~${fmt(needS, 0)} s at the last batch's pace`;
              cells.push({ device, dtype, batch, skipped: why });
              log(`  ${where} batch ${batch}: skipped (${why})`);
              continue;
            }
            const cell = { device, dtype, create_s: Number(createS.toFixed(2)), ...(await encoderCell(session, batch, deadline, perCell)) };
            secondsPerChunk = 1 / cell.chunks_per_s;
            cells.push(cell);
            log(`  ${where} batch ${String(batch).padStart(2)}: ${fmt(cell.chunks_per_s, 1).padStart(8)} chunks/s (${cell.runs} runs in ${fmt(cell.seconds, 2)} s; first run ${fmt(cell.first_run_s, 2)} s)`);
          }
        } catch (error) {
          const message = error.message.replace(/\s+/g, ' ').slice(0, 400);
          cells.push({ device, dtype, error: message, ...(error.code ? { code: error.code } : {}) });
          log(`  ${where}: failed: ${message}`);
        } finally {
          await session?.release();
        }
      }
    }
    return { cells };
  });
}

// ---------------------------------------------------------------- which device scores

/** The first device of the list whose provider opens the CDM (a tiny model), else cpu. */
async function workingDevice() {
  for (const device of devices) {
    if (device === 'cpu') return 'cpu';
    const probe = await node.probeExecutionProvider(device);
    if (probe.available) return device;
    log(`  ${device}: no session (${probe.error.message.split('\n')[0]}); trying the next`);
  }
  return 'cpu';
}
const scoreDevice = modelDir && (only.includes('score') || only.includes('server')) ? await workingDevice() : undefined;
if (scoreDevice) {
  report.score_device = scoreDevice;
  log(`\nscore and server sections run on ${scoreDevice}`);
}

// ---------------------------------------------------------------- 3. refractor score of the corpus

/** The corpus: 10 songs (≥ 60 s when the script can tell) from ../shared/corpus, if installed; else why not. */
function corpusSongs() {
  if (smoke) return { songs: [join(ROOT, 'examples', 'clip.ogg'), join(ROOT, 'examples', 'clip.ogg')] };
  const script = process.env.REFRACTOR_CORPUS_SCRIPT ?? join(ROOT, '..', 'shared', 'corpus', 'install_corpus.sh');
  if (!existsSync(script)) return { why: `${script} is absent (set REFRACTOR_CORPUS_SCRIPT)` };
  // Installing needs Debian's network: a bench never does it; it only lists what is installed.
  const installed = ['wesnoth-1.16-music', 'hyperrogue-music'].every((pkg) => spawnSync('dpkg', ['-s', pkg], { stdio: 'ignore' }).status === 0);
  if (!installed) return { why: `the corpus is not installed (sudo ${script} installs it)` };
  const listed = (flag) => spawnSync('bash', [script, ...flag], { encoding: 'utf8', timeout: 60_000 }).stdout?.trim().split('\n').filter(Boolean) ?? [];
  const songs = listed(['--songs']);
  const all = songs.length >= 10 ? songs : listed([]);
  return all.length ? { songs: all.slice(0, 10) } : { why: `${script} listed no tracks` };
}

if (modelDir && scoreDevice) {
  report.score = await section('score', 30, smoke ? 60 : 120, async (deadline) => {
    const { songs, why } = corpusSongs();
    if (!songs) {
      log(`  skipped: ${why}`);
      return { skipped: why };
    }
    const argv = [CLI, 'score', ...songs, '--models', modelDir, '--device', scoreDevice, '--format', 'jsonl', '--quiet'];
    log(`  refractor score ${songs.length} songs --models ${modelDir} --device ${scoreDevice}`);
    const t0 = performance.now();
    const run = await new Promise((resolvePromise) => {
      const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (text) => (stdout += text));
      child.stderr.setEncoding('utf8').on('data', (text) => (stderr += text));
      const timer = setTimeout(() => child.kill('SIGKILL'), Math.max(1000, deadline - performance.now()));
      child.on('close', (status, signal) => {
        clearTimeout(timer);
        resolvePromise({ status, signal, stdout, stderr });
      });
    });
    const seconds = (performance.now() - t0) / 1000;
    const records = run.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));
    const scored = records.filter((record) => !record.error);
    const chunks = scored.reduce((sum, record) => sum + (record.chunk_count ?? 0), 0);
    const result = {
      songs: songs.length,
      scored: scored.length,
      chunks,
      seconds: Number(seconds.toFixed(2)),
      songs_per_s: Number((scored.length / seconds).toFixed(3)),
      chunks_per_s: Number((chunks / seconds).toFixed(2)),
      exit: run.signal ? `killed at the section's time limit (${run.signal})` : run.status,
    };
    if (run.status !== 0) result.stderr_tail = run.stderr.trim().split('\n').slice(-3).join(' | ');
    log(`  ${scored.length}/${songs.length} songs, ${chunks} chunks in ${fmt(seconds, 2)} s: ${fmt(result.chunks_per_s, 1)} chunks/s (exit ${result.exit})`);
    return result;
  });
}

// ---------------------------------------------------------------- 4. server throughput

/** A stereo 16-bit 44.1 kHz WAV of `seconds`: a few sines (the cost of a song does not depend on its sound). */
function wav(seconds) {
  const rate = 44100;
  const frames = Math.round(seconds * rate);
  const bytes = new Uint8Array(44 + frames * 4);
  const view = new DataView(bytes.buffer);
  const text = (offset, value) => [...value].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)));
  text(0, 'RIFF');
  view.setUint32(4, 36 + frames * 4, true);
  text(8, 'WAVEfmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 2, true);
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 4, true);
  view.setUint16(32, 4, true);
  view.setUint16(34, 16, true);
  text(36, 'data');
  view.setUint32(40, frames * 4, true);
  for (let i = 0; i < frames; i++) {
    const t = i / rate;
    const s = 0.3 * Math.sin(2 * Math.PI * 220 * t) + 0.2 * Math.sin(2 * Math.PI * (330 + 20 * Math.sin(t)) * t);
    view.setInt16(44 + i * 4, Math.round(s * 32767), true);
    view.setInt16(46 + i * 4, Math.round(s * 0.8 * 32767), true);
  }
  return bytes;
}

async function serverMode(batching, song, seconds) {
  const { app, ready } = createServer({
    models: modelDir,
    device: scoreDevice,
    crossRequestBatching: batching ? { maxBatch } : false,
    logger: false,
    limits: { concurrency, queue: Math.max(32, clients) },
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const loadStarted = performance.now();
    await ready;
    const loadS = (performance.now() - loadStarted) / 1000;
    const post = async () => {
      const response = await fetch(`${url}/v1/score`, { method: 'POST', body: song, headers: { 'content-type': 'audio/wav' } });
      const body = await response.json();
      if (response.status !== 200) throw new Error(`${response.status}: ${body.message}`);
      return body.chunk_count;
    };
    await post(); // warm-up: shaders compiled, buffers allocated
    const metricsBefore = await (await fetch(`${url}/metrics`)).text();
    let songs = 0;
    let chunks = 0;
    let errors = 0;
    const t0 = performance.now();
    const until = t0 + seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < until) {
          try {
            // Awaited first: `chunks += await …` would read `chunks` before the await and lose other clients' counts.
            const scored = await post();
            chunks += scored;
            songs += 1;
          } catch {
            errors += 1;
          }
        }
      }),
    );
    const wall = (performance.now() - t0) / 1000;
    const metricsAfter = await (await fetch(`${url}/metrics`)).text();
    const runs = (text) => Number(/^refractor_encoder_batch_size_count (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
    const rows = (text) => Number(/^refractor_encoder_batch_size_sum (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
    const encoderRuns = runs(metricsAfter) - runs(metricsBefore);
    return {
      batching: batching ? 'on' : 'off',
      load_s: Number(loadS.toFixed(2)),
      seconds: Number(wall.toFixed(2)),
      songs,
      chunks,
      errors,
      songs_per_s: Number((songs / wall).toFixed(3)),
      chunks_per_s: Number((chunks / wall).toFixed(2)),
      encoder_runs: encoderRuns,
      mean_batch: Number(((rows(metricsAfter) - rows(metricsBefore)) / encoderRuns).toFixed(2)),
    };
  } finally {
    await app.close();
  }
}

if (modelDir && scoreDevice) {
  report.server = await section('server', smoke ? 15 : 40, smoke ? 60 : 2 * serverSeconds + 60, async (deadline) => {
    const song = wav(songSeconds);
    const results = [];
    const limits = { clients, concurrency, song_seconds: songSeconds, max_batch: maxBatch };
    log(`  ${clients} clients, limits.concurrency ${concurrency}, ${songSeconds} s songs, ${scoreDevice}`);
    for (const [index, batching] of modes.map((mode) => mode === 'on').entries()) {
      const left = (deadline - performance.now()) / 1000;
      // Each mode: model load (seconds for the real CLAP) + warm-up + the measured span.
      const measure = Math.min(serverSeconds, left / (modes.length - index) - 15);
      if (measure < 1) {
        results.push({ batching: batching ? 'on' : 'off', skipped: 'out of time' });
        log(`  batching ${batching ? 'on' : 'off'}: skipped (out of time)`);
        continue;
      }
      const mode = await serverMode(batching, song, measure);
      results.push(mode);
      log(
        `  batching ${mode.batching.padEnd(3)}: ${fmt(mode.songs_per_s, 2)} songs/s, ${fmt(mode.chunks_per_s, 1)} chunks/s ` +
          `(${mode.songs} songs in ${fmt(mode.seconds, 1)} s; ${mode.encoder_runs} CLAP runs, mean ${fmt(mode.mean_batch, 1)} chunks; ${mode.errors} errors)`,
      );
    }
    const off = results.find((mode) => mode.batching === 'off' && !mode.skipped);
    const on = results.find((mode) => mode.batching === 'on' && !mode.skipped);
    const speedup = off?.songs_per_s && on?.songs_per_s ? Number((on.songs_per_s / off.songs_per_s).toFixed(2)) : null;
    if (speedup !== null) log(`  batching on / off: ${speedup}×`);
    return { ...limits, modes: results, on_over_off: speedup };
  });
}

// ---------------------------------------------------------------- the figures

gpuMemory.stop();
report.total_s = Number(elapsedS().toFixed(1));
writeFileSync(outPath, `${JSON.stringify(report, null, 2)}\n`);
log(`\nbench-gpu: done in ${fmt(report.total_s, 1)} s`);
console.log(outPath);
