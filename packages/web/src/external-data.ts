import type { InferenceSession } from 'onnxruntime-web';
import { externalDataInPlace } from '@refractor/core';

/**
 * Models at least this big are opened as a small graph plus their own bytes
 * as external data (see {@link sessionInput}); smaller ones gain nothing worth
 * the parse. 16 MiB: every real-size encoder, never the tiny set or the CDM.
 */
export const EXTERNAL_DATA_MIN_BYTES = 16 * 1024 * 1024;

/** What to hand `InferenceSession.create`: the model bytes and extra session options. */
export interface SessionInput {
  model: Uint8Array;
  options: Pick<InferenceSession.SessionOptions, 'externalData'>;
}

/**
 * How onnxruntime-web should receive a model's bytes so that its weights are
 * held once. Given a whole model, onnxruntime-web copies it into the WASM
 * heap, parses it there and copies every initializer out of the protobuf: the
 * heap peaks at twice the weights and never shrinks (a WASM heap cannot).
 * Given a small graph (initializers marked external at their offsets in the
 * original bytes, rewritten by core's `externalDataInPlace`) and the original
 * bytes as external data, it copies each tensor once from the JS buffer into
 * the heap, and the JS buffer can be dropped once the session exists. With the
 * real-size CLAP (fp32, 276 MB) in onnxruntime-web under Node: 923 MB peak
 * RSS instead of 1,348 MB; results are bitwise the same (same bytes, same graph).
 *
 * A model below {@link EXTERNAL_DATA_MIN_BYTES}, one that already keeps its
 * weights outside, or bytes that do not parse as a protobuf are passed as
 * they are (onnxruntime then reports on them itself).
 *
 * @example
 * ```ts
 * const { model, options } = sessionInput(bytes);
 * const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], ...options });
 * ```
 */
export function sessionInput(bytes: Uint8Array, minBytes = EXTERNAL_DATA_MIN_BYTES): SessionInput {
  if (bytes.length < minBytes) return { model: bytes, options: {} };
  let split: ReturnType<typeof externalDataInPlace>;
  try {
    split = externalDataInPlace(bytes);
  } catch {
    return { model: bytes, options: {} }; // not a protobuf we can walk: let onnxruntime say what is wrong
  }
  if (!split) return { model: bytes, options: {} };
  return { model: split.graph, options: { externalData: [{ path: split.location, data: bytes }] } };
}

/**
 * Frees a model file's buffer now, once onnxruntime-web holds its weights
 * (it copies them into its heap during session creation and unmounts the
 * buffer before `create` resolves). Dropping the last reference only makes it
 * garbage, and V8 may not collect it for as long as little JS runs: with the
 * real-size CLAP that left 277 MB in the tab for the whole scoring. Detaching
 * it (`ArrayBuffer.prototype.transfer(0)`) returns the memory at once. Views
 * of the buffer are empty afterwards; where `transfer` is missing (older
 * engines) it is left to the garbage collector.
 */
export function releaseModelBytes(bytes: Uint8Array): void {
  const buffer = bytes.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer; detached?: boolean };
  if (buffer.detached || typeof buffer.transfer !== 'function' || buffer instanceof ArrayBuffer === false) return;
  try {
    buffer.transfer(0);
  } catch {
    // a buffer that cannot be detached (e.g. a WebAssembly.Memory's) stays the collector's
  }
}
