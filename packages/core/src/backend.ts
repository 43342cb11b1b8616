import type { InferenceSession, Tensor } from 'onnxruntime-common';

/**
 * Where a model comes from: a path or URL the runtime can open, or the bytes
 * of the .onnx file.
 */
export type ModelSource = string | Uint8Array;

/**
 * What a runtime hands the shared scoring code: a way to open sessions and
 * the Tensor class that goes with them. Both are onnxruntime-common's own
 * API, which onnxruntime-node and onnxruntime-web implement; the Tensor class
 * travels with the factory because a runtime's `run` only accepts tensors
 * made by its own copy of onnxruntime-common.
 *
 * @example
 * ```ts
 * import * as ort from 'onnxruntime-node';
 * const backend: InferenceBackend = {
 *   name: 'onnxruntime-node (cpu)',
 *   Tensor: ort.Tensor,
 *   createSession: (model, options) => ort.InferenceSession.create(model as never, options ?? {}),
 * };
 * ```
 */
export interface InferenceBackend {
  /** Names the runtime and execution provider, e.g. `onnxruntime-web (webgpu)`; reported in results. */
  readonly name: string;
  /** Opens one model; called once per model and the session reused. */
  createSession(model: ModelSource, options?: InferenceSession.SessionOptions): Promise<InferenceSession>;
  /** The runtime's Tensor constructor. */
  readonly Tensor: typeof Tensor;
  /**
   * Chunks per CLAP run that measured fastest on this runtime and device
   * (what batch size `auto` means): 1 on CPU/WASM, larger on GPUs. Absent: 1.
   */
  readonly preferredBatchSize?: number;
}
