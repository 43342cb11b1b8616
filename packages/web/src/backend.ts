import type { InferenceSession } from 'onnxruntime-web';
import type { InferenceBackend, ModelSource } from '@refractor/core';
import { sessionInput } from './external-data.js';

/** Which execution provider to ask onnxruntime-web for. */
export type WebDevice = 'webgpu' | 'wasm' | 'auto';

/** Options for {@link createWebBackend}. */
export interface WebBackendOptions {
  /**
   * `auto` (default): WebGPU when `navigator.gpu` exists, else WASM.
   * @defaultValue `'auto'`
   */
  device?: WebDevice;
  /**
   * Where onnxruntime-web finds its `ort-wasm-simd-threaded*.wasm`/`.mjs`
   * files: a URL prefix ending in `/` (e.g. `https://example.org/ort/`) or
   * ORT's `{ wasm, mjs }` object. Default: ORT's own (next to its bundle).
   * @defaultValue onnxruntime-web's own location
   */
  wasmPaths?: string | { wasm?: string; mjs?: string };
  /**
   * WASM threads (default: `min(4, hardwareConcurrency)` when cross-origin isolated, else 1).
   * @defaultValue `min(4, hardwareConcurrency)` when cross-origin isolated, else `1`
   */
  numThreads?: number;
  /**
   * onnxruntime-web session options merged into every session this backend
   * creates, over its own: execution providers, `graphOptimizationLevel: 'all'`
   * and `extra: { session: { disable_prepacking: '1' } }` (less memory, ~5 %
   * slower; `extra` given here replaces it). See the package README's memory
   * section for what each option costs and saves.
   * @defaultValue none
   */
  sessionOptions?: InferenceSession.SessionOptions;
}

/** A backend with the provider that actually runs. */
export interface WebBackend extends InferenceBackend {
  readonly device: 'webgpu' | 'wasm';
  /** onnxruntime-web's WASM threads (CPU kernels; on WebGPU only the nodes left on the CPU use them). */
  readonly threads: number;
}

interface OrtModule {
  env: { logLevel?: string; wasm: { wasmPaths?: unknown; numThreads?: number; simd?: boolean; proxy?: boolean } };
  InferenceSession: typeof InferenceSession;
  Tensor: InferenceBackend['Tensor'];
}

/**
 * Session option `session.disable_prepacking`, on by default: onnxruntime
 * otherwise keeps a pre-packed copy of every MatMul/Conv weight beside the
 * weight (or builds it at session creation). Measured with the real-size
 * CLAP fp32 on 2 WASM threads (bench/session-options.bench.ts, browser
 * bench `?ort=noprepack`): Chromium's renderer 685–730 MB instead of
 * 875–916 MB on a warm visit, the text encoder's opening 1.89 GB instead of
 * 2.03–2.18 GB, session creation 1.2 s instead of 2.6 s, ~5 % slower per
 * chunk (708 vs 677 ms), embeddings within 1.2e-7. Pass `sessionOptions:
 * { extra: { session: { disable_prepacking: '0' } } }` for the other trade.
 */
const NO_PREPACKING = { session: { disable_prepacking: '1' } };

/** The session options every session starts from (`sessionOptions` go over them); the browser bench's ceiling page uses them too. */
export const WEB_SESSION_DEFAULTS: InferenceSession.SessionOptions = Object.freeze({ graphOptimizationLevel: 'all', extra: NO_PREPACKING });

type GlobalWithGpu = { navigator?: { gpu?: { requestAdapter(): Promise<unknown> }; hardwareConcurrency?: number }; crossOriginIsolated?: boolean };

/** True when this context has WebGPU with a usable adapter. */
export async function hasWebGpu(): Promise<boolean> {
  const gpu = (globalThis as GlobalWithGpu).navigator?.gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) != null;
  } catch {
    return false;
  }
}

/**
 * An {@link InferenceBackend} on onnxruntime-web. WebGPU when asked for (or
 * `auto` and the browser has an adapter): only then is the WebGPU-capable
 * entry (`onnxruntime-web/webgpu`, with its larger asyncify wasm) imported;
 * otherwise the WASM-only entry, SIMD, with threads only when the page is
 * cross-origin isolated (SharedArrayBuffer). `name` says which ran, e.g.
 * `onnxruntime-web (webgpu)` or `onnxruntime-web (wasm, 2 threads)`.
 *
 * @example
 * ```ts
 * const backend = await createWebBackend({ device: 'auto', wasmPaths: new URL('/ort/', location.href).href });
 * const session = await backend.createSession(modelBytes);
 * ```
 */
export async function createWebBackend(options: WebBackendOptions = {}): Promise<WebBackend> {
  const requested = options.device ?? 'auto';
  if (!['webgpu', 'wasm', 'auto'].includes(requested)) throw new Error(`device: expected webgpu, wasm or auto, got ${String(requested)}`);
  const g = globalThis as GlobalWithGpu;
  let device: 'webgpu' | 'wasm' = 'wasm';
  if (requested === 'webgpu') {
    if (!g.navigator?.gpu) throw new Error('device webgpu: this browser has no WebGPU (navigator.gpu is missing); use device wasm or auto');
    device = 'webgpu';
  } else if (requested === 'auto' && (await hasWebGpu())) {
    device = 'webgpu';
  }
  const ort = (device === 'webgpu' ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm')) as unknown as OrtModule;
  const isolated = g.crossOriginIsolated === true;
  const threads = isolated ? Math.max(1, options.numThreads ?? Math.min(4, g.navigator?.hardwareConcurrency ?? 1)) : 1;
  if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths = options.wasmPaths;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  ort.env.wasm.proxy = false;
  // ORT's node-placement warnings are noise in the console (they print as errors).
  ort.env.logLevel = 'error';
  const providers = device === 'webgpu' ? ['webgpu', 'wasm'] : ['wasm'];
  const name = device === 'webgpu' ? 'onnxruntime-web (webgpu)' : `onnxruntime-web (wasm, ${threads} thread${threads === 1 ? '' : 's'})`;
  return {
    name,
    device,
    threads,
    // batch `auto`: WASM runs one chunk at a time fastest (as CPU does); GPUs want batches.
    preferredBatchSize: device === 'webgpu' ? 16 : 1,
    Tensor: ort.Tensor,
    createSession(model: ModelSource, sessionOptions?: InferenceSession.SessionOptions) {
      const opts: InferenceSession.SessionOptions = { executionProviders: providers, ...WEB_SESSION_DEFAULTS, ...options.sessionOptions, ...sessionOptions };
      if (typeof model === 'string') return ort.InferenceSession.create(model, opts);
      // Big models: a small graph plus the same bytes as external data, so the weights sit in the WASM heap once.
      const input = sessionInput(model);
      return ort.InferenceSession.create(input.model, { ...opts, ...input.options });
    },
  };
}
