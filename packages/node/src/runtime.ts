import * as ort from 'onnxruntime-node';
import { RefractorError, type InferenceBackend, type ModelSource } from '@refractor/core';
import { intraOpThreads } from './cpu-cores.js';
import { probeExecutionProvider } from './device-probe.js';
import type { NodeDevice } from './device.js';
import { THIS_HOST, webGpuUnavailableMessage } from './webgpu-diagnosis.js';

export type { NodeDevice } from './device.js';

/** Options for {@link createNodeBackend}. */
export interface NodeBackendOptions {
  /**
   * `cpu`; `cuda` (needs onnxruntime-node's CUDA provider, CUDA 12, cuDNN 9
   * and an NVIDIA GPU); or `webgpu` (onnxruntime-node's WebGPU provider,
   * built in on Linux x64, macOS and Windows; on Linux it needs libvulkan1 and
   * the GPU's Vulkan driver). `auto` is resolved before a backend is made:
   * see `chooseNodeDevice`.
   * @defaultValue `'cpu'`
   */
  device?: NodeDevice;
  /**
   * Threads inside one operator (`--threads` on the command line).
   * @defaultValue one per physical core: counted from Linux's /sys topology (onnxruntime's own
   *   count, from CPUID, finds one core on some virtual machines); elsewhere onnxruntime's default
   *   (see `intraOpThreads`)
   */
  intraOpNumThreads?: number;
  /**
   * Threads across operators.
   * @defaultValue onnxruntime's
   */
  interOpNumThreads?: number;
  /**
   * Let onnxruntime's idle intra-op threads spin (busy-wait) for work
   * (default false here; onnxruntime's own default is true). Off, they sleep
   * and leave the cores to the decoder and the feature worker: on a 2-core
   * machine with the real-size CLAP, one song ran in 0.64× the time with
   * spinning off (CPU time 0.59×), because spinning threads took the CPU the
   * features needed. Results are identical either way.
   * @defaultValue `false`
   */
  allowSpinning?: boolean;
}

/**
 * Chunks per CLAP run that measured fastest per device (`batchSize: 'auto'`).
 * cpu: 1 (measured). cuda and webgpu: 16, a guess until measured on a GPU
 * (`pnpm bench:gpu` prints chunks/s at batch 1, 16 and 64).
 */
export const PREFERRED_BATCH_SIZE: Readonly<Record<NodeDevice, number>> = Object.freeze({ cpu: 1, cuda: 16, webgpu: 16 });

/** The device could not be used; the message says how to fix it. */
export class DeviceUnavailableError extends RefractorError {
  override readonly name = 'DeviceUnavailableError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, code: 'device' });
  }
}

const CUDA_HELP =
  "onnxruntime-node's CUDA execution provider is not installed (its install script, which downloads it, is skipped by default). " +
  'Install it with: ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js ' +
  '(needs CUDA 12 and cuDNN 9 on the machine), or use device "cpu".';

/**
 * What onnxruntime's WebGPU provider says, when it prepares a session or at
 * the model's first run, when the model computes in 16-bit floats and the adapter lacks WebGPU's
 * `shader-f16` feature (SwiftShader, some drivers): "Program Transpose
 * requires f16 but the device does not support it".
 */
const NO_SHADER_F16 = /Program \S+ requires f16 but the device does not support it/;

/** The error for a model that needs f16 shaders on an adapter without them (a user can act on it: another dtype). */
function noShaderF16Error(where: string, message: string, cause: unknown): DeviceUnavailableError {
  return new DeviceUnavailableError(
    `${where} computes in 16-bit floats (fp16), but this WebGPU adapter lacks the shader-f16 feature (SwiftShader and some drivers do not have it): ` +
      'use --dtype fp32 (dtype: "fp32") on webgpu, or --dtype q8 on cpu for smaller weights. ' +
      `(onnxruntime said: ${message.replace(/\s+/g, ' ').trim()})`,
    { cause },
  );
}

