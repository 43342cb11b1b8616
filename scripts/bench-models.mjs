#!/usr/bin/env node
/**
 * Builds the real-size benchmark model set from the weightless graphs in
 * `../shared/bench-models` (or `--graphs DIR`): fills every external tensor with
 * seeded random values (normal with the recorded std for floats, uniform over
 * the recorded min..max for integers), writes each `*.onnx_data` file at the
 * offsets the graph's `external_data` entries give, and copies the graph beside
 * it as the `.onnx` onnxruntime loads. Then lays out two model directories in
 * the set layout (`MODEL_FILE_ROLES`):
 *
 * - `bench-clap/`: real-size CLAP (fp32 `audio_model.onnx`, q8
 *   `audio_model_quantized.onnx`, fp16 `audio_model_fp16.onnx`) beside the
 *   tiny CDM, tiny text encoder (copied under the three dtype names) and the
 *   tiny configs;
 * - `bench-full/`: the same plus the real-size DeBERTa (`text/onnx/model.onnx`)
 *   with the tiny tokenizer (its ids are < 128,100, so they are valid input).
 * - with `--web`, `bench-web/` (bench-clap with the fp32 and q8 CLAP as single
 *   files, weights inline, as browsers fetch them) and, unless `--only clap`,
 *   `bench-web-full/` (the same plus the DeBERTa as one 735 MB file, the way
 *   the hub serves it; for `dtype=q8` pages ask for the text encoder in fp32:
 *   there is no quantized DeBERTa graph to fill).
 *
 * The weights mean nothing; the cost (time, memory, threads, batching) is the
 * real models'. The q8 and fp16 CLAP weights are not drawn on their own: they
 * are the fp32 weights quantized (uint8, per tensor, asymmetric: the
 * `quantize_dynamic` recipe the q8 graph was made with, whose inline scales and
 * zero points are rewritten to match) and cast to half. So the three variants
 * are one model at three precisions, and `refractor drift` on them measures
 * real quantization noise (of random weights, not of the trained ones). Output goes to `$REFRACTOR_BENCH_MODELS`, `--out DIR`, or
 * `$HOME/.cache/refractor/bench-models` (never into the repository: ~1.3 GB).
 * Idempotent: a file already there with the expected size is kept. Every file
 * is written to a temporary name and renamed, so an interrupted run leaves
 * nothing half-written.
 *
 * Usage: node scripts/bench-models.mjs [--out DIR] [--graphs DIR] [--only clap|full] [--no-check] [--web] [--print-dirs]
 */
