/**
 * Moves an ONNX model's big initializers out of the graph into an external
 * data file, by rewriting only the protobuf fields involved.
 *
 * Written by hand on purpose: the one general ONNX protobuf library on npm
 * (onnx-proto, on protobufjs 6) adds ~23 MB to every inference install, and
 * decoding a 735 MB model with it copies every tensor into JS objects. This
 * walks the wire format instead: every field it does not touch is copied as
 * the very bytes it was, and raw tensor data is handed out as views of the
 * input (no copies). Only the top-level graph's initializers are considered;
 * tensors in subgraphs stay where they are (still a valid model).
 *
 * It lives in core (pure, no I/O) because both runtimes use it: Node writes a
 * `model.onnx_data` copy onnxruntime-node maps from disk; the browser hands
 * onnxruntime-web a tiny graph plus the original bytes as external data, so
 * the weights are copied into the WASM heap once instead of twice.
 */
import {
  DATA_LOCATION_EXTERNAL,
  GRAPH_INITIALIZER,
  LENGTH_DELIMITED,
  MODEL_GRAPH,
  TENSOR_DATA_LOCATION,
  TENSOR_RAW_DATA,
  concatBytes,
  externalDataFields,
  fields,
  lengthDelimited,
} from './protobuf-wire.js';

/** Where a moved tensor's bytes go in the data file. */
export interface ExternalPlacement {
  /** The data file's name, relative to the model (onnxruntime's `location`). */
  location: string;
  offset: number;
  length: number;
}

/** What {@link moveInitializersOut} produced. */
export interface MovedInitializers {
  /** The rewritten model's bytes (graph and small tensors; views of the input where unchanged). */
  model: Uint8Array[];
  /** The moved tensors' raw bytes (views of the input) with where they go. */
  moved: { placement: ExternalPlacement; bytes: Uint8Array }[];
  /** True when the input already kept some initializer outside (then nothing is moved). */
  alreadyExternal: boolean;
}


/**
 * Rewrites a serialized ONNX `ModelProto` so that each top-level initializer
 * whose `raw_data` `place` accepts is stored externally (`data_location =
 * EXTERNAL` with `location`/`offset`/`length` entries), and returns the new
 * model's bytes with the moved data. `place` is called in file order with
 * each candidate's byte length and the offset of its raw bytes in
 * `modelBytes`, and returns where it goes, or undefined to keep it inline.
 * (Placing each tensor at its own source offset makes the input itself the
 * data file: see {@link externalDataInPlace}.)
 *
 * @example
 * ```ts
 * let end = 0;
 * const { model, moved } = moveInitializersOut(bytes, (length) => {
 *   if (length < 1024) return undefined;
 *   const placement = { location: 'model.onnx_data', offset: end, length };
 *   end += length;
 *   return placement;
 * });
 * ```
 */
export function moveInitializersOut(modelBytes: Uint8Array, place: (length: number, sourceOffset: number) => ExternalPlacement | undefined): MovedInitializers {
  const moved: MovedInitializers['moved'] = [];
  let alreadyExternal = false;

  const rewriteTensor = (tensor: Uint8Array): Uint8Array[] => {
    let raw: Uint8Array | undefined;
    for (const field of fields(tensor)) {
      if (field.number === TENSOR_RAW_DATA && field.wireType === LENGTH_DELIMITED) raw = field.payload;
      if (field.number === TENSOR_DATA_LOCATION && field.varint === DATA_LOCATION_EXTERNAL) alreadyExternal = true;
    }
    const placement = raw && raw.length > 0 && !alreadyExternal ? place(raw.length, raw.byteOffset - modelBytes.byteOffset) : undefined;
    if (!placement) return [tensor];
    moved.push({ placement, bytes: raw! });
    const kept: Uint8Array[] = [];
    for (const field of fields(tensor)) {
      if (field.number !== TENSOR_RAW_DATA && field.number !== TENSOR_DATA_LOCATION) kept.push(tensor.subarray(field.start, field.end));
    }
    return [
      ...kept,
      ...externalDataFields(placement),
    ];
  };

  const rewriteGraph = (graph: Uint8Array): Uint8Array[] => {
    const out: Uint8Array[] = [];
    for (const field of fields(graph)) {
      if (field.number === GRAPH_INITIALIZER && field.payload) out.push(...lengthDelimited(GRAPH_INITIALIZER, rewriteTensor(field.payload)));
      else out.push(graph.subarray(field.start, field.end));
    }
    return out;
  };

  const model: Uint8Array[] = [];
  for (const field of fields(modelBytes)) {
    if (field.number === MODEL_GRAPH && field.payload) model.push(...lengthDelimited(MODEL_GRAPH, rewriteGraph(field.payload)));
    else model.push(modelBytes.subarray(field.start, field.end));
  }
  return alreadyExternal ? { model: [modelBytes], moved: [], alreadyExternal } : { model, moved, alreadyExternal };
}

/** What {@link externalDataInPlace} returns: a small graph and the file name its external tensors point into. */
export interface InPlaceExternalData {
  /** The graph with every big initializer pointing into the original bytes (small: names, shapes, small tensors). */
  graph: Uint8Array;
  /** The external data file name the graph refers to; hand the original bytes over under this name. */
  location: string;
  /** How many tensors were moved out, and their bytes in all. */
  moved: number;
  movedBytes: number;
}

/**
 * Splits a serialized ONNX model into a small graph whose big initializers
 * are external data at their own offsets in the original bytes, so that the
 * original bytes, unchanged, are the data file. Nothing is copied but the
 * graph. Undefined when nothing would move (small tensors only, or the model
 * already keeps its weights outside).
 *
 * @example
 * ```ts
 * const split = externalDataInPlace(bytes);
 * const session = split
 *   ? await ort.InferenceSession.create(split.graph, { externalData: [{ path: split.location, data: bytes }] })
 *   : await ort.InferenceSession.create(bytes);
 * ```
 */
export function externalDataInPlace(modelBytes: Uint8Array, options: { location?: string; minTensorBytes?: number } = {}): InPlaceExternalData | undefined {
  const location = options.location ?? 'model.onnx.weights';
  const minTensorBytes = options.minTensorBytes ?? 1024;
  const { model, moved, alreadyExternal } = moveInitializersOut(modelBytes, (length, offset) => (length < minTensorBytes ? undefined : { location, offset, length }));
  if (alreadyExternal || moved.length === 0) return undefined;
  return { graph: concatBytes(model), location, moved: moved.length, movedBytes: moved.reduce((sum, { bytes }) => sum + bytes.length, 0) };
}
