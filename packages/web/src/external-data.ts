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
  if (buffer.detached || buffer instanceof ArrayBuffer === false) return;
  try {
    if (typeof buffer.transfer === 'function') buffer.transfer(0);
    // Node 20 has no transfer(): moving the store into a clone nobody keeps detaches it the same way (freed at the next GC).
    else if (typeof structuredClone === 'function') structuredClone(buffer, { transfer: [buffer] });
  } catch {
    // a buffer that cannot be detached (e.g. a WebAssembly.Memory's) stays the collector's
  }
}

/** An external-data file as {@link readOnceExternalData} hands it to onnxruntime-web. */
type ExternalFile = { path: string; data: Uint8Array };

/** What {@link readOnceExternalData} returns. */
export interface ReadOnceExternalData {
  /** The files to pass as `externalData`: the same bytes, watched. */
  files: ExternalFile[];
  /** True when onnxruntime-web went back to a file already released: its session cannot be created from these files. */
  readonly rereadAfterRelease: boolean;
  /** How many files were released while the session was being created. */
  readonly releasedEarly: number;
  /** Releases every file (call once session creation has ended, however it ended). */
  releaseAll(): void;
}

/**
 * External-data files that are freed while onnxruntime-web creates the
 * session, each as soon as it has been copied into the WASM heap, instead of
 * all of them once `create` resolves. onnxruntime-web 1.30 keeps every file
 * given as `externalData` for the whole of session creation and copies the
 * tensors from them one by one (each file's bytes read through one
 * `subarray` call, synchronously into the heap). So when a read of another
 * file begins, the previous file's copy is done and it is released: the tab
 * holds the weights about once during creation instead of twice (the JS
 * buffers beside the heap's copy). That works with one file per tensor (as
 * core's `splitModelStream` makes them); files read in turns are released
 * only at the end.
 *
 * onnxruntime reads each initializer once, except those it folds constants
 * from (checked in onnxruntime-web with the real-size CLAP fp32 and q8 with
 * graph optimizations on: 127 files, 126 freed early; DeBERTa with them off:
 * 77 files, 76; DeBERTa with them on reads a folded weight again). A file
 * read again after it was released reads as empty, session creation fails,
 * and `rereadAfterRelease` says why: the caller then opens the model again
 * with `release` false.
 *
 * @example
 * ```ts
 * const external = readOnceExternalData(split.externalData);
 * try {
 *   session = await ort.InferenceSession.create(split.graph, { externalData: external.files });
 * } finally {
 *   external.releaseAll();
 * }
 * ```
 */
export function readOnceExternalData(files: readonly ExternalFile[], release = true): ReadOnceExternalData {
  let previous: WatchedBytes | undefined;
  let rereadAfterRelease = false;
  let releasedEarly = 0;
  const watch: ReadWatch = {
    reading(file) {
      if (file.released) rereadAfterRelease = true;
      else if (release && previous && previous !== file && previous.ownsBuffer && !previous.released) {
        previous.release();
        releasedEarly++;
      }
      previous = file;
    },
    checkingLength(file) {
      if (file.released) rereadAfterRelease = true;
    },
  };
  // A buffer behind several files is released only at the end: detaching it for one would empty the others.
  const shared = new Set(files.map(({ data }) => data.buffer).filter((buffer, i, all) => all.indexOf(buffer) !== i));
  const watched = files.map(({ path, data }) => ({ path, data: new WatchedBytes(data, watch, !shared.has(data.buffer)) }));
  return {
    files: watched,
    get rereadAfterRelease() {
      return rereadAfterRelease;
    },
    get releasedEarly() {
      return releasedEarly;
    },
    releaseAll() {
      for (const { data } of watched) data.release();
    },
  };
}

interface ReadWatch {
  reading(file: WatchedBytes): void;
  checkingLength(file: WatchedBytes): void;
}

/**
 * A file's bytes (the same buffer, not a copy) that tell `watch` when
 * onnxruntime-web reads them. Its reader checks `byteLength` against the
 * tensor's offset and length, then takes `subarray(offset, end)` and copies
 * that into the heap.
 */
class WatchedBytes extends Uint8Array {
  // Views taken of it (the tensor onnxruntime copies) are plain arrays, not watched files.
  static get [Symbol.species](): Uint8ArrayConstructor {
    return Uint8Array;
  }

  released = false;

  constructor(
    bytes: Uint8Array,
    readonly watch: ReadWatch,
    readonly ownsBuffer: boolean,
  ) {
    super(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length);
  }

  override subarray(begin?: number, end?: number): Uint8Array<ArrayBuffer> {
    this.watch.reading(this);
    return super.subarray(begin, end);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    releaseModelBytes(this);
  }
}

// byteLength is an accessor of %TypedArray%.prototype, which TypeScript declares as a plain property (so no `override get`).
const typedArrayByteLength = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype) as object, 'byteLength')!.get!;
Object.defineProperty(WatchedBytes.prototype, 'byteLength', {
  get(this: WatchedBytes): number {
    this.watch?.checkingLength(this); // undefined while the super constructor runs
    return typedArrayByteLength.call(this) as number;
  },
});