/**
 * A webgpu session whose runs turn the provider's "requires f16" failure into
 * a {@link noShaderF16Error} (most shaders are first compiled at the first
 * run, so session creation alone cannot tell).
 */
function withShaderF16Check(session: ort.InferenceSession, where: string): ort.InferenceSession {
  return new Proxy(session, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (property !== 'run' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (error) {
          const message = (error as Error)?.message ?? String(error);
          if (NO_SHADER_F16.test(message)) throw noShaderF16Error(where, message, error);
          throw error;
        }
      };
    },
  });
}

function checkThreads(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
    throw new RefractorError(`${name} is ${value}; expected an integer >= 0 (0 = onnxruntime's default)`);
  }
}

/**
 * The onnxruntime-node backend: the one place that maps a device name to
 * execution providers. Sessions it opens are plain onnxruntime-common
 * `InferenceSession`s; open each model once and reuse it.
 *
 * @example
 * ```ts
 * const backend = createNodeBackend({ device: 'cpu', intraOpNumThreads: 2 });
 * const session = await backend.createSession('refractor_cdm.onnx');
 * // The first of cuda, webgpu, cpu that works here:
 * const gpu = createNodeBackend({ device: (await chooseNodeDevice('auto')).device });
 * ```
 */
export function createNodeBackend(options: NodeBackendOptions = {}): InferenceBackend & { device: NodeDevice; preferredBatchSize: number } {
  const device = options.device ?? 'cpu';
  if (device !== 'cpu' && device !== 'cuda' && device !== 'webgpu') {
    const hint = (device as string) === 'auto' ? ' ("auto" is resolved first: `createNodeBackend({ device: (await chooseNodeDevice(\'auto\')).device })`)' : '';
    throw new RefractorError(`device is ${JSON.stringify(device)}; expected "cpu", "cuda" or "webgpu"${hint}`);
  }
  checkThreads('intraOpNumThreads', options.intraOpNumThreads);
  checkThreads('interOpNumThreads', options.interOpNumThreads);
  const intraOp = intraOpThreads(options.intraOpNumThreads);
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: [device],
    graphOptimizationLevel: 'all',
    ...(intraOp ? { intraOpNumThreads: intraOp } : {}),
    ...(options.interOpNumThreads ? { interOpNumThreads: options.interOpNumThreads } : {}),
    ...(options.allowSpinning !== true ? { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } } : {}),
  };
  return {
    name: `onnxruntime-node (${device})`,
    device,
    preferredBatchSize: PREFERRED_BATCH_SIZE[device],
    Tensor: ort.Tensor,
    async createSession(model: ModelSource, extra?: ort.InferenceSession.SessionOptions) {
      const where = typeof model === 'string' ? model : `a ${model.byteLength}-byte model`;
      try {
        const merged = { ...sessionOptions, ...extra };
        const session = typeof model === 'string' ? await ort.InferenceSession.create(model, merged) : await ort.InferenceSession.create(model, merged);
        return device === 'webgpu' ? withShaderF16Check(session, where) : session;
      } catch (error) {
        const message = (error as Error).message ?? String(error);
        // Some fp16 graphs fail here already (a Transpose of fp16 weights runs while the session is prepared).
        if (device === 'webgpu' && NO_SHADER_F16.test(message)) throw noShaderF16Error(where, message, error);
        if (device === 'cuda' && /cuda|provider|backend/i.test(message)) {
          throw new DeviceUnavailableError(`${CUDA_HELP} (onnxruntime said: ${message})`, { cause: error });
        }
        if (device === 'webgpu') {
          // Whether the fault is the device or this model: the probe opens a one-node model on
          // webgpu. If that fails too, no adapter is to be had, and the message says what is missing.
          const probe = await probeExecutionProvider('webgpu');
          if (!probe.available) throw new DeviceUnavailableError(webGpuUnavailableMessage(THIS_HOST, message), { cause: error });
        }
        throw new RefractorError(`${where}: onnxruntime could not load it: ${message}`, { cause: error });
      }
    },
  };
}
