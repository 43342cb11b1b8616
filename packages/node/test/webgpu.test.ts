import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { encodeModel, graph, model, node, onnx, tensor, valueInfo } from '@refractor/train/onnx-graph';
import { afterAll, describe, expect, it } from 'vitest';
import { SWIFTSHADER_ENV, WEBGPU_SKIP_REASON } from '@refractor/test-helpers/swiftshader';
import { createNodeBackend, DeviceUnavailableError, Refractor } from '../src/index.js';

// onnxruntime's WebGPU provider on SwiftShader (a CPU Vulkan) against its CPU
// provider, model by model: the CPU provider is the independent reference.
// The Vulkan loader reads VK_ICD_FILENAMES when Dawn makes its instance, at
// the first webgpu session of this process (a forked vitest worker, its own
// process): set here, before any session, and put back afterwards.
const saved = Object.fromEntries(Object.keys(SWIFTSHADER_ENV).map((name) => [name, process.env[name]]));
if (!WEBGPU_SKIP_REASON) Object.assign(process.env, SWIFTSHADER_ENV);
afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const tiny = join(import.meta.dirname, '..', '..', '..', 'models', 'tiny');
const MODELS = {
  'CLAP audio encoder': 'clap/onnx/audio_model.onnx',
  'text encoder': 'text/onnx/model.onnx',
  CDM: 'refractor_cdm.onnx',
  'base model': 'refractor.onnx',
};

/** Deterministic inputs for any model, from its input metadata (symbolic dims: batch 2, sequence 7). */
function inputsFor(session: ort.InferenceSession): Record<string, ort.Tensor> {
  let seed = 12345;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const feeds: Record<string, ort.Tensor> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) throw new Error(`${meta.name}: not a tensor`);
    const dims = meta.shape.map((dim) => (typeof dim === 'number' ? dim : dim === 'batch' ? 2 : 7));
    const size = dims.reduce((a, b) => a * b, 1);
    if (meta.type === 'float32') feeds[meta.name] = new ort.Tensor('float32', Float32Array.from({ length: size }, next), dims);
    else if (meta.type === 'int64') {
      // Token ids within any vocabulary; masks all ones but the last token of the second row; token types 0.
      const value = (i: number) => (meta.name.includes('mask') ? (i === size - 1 ? 0n : 1n) : meta.name.includes('type') ? 0n : BigInt(1 + Math.floor((next() + 1) * 50)));
      feeds[meta.name] = new ort.Tensor('int64', BigInt64Array.from({ length: size }, (_, i) => value(i)), dims);
    } else if (meta.type === 'bool') feeds[meta.name] = new ort.Tensor('bool', Uint8Array.from({ length: size }, (_, i) => i % 2), dims);
    else throw new Error(`${meta.name}: no test input for type ${meta.type}`);
  }
  return feeds;
}

function maxAbsDiff(a: ort.Tensor, b: ort.Tensor): number {
  expect(b.dims).toEqual(a.dims);
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  let max = 0;
  for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]! - y[i]!));
  return max;
}