import { createRequire } from 'node:module';
import { closeSync, copyFileSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto');

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TINY = join(ROOT, 'models', 'tiny');
const SEED = 20261127;

const HELP = `Usage: pnpm bench:models [--out DIR] [--graphs DIR] [--only clap|full] [--no-check] [--web] [--print-dirs]

Fills the real-size benchmark graphs with seeded random weights and lays out
two model directories (bench-clap: real CLAP + tiny CDM/text; bench-full: real
CLAP + real DeBERTa + tiny CDM/tokenizer). About 1.3 GB; nothing goes into the repository.

  --out DIR      where to write (default $REFRACTOR_BENCH_MODELS or ~/.cache/refractor/bench-models)
  --graphs DIR   the weightless graphs (default ../shared/bench-models beside the repository,
                 or $REFRACTOR_BENCH_GRAPHS)
  --only WHICH   clap: only the CLAP variants and bench-clap (skips the 735 MB DeBERTa);
                 full: everything (default)
  --no-check     do not open each new model in onnxruntime-node to check it loads and runs
  --web          also lay out bench-web: bench-clap with the fp32 and q8 CLAP as single files
                 (weights inline), which browsers can open from their bytes, and (without
                 --only clap) bench-web-full: bench-web plus the DeBERTa as one 735 MB file
  --print-dirs   print the model directories' paths on stdout, one per line (after building)
  -h, --help     this text`;

/** The default output directory (shared with the benchmarks). */
export function defaultBenchModelsDir() {
  return process.env.REFRACTOR_BENCH_MODELS || join(homedir(), '.cache', 'refractor', 'bench-models');
}

// ---------------------------------------------------------------- seeded numbers

/** FNV-1a over a string: a tensor's seed comes from its name, so the fill order does not matter. */
function fnv1a(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * sfc32 (Chris Doty-Humphrey's small fast counter generator), seeded through
 * splitmix32: fast in JS (32-bit integer ops only) and fully deterministic.
 * Returns a function giving uniform doubles in [0, 1) with 32 random bits.
 */
function sfc32(seed) {
  let s = seed >>> 0;
  const splitmix = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** Fills `out` with normal(mean, std) values (Box–Muller, both outputs used). */
function fillNormal(out, random, mean, std) {
  for (let i = 0; i < out.length; i += 2) {
    const u = 1 - random(); // (0, 1]: log stays finite
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    const theta = 2 * Math.PI * random();
    out[i] = mean + r * Math.cos(theta);
    if (i + 1 < out.length) out[i + 1] = mean + r * Math.sin(theta);
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** float32 → IEEE half bits, round to nearest even (denormals and overflow handled). */
function toHalf(value) {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

// ---------------------------------------------------------------- graphs

const DTYPE = {
  [onnx.TensorProto.DataType.FLOAT]: { name: 'float32', bytes: 4 },
  [onnx.TensorProto.DataType.FLOAT16]: { name: 'float16', bytes: 2 },
  [onnx.TensorProto.DataType.UINT8]: { name: 'uint8', bytes: 1 },
  [onnx.TensorProto.DataType.INT8]: { name: 'int8', bytes: 1 },
};

/**
 * The external tensors of a weightless graph, with where they go and how to fill them.
 * `stats` is the `*.external.json` beside the graph: `[name, shape, std]` (fp32) or
 * `[name, shape, dtype, std, mean, min, max]`.
 */
function externalTensors(graphPath, statsPath) {
  const model = onnx.ModelProto.decode(readFileSync(graphPath));
  const stats = new Map(JSON.parse(readFileSync(statsPath, 'utf8')).map((row) => [row[0], row]));
  const tensors = [];
  let location;
  for (const init of model.graph.initializer) {
    if (init.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
    const entry = Object.fromEntries(init.externalData.map(({ key, value }) => [key, value]));
    location ??= entry.location;
    if (entry.location !== location) throw new Error(`${graphPath}: ${init.name} is in ${entry.location}, others in ${location}`);
    const type = DTYPE[init.dataType];
    if (!type) throw new Error(`${graphPath}: ${init.name} has ONNX data type ${init.dataType}; expected float32, float16, uint8 or int8`);
    const count = init.dims.reduce((n, d) => n * Number(d), 1);
    const offset = Number(entry.offset ?? 0);
    const length = Number(entry.length ?? count * type.bytes);
    if (length !== count * type.bytes) throw new Error(`${graphPath}: ${init.name} is ${length} bytes; its shape needs ${count * type.bytes}`);
    const row = stats.get(init.name);
    if (!row) throw new Error(`${statsPath}: no statistics for external tensor ${init.name}`);
    const fill = row.length === 3 ? { std: row[2], mean: 0 } : { std: row[3], mean: row[4], min: row[5], max: row[6] };
    tensors.push({ name: init.name, dims: init.dims.map(Number), type, count, offset, length, ...fill });
  }
  if (!location) throw new Error(`${graphPath}: no external tensors`);
  if (tensors.length !== stats.size) throw new Error(`${graphPath}: ${tensors.length} external tensors but ${stats.size} rows in ${statsPath}`);
  tensors.sort((a, b) => a.offset - b.offset);
  const size = Math.max(...tensors.map((t) => t.offset + t.length));
  // Weights a Gemm multiplies transposed: quantize_dynamic stores them transposed for MatMulInteger.
  const transposedB = new Set(
    model.graph.node.filter((node) => node.opType === 'Gemm' && node.attribute.some((a) => a.name === 'transB' && Number(a.i) === 1)).map((node) => node.input[1]),
  );
  return { location, tensors, size, transposedB };
}

/** Round half to even, as numpy's `rint`/`round` (what onnxruntime's quantization tools use). */
function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * onnxruntime's dynamic quantization of one weight tensor to uint8
 * (`quantize_dynamic`, `QuantType.QUInt8`, per tensor, no reduced range):
 * the range is widened to hold 0, `scale = (max - min) / 255`,
 * `zero_point = round(-min / scale)`, `q = clamp(round(w / scale) + zero_point, 0, 255)`.
 */
export function quantizeUint8(values) {
  let lo = 0;
  let hi = 0;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const scale = Math.fround(hi > lo ? (hi - lo) / 255 : 1);
  const zeroPoint = Math.min(255, Math.max(0, roundHalfEven(-lo / scale)));
  const quantized = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) quantized[i] = Math.min(255, Math.max(0, roundHalfEven(values[i] / scale) + zeroPoint));
  return { quantized, scale, zeroPoint };
}

/** A 2-D row-major matrix transposed ([rows, cols] → [cols, rows]). */
function transpose2d(values, rows, cols) {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}

/** Reads one fp32 tensor of a filled data file. */
function readTensor(fd, t) {
  const values = new Float32Array(t.count);
  readSync(fd, new Uint8Array(values.buffer), 0, t.length, t.offset);
  return values;
}

/**
 * Writes a variant's external data derived from the filled fp32 model (temp
 * file + rename): `fp16` casts each tensor of the same name to half; `q8`
 * quantizes the fp32 tensor `X` into `X_quantized` (transposed where the
 * quantizer stored a Gemm weight as MatMulInteger's [in, out]). Returns the
 * scale and zero point of each quantized tensor, which the q8 graph must hold.
 */
function writeDerivedData(path, tensors, size, source, kind, progress) {
  const byName = new Map(source.tensors.map((t) => [t.name, t]));
  const params = new Map();
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  const from = openSync(source.data, 'r');
  try {
    let written = 0;
    for (const t of tensors) {
      const base = kind === 'q8' ? t.name.replace(/_quantized$/, '') : t.name;
      const s = byName.get(base);
      if (!s) throw new Error(`${t.name}: no fp32 tensor ${base} to derive it from`);
      if (s.count !== t.count) throw new Error(`${t.name}: ${t.count} values, but fp32 ${base} has ${s.count}`);
      let values = readTensor(from, s);
      let view;
      if (kind === 'fp16') {
        const halves = new Uint16Array(t.count);
        for (let i = 0; i < t.count; i++) halves[i] = toHalf(values[i]);
        view = new Uint8Array(halves.buffer);
      } else {
        // A Gemm weight used transposed (transB) becomes MatMulInteger's [in, out]: square ones too, so the graph decides, not the shape.
        const swapped = source.transposedB.has(base);
        const expected = swapped ? [...s.dims].reverse() : s.dims;
        if (expected.join() !== t.dims.join()) throw new Error(`${t.name}: shape [${t.dims}]; fp32 ${base} is [${s.dims}]${swapped ? ', used transposed' : ''}`);
        if (swapped) values = transpose2d(values, s.dims[0], s.dims[1]);
        const { quantized, scale, zeroPoint } = quantizeUint8(values);
        params.set(base, { scale, zeroPoint });
        view = quantized;
      }
      writeSync(fd, view, 0, view.length, t.offset);
      written += view.length;
      progress(written, size);
    }
    closeSync(fd);
    renameSync(tmp, path);
    return params;
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  } finally {
    closeSync(from);
  }
}

/** The q8 graph with each weight's `_scale` and `_zero_point` set to the derived values. */
function quantizedGraph(graphPath, params) {
  const model = onnx.ModelProto.decode(readFileSync(graphPath));
  const inits = new Map(model.graph.initializer.map((init) => [init.name, init]));
  for (const [base, { scale, zeroPoint }] of params) {
    const s = inits.get(`${base}_scale`);
    const z = inits.get(`${base}_zero_point`);
    if (!s || !z) throw new Error(`${graphPath}: ${base} has no _scale/_zero_point initializer`);
    if (s.rawData?.length) s.rawData = new Uint8Array(new Float32Array([scale]).buffer);
    else s.floatData = [scale];
    if (z.rawData?.length) z.rawData = new Uint8Array([zeroPoint]);
    else z.int32Data = [zeroPoint];
  }
  return onnx.ModelProto.encode(model).finish();
}

/** Writes `bytes` to `to` (temp + rename) unless it already holds exactly them. */
function writeAtomic(to, bytes) {
  if (existsSync(to) && Buffer.compare(readFileSync(to), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) === 0) return false;
  mkdirSync(dirname(to), { recursive: true });
  const tmp = `${to}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, to);
  return true;
}

const BLOCK = 1 << 20; // values per write: bounded memory whatever the tensor size

/** Writes the external-data file of one graph (temp file + rename). */
function writeExternalData(path, tensors, size, progress) {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    const floats = new Float32Array(BLOCK);
    const halves = new Uint16Array(BLOCK);
    const bytes = new Uint8Array(BLOCK);
    let written = 0;
    for (const t of tensors) {
      const random = sfc32(fnv1a(`${SEED}:${t.name}`));
      for (let at = 0; at < t.count; at += BLOCK) {
        const n = Math.min(BLOCK, t.count - at);
        let buffer;
        if (t.type.name === 'float32' || t.type.name === 'float16') {
          const values = floats.subarray(0, n);
          fillNormal(values, random, t.mean, t.std);
          if (t.type.name === 'float16') {
            for (let i = 0; i < n; i++) halves[i] = toHalf(values[i]);
            buffer = halves.subarray(0, n);
          } else buffer = values;
        } else {
          const lo = Math.ceil(t.min);
          const span = Math.floor(t.max) - lo + 1;
          for (let i = 0; i < n; i++) bytes[i] = lo + Math.floor(random() * span);
          buffer = bytes.subarray(0, n);
        }
        const view = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
        writeSync(fd, view, 0, view.length, t.offset + at * t.type.bytes);
        written += view.length;
        progress(written, size);
      }
    }
    // Gaps between tensors (alignment), if any, stay zero; `size` is the furthest tensor end, so the file is complete.
    closeSync(fd);
    renameSync(tmp, path);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
}

function statOf(path) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function sizeOf(path) {
  return statOf(path)?.size;
}

/** Copies a small file atomically unless the destination already holds the same bytes. */
function copyAtomic(from, to) {
  return writeAtomic(to, readFileSync(from));
}

/**
 * Hard-links a big file into a set directory (a copy where links are not
 * possible). An existing link to the same file is kept; a stale one (its source
 * rewritten since: same size, other bytes) is replaced, as is a copy older than its source.
 */
function linkAtomic(from, to) {
  const [a, b] = [statOf(from), statOf(to)];
  if (a && b && ((a.ino === b.ino && a.dev === b.dev) || (a.size === b.size && b.mtimeMs >= a.mtimeMs))) return;
  mkdirSync(dirname(to), { recursive: true });
  const tmp = `${to}.tmp-${process.pid}`;
  try {
    linkSync(from, tmp);
  } catch {
    copyFileSync(from, tmp);
  }
  renameSync(tmp, to);
}

function progressPrinter(label) {
  const tty = process.stderr.isTTY;
  let last = -1;
  return (done, total) => {
    const pct = Math.floor((done / total) * 100);
    if (pct === last) return;
    last = pct;
    if (tty) process.stderr.write(`\r  ${label} ${pct}% (${(done / 1e6).toFixed(0)}/${(total / 1e6).toFixed(0)} MB)${pct === 100 ? '\n' : ''}`);
    else if (pct === 100) process.stderr.write(`  ${label} ${(total / 1e6).toFixed(1)} MB written\n`);
  };
}

/**
 * Fills one graph into `outDir/<name>.onnx` + its data file: seeded values, or
 * with `derive: { from, kind }` the built fp32 model quantized (`q8`) or cast
 * (`fp16`). A derived file carries a stamp (`<data>.recipe`) naming the fp32
 * data it came from, so it is made again when that changes or when an older
 * build left independently drawn weights there. Returns the paths and whether
 * something was written.
 */
function buildModel(graphsDir, outDir, relDir, name, derive) {
  const graph = join(graphsDir, relDir, `${name}.graph.onnx`);
  const stats = join(graphsDir, relDir, `${name}.external.json`);
  if (!existsSync(graph)) throw new Error(`${graph} is missing: point --graphs at the shared bench-models folder (../shared/bench-models)`);
  const { location, tensors, size, transposedB } = externalTensors(graph, stats);
  const dir = join(outDir, 'graphs', relDir);
  mkdirSync(dir, { recursive: true });
  const dataPath = join(dir, location);
  const stampPath = `${dataPath}.recipe`;
  const stamp = derive ? JSON.stringify({ recipe: `${derive.kind} of fp32`, version: 2, from: { size: derive.from.size, mtimeMs: statOf(derive.from.data)?.mtimeMs } }) : undefined;
  let wrote = false;
  let params;
  if (sizeOf(dataPath) !== size || (stamp !== undefined && (!existsSync(stampPath) || readFileSync(stampPath, 'utf8') !== stamp))) {
    const started = performance.now();
    const how = derive ? `deriving (${derive.kind} of the fp32 weights)` : 'filling';
    process.stderr.write(`bench-models: ${how} ${relDir}/${location} (${tensors.length} tensors, ${(size / 1e6).toFixed(1)} MB)\n`);
    if (derive) {
      params = writeDerivedData(dataPath, tensors, size, derive.from, derive.kind, progressPrinter(location));
      writeAtomic(stampPath, new TextEncoder().encode(stamp));
    } else writeExternalData(dataPath, tensors, size, progressPrinter(location));
    process.stderr.write(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    wrote = true;
  }
  const modelPath = join(dir, `${name}.onnx`);
  if (derive?.kind === 'q8') {
    // The scales live in the graph; rebuilt from the data when it was not just written.
    params ??= quantizationParams(dataPath, tensors, derive.from);
    wrote = writeAtomic(modelPath, quantizedGraph(graph, params)) || wrote;
  } else wrote = copyAtomic(graph, modelPath) || wrote;
  return { model: modelPath, data: dataPath, location, wrote, tensors, size, transposedB };
}

/** The scale and zero point of each quantized tensor, recomputed from the fp32 data (cheap next to writing it). */
function quantizationParams(dataPath, tensors, source) {
  const byName = new Map(source.tensors.map((t) => [t.name, t]));
  const params = new Map();
  const from = openSync(source.data, 'r');
  try {
    for (const t of tensors) {
      const base = t.name.replace(/_quantized$/, '');
      const { scale, zeroPoint } = quantizeUint8(readTensor(from, byName.get(base)));
      params.set(base, { scale, zeroPoint });
    }
  } finally {
    closeSync(from);
  }
  return params;
}

/** Opens a model in onnxruntime-node and runs it once on zeros: proves the files load and run. */
async function checkRuns(model, kind) {
  const ort = require('onnxruntime-node');
  const started = performance.now();
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 2 });
  const created = performance.now();
  let feeds;
  if (kind === 'clap') feeds = { input_features: new ort.Tensor('float32', new Float32Array(1001 * 64), [1, 1, 1001, 64]) };
  else {
    const ids = new BigInt64Array([1n, 100n, 128099n, 2n]);
    feeds = { input_ids: new ort.Tensor('int64', ids, [1, 4]), attention_mask: new ort.Tensor('int64', new BigInt64Array(4).fill(1n), [1, 4]) };
  }
  const out = await session.run(feeds);
  const first = Object.values(out)[0];
  const finite = Array.prototype.every.call(first.data, Number.isFinite);
  await session.release();
  if (!finite) throw new Error(`${model}: output has non-finite values`);
  process.stderr.write(
    `  checked ${model}: created in ${((created - started) / 1000).toFixed(1)} s, ran one input in ${((performance.now() - created) / 1000).toFixed(2)} s, output [${first.dims.join(', ')}]\n`,
  );
}

const CLAP_VARIANTS = ['audio_model', 'audio_model_quantized', 'audio_model_fp16'];

/**
 * A single-file copy of a filled model (weights inline), for browsers:
 * onnxruntime-web opens a model from its bytes and would need every external
 * data file handed over separately. Skipped when present and newer than its data.
 */
function inlineModel(built, to) {
  if (existsSync(to) && statSync(to).mtimeMs >= statSync(built.data).mtimeMs) return;
  const model = onnx.ModelProto.decode(readFileSync(built.model));
  const data = readFileSync(built.data);
  for (const init of model.graph.initializer) {
    if (init.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
    const entry = Object.fromEntries(init.externalData.map(({ key, value }) => [key, value]));
    const offset = Number(entry.offset ?? 0);
    init.rawData = data.subarray(offset, offset + Number(entry.length));
    init.externalData = [];
    init.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
  }
  const bytes = onnx.ModelProto.encode(model).finish();
  mkdirSync(dirname(to), { recursive: true });
  const tmp = `${to}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  writeSync(fd, bytes);
  closeSync(fd);
  renameSync(tmp, to);
  process.stderr.write(`  wrote ${to} (${(bytes.length / 1e6).toFixed(1)} MB, weights inline)\n`);
}

/** Links a filled model (graph + data) into a set directory under `onnx/`. */
function placeModel(built, onnxDir, name) {
  linkAtomic(built.model, join(onnxDir, `${name}.onnx`));
  linkAtomic(built.data, join(onnxDir, built.location));
}

/** The small files of the tiny set a bench directory borrows (configs, CDM, tokenizer). */
function placeTiny(setDir, withTinyText) {
  const files = ['refractor_cdm.onnx', 'clap/config.json', 'clap/preprocessor_config.json', 'text/config.json', 'text/tokenizer.json', 'text/tokenizer_config.json'];
  for (const file of files) copyAtomic(join(TINY, file), join(setDir, file));
  // The tiny text encoder stands in for every dtype, so `--dtype q8|fp16` works on the CLAP variants.
  if (withTinyText) for (const name of ['model', 'model_quantized', 'model_fp16']) copyAtomic(join(TINY, 'text/onnx/model.onnx'), join(setDir, `text/onnx/${name}.onnx`));
}

/**
 * Builds what is missing and returns the model directories.
 * @param {{ out?: string, graphs?: string, only?: 'clap'|'full', check?: boolean, web?: boolean }} options
 */
export async function buildBenchModels(options = {}) {
  const out = resolve(options.out ?? defaultBenchModelsDir());
  const graphs = resolve(options.graphs ?? process.env.REFRACTOR_BENCH_GRAPHS ?? join(ROOT, '..', 'shared', 'bench-models'));
  const check = options.check ?? true;
  mkdirSync(out, { recursive: true });
  const clap = {};
  for (const variant of CLAP_VARIANTS) {
    const kind = { audio_model_quantized: 'q8', audio_model_fp16: 'fp16' }[variant];
    clap[variant] = buildModel(graphs, out, 'clap-htsat-base', variant, kind ? { from: clap.audio_model, kind } : undefined);
    if (check && clap[variant].wrote) await checkRuns(clap[variant].model, 'clap');
  }
  const clapDir = join(out, 'bench-clap');
  for (const variant of CLAP_VARIANTS) placeModel(clap[variant], join(clapDir, 'clap', 'onnx'), variant);
  placeTiny(clapDir, true);
  const dirs = [clapDir];
  if (options.web) {
    // bench-web: bench-clap with single-file encoders, served to browsers by the web benchmark.
    const webDir = join(out, 'bench-web');
    for (const variant of ['audio_model', 'audio_model_quantized']) inlineModel(clap[variant], join(webDir, 'clap', 'onnx', `${variant}.onnx`));
    placeTiny(webDir, true);
    dirs.push(webDir);
  }
  if ((options.only ?? 'full') === 'full') {
    const text = buildModel(graphs, out, 'deberta-v3-base', 'model');
    if (check && text.wrote) await checkRuns(text.model, 'text');
    const fullDir = join(out, 'bench-full');
    for (const variant of CLAP_VARIANTS) placeModel(clap[variant], join(fullDir, 'clap', 'onnx'), variant);
    placeModel(text, join(fullDir, 'text', 'onnx'), 'model');
    placeTiny(fullDir, false);
    dirs.push(fullDir);
    if (options.web) {
      // bench-web-full: bench-web's single-file CLAP plus the DeBERTa as one file (as the hub serves it).
      const webFullDir = join(out, 'bench-web-full');
      for (const variant of ['audio_model', 'audio_model_quantized']) {
        linkAtomic(join(out, 'bench-web', 'clap', 'onnx', `${variant}.onnx`), join(webFullDir, 'clap', 'onnx', `${variant}.onnx`));
      }
      inlineModel(text, join(webFullDir, 'text', 'onnx', 'model.onnx'));
      placeTiny(webFullDir, false);
      dirs.push(webFullDir);
    }
  }
  return dirs;
}

async function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      graphs: { type: 'string' },
      only: { type: 'string' },
      'no-check': { type: 'boolean' },
      'print-dirs': { type: 'boolean' },
      web: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  if (values.only !== undefined && values.only !== 'clap' && values.only !== 'full') {
    console.error(`bench-models: --only is ${JSON.stringify(values.only)}; expected "clap" or "full"\n\n${HELP}`);
    process.exit(2);
  }
  const dirs = await buildBenchModels({ out: values.out, graphs: values.graphs, only: values.only, check: !values['no-check'], web: values.web });
  for (const dir of dirs) process.stderr.write(`bench-models: ready ${dir}\n`);
  if (values['print-dirs']) console.log(dirs.join('\n'));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(`bench-models: ${error.message}`);
    process.exit(1);
  });
}