describe.skipIf(WEBGPU_SKIP_REASON !== undefined)(`webgpu equals cpu on the tiny set${WEBGPU_SKIP_REASON ? ` (SKIPPED: ${WEBGPU_SKIP_REASON})` : ''}`, { timeout: 120_000 }, () => {
  const cpu = createNodeBackend({ device: 'cpu', intraOpNumThreads: 1 });
  const webgpu = createNodeBackend({ device: 'webgpu', intraOpNumThreads: 1 });

  it.each(Object.entries(MODELS))('%s: every output within 1e-5', async (_name, file) => {
    const reference = await cpu.createSession(join(tiny, file));
    const session = await webgpu.createSession(join(tiny, file));
    const feeds = inputsFor(reference);
    const [expected, actual] = [await reference.run(feeds), await session.run(feeds)];
    const diffs = Object.fromEntries(reference.outputNames.map((name) => [name, maxAbsDiff(expected[name]!, actual[name]!)]));
    console.log(`webgpu vs cpu, ${file}: max abs diff ${JSON.stringify(diffs)}`);
    for (const diff of Object.values(diffs)) expect(diff).toBeLessThanOrEqual(1e-5);
    // Not vacuous: the outputs vary with the input (a constant graph would match trivially).
    const values = expected[reference.outputNames[0]!]!.data as Float32Array;
    expect(new Set(values).size).toBeGreaterThan(1);
    await Promise.all([reference.release(), session.release()]);
  });

  it('Refractor.load({ device: "webgpu" }) scores a song as cpu does and records the device', async () => {
    const clip = join(import.meta.dirname, '..', '..', '..', 'examples', 'clip.ogg');
    const [onCpu, onGpu] = [await Refractor.load({ models: 'tiny', offline: true }), await Refractor.load({ models: 'tiny', offline: true, device: 'webgpu' })];
    expect(onGpu.backend.device).toBe('webgpu');
    expect(onGpu.batchSize).toBe(16);
    const [a, b] = [await onCpu.scoreFile(clip, { concept: 'a song about leaving' }), await onGpu.scoreFile(clip, { concept: 'a song about leaving' })];
    expect(b.settings.device).toBe('webgpu');
    expect(b.settings.backend).toBe('onnxruntime-node (webgpu)');
    expect(b.predicted_color).toBe(a.predicted_color);
    for (const color of Object.keys(a.color_probs) as (keyof typeof a.color_probs)[]) expect(Math.abs(b.color_probs[color] - a.color_probs[color])).toBeLessThanOrEqual(1e-5);
    expect(Math.abs(b.confidence - a.confidence)).toBeLessThanOrEqual(1e-5);
    await Promise.all([onCpu.close(), onGpu.close()]);
  });
});

/**
 * A CLAP-shaped model that computes in fp16, as `convert_float_to_float16(keep_io_types=True)`
 * makes one (the tiny set has no fp16 CLAP): float32 features in, fp16 inside, float32 embeddings
 * out. On an adapter without shader-f16 onnxruntime fails at different times by graph:
 * - `run`: Cast to fp16, Transpose, ReduceMean, MatMul with fp16 weights: at the first run;
 * - `load`: a Conv with fp16 weights (as HTSAT's patch embedding; the provider transposes its
 *   weights to NHWC while preparing the session): at session creation, as the real fp16 CLAP does.
 */
function fp16Clap(fails: 'run' | 'load'): Uint8Array {
  const { FLOAT16, FLOAT } = onnx.TensorProto.DataType;
  const { INT, INTS } = onnx.AttributeProto.AttributeType;
  const halves = (n: number) => new Uint8Array(Uint16Array.from({ length: n }, (_, i) => 0x1c00 + (i % 700)).buffer); // small positive fp16 values
  const toHalf = node('Cast', ['input_features'], ['half'], { to: { type: INT, i: FLOAT16 } });
  const toFloat = node('Cast', ['embeds'], ['audio_embeds'], { to: { type: INT, i: FLOAT } });
  const g =
    fails === 'run'
      ? graph({
          name: 'fp16-clap',
          inputs: [valueInfo('input_features', 'float32', ['batch', 1, 1001, 64])],
          outputs: [valueInfo('audio_embeds', 'float32', ['batch', 512])],
          initializers: [onnx.TensorProto.create({ name: 'w', dims: [64, 512], dataType: FLOAT16, rawData: halves(64 * 512) }), tensor('shape', 'int64', [2], [-1n, 64n])],
          nodes: [
            toHalf,
            node('Transpose', ['half'], ['transposed'], { perm: { type: INTS, ints: [0, 1, 3, 2] } }),
            node('ReduceMean', ['transposed'], ['mean'], { axes: { type: INTS, ints: [3] }, keepdims: { type: INT, i: 0 } }),
            node('Reshape', ['mean', 'shape'], ['rows']),
            node('MatMul', ['rows', 'w'], ['embeds']),
            toFloat,
          ],
        })
      : graph({
          name: 'fp16-clap-conv',
          inputs: [valueInfo('input_features', 'float32', ['batch', 1, 1001, 64])],
          outputs: [valueInfo('audio_embeds', 'float32', ['batch', 512])],
          // 8 filters over all 1001 frames of each mel bin: [batch, 8, 1, 64], i.e. 512 values per chunk.
          initializers: [onnx.TensorProto.create({ name: 'k', dims: [8, 1, 1001, 1], dataType: FLOAT16, rawData: halves(8 * 1001) }), tensor('shape', 'int64', [2], [-1n, 512n])],
          nodes: [toHalf, node('Conv', ['half', 'k'], ['conv']), node('Reshape', ['conv', 'shape'], ['embeds']), toFloat],
        });
  return encodeModel(model({ graph: g }));
}

describe.skipIf(WEBGPU_SKIP_REASON !== undefined)(`fp16 on an adapter without shader-f16${WEBGPU_SKIP_REASON ? ` (SKIPPED: ${WEBGPU_SKIP_REASON})` : ''}`, { timeout: 120_000 }, () => {
  const clip = join(import.meta.dirname, '..', '..', '..', 'examples', 'clip.ogg');
  /** A copy of the tiny set with `graph` as its fp16 CLAP. */
  const setWith = (graphBytes: Uint8Array) => {
    const dir = mkdtempSync(join(tmpdir(), 'refractor-fp16-'));
    cpSync(tiny, dir, { recursive: true });
    writeFileSync(join(dir, 'clap', 'onnx', 'audio_model_fp16.onnx'), graphBytes);
    return dir;
  };
  const expectShaderF16Error = (failure: unknown) => {
    expect(failure).toBeInstanceOf(DeviceUnavailableError);
    const error = failure as DeviceUnavailableError;
    expect(error.code).toBe('device');
    expect(error.message).toMatch(/audio_model_fp16\.onnx computes in 16-bit floats \(fp16\), but this WebGPU adapter lacks the shader-f16 feature/);
    expect(error.message).toMatch(/use --dtype fp32 \(dtype: "fp32"\) on webgpu, or --dtype q8 on cpu/);
    expect(error.message).toMatch(/onnxruntime said: .*requires f16 but the device does not support it/);
  };

  it.each(['run', 'load'] as const)('fails at its first %s with a device error that says to use fp32 (SwiftShader has no shader-f16); on cpu the model scores', async (fails) => {
    const dir = setWith(fp16Clap(fails));
    try {
      const onCpu = await Refractor.load({ models: dir, dtype: { clap: 'fp16' } });
      expect((await onCpu.scoreFile(clip)).chunk_count).toBeGreaterThan(0);
      await onCpu.close();
      const failure = await (async () => {
        const onGpu = await Refractor.load({ models: dir, device: 'webgpu', dtype: { clap: 'fp16' } });
        try {
          await onGpu.scoreFile(clip);
        } finally {
          await onGpu.close();
        }
      })().then(
        () => undefined,
        (error: unknown) => error,
      );
      expectShaderF16Error(failure);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a webgpu backend that finds no adapter', () => {
  it('is a device error that names what is missing (checked in a child without the ICD)', async () => {
    // A child process: this one may already have an adapter (SwiftShader above).
    const { spawnSync } = await import('node:child_process');
    const script = `
      import { createNodeBackend } from '@refractor/node';
      try { await createNodeBackend({ device: 'webgpu' }).createSession(process.argv[1]); console.log('opened'); }
      catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }`;
    const env = { ...process.env, VK_ICD_FILENAMES: '/nonexistent/icd.json' };
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, join(tiny, MODELS.CDM)], { cwd: join(import.meta.dirname, '..'), env, encoding: 'utf8', timeout: 60_000 });
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(result.name).toBe(new DeviceUnavailableError('').name);
    expect(result.code).toBe('device');
    if (process.platform === 'linux') {
      expect(result.message).toMatch(WEBGPU_SKIP_REASON?.includes('libvulkan') ? /libvulkan\.so\.1 is not installed/ : /VK_ICD_FILENAMES names \/nonexistent\/icd\.json, which does not exist/);
    }
    expect(result.message).toMatch(/use device "cpu"/);
  });
});
