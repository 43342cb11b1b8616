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

/** Wire types of the protobuf encoding. */
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** Field numbers of onnx.proto3 that this rewrite touches. */
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_RAW_DATA = 9;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;
const DATA_LOCATION_EXTERNAL = 1;

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

/** One field as it sits in a message: its number, wire type, whole encoded span and (for length-delimited) payload. */
interface Field {
  number: number;
  wireType: number;
  start: number;
  end: number;
  payload?: Uint8Array;
  varint?: number;
}

function readVarint(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = at; i < bytes.length && i < at + 10; i++) {
    const byte = bytes[i]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: i + 1 };
    scale *= 128;
  }
  throw new Error(`malformed protobuf varint at byte ${at}`);
}

function* fields(bytes: Uint8Array): Generator<Field> {
  let at = 0;
  while (at < bytes.length) {
    const start = at;
    const tag = readVarint(bytes, at);
    at = tag.next;
    const number = Math.floor(tag.value / 8);
    const wireType = tag.value % 8;
    if (wireType === VARINT) {
      const { value, next } = readVarint(bytes, at);
      at = next;
      yield { number, wireType, start, end: at, varint: value };
    } else if (wireType === LENGTH_DELIMITED) {
      const { value: length, next } = readVarint(bytes, at);
      if (next + length > bytes.length) throw new Error(`protobuf field ${number} runs past the end of its message`);
      at = next + length;
      yield { number, wireType, start, end: at, payload: bytes.subarray(next, at) };
    } else if (wireType === FIXED64 || wireType === FIXED32) {
      at += wireType === FIXED64 ? 8 : 4;
      yield { number, wireType, start, end: at };
    } else {
      throw new Error(`unsupported protobuf wire type ${wireType} (field ${number}) at byte ${start}`);
    }
  }
}

function varint(value: number): Uint8Array {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Uint8Array.from(out);
}

/** The bytes of an ASCII string (keys and file names here are ASCII; core has no TextEncoder type, being runtime-free). */
function ascii(text: string): Uint8Array {
  const bytes = Uint8Array.from(text, (char) => char.charCodeAt(0));
  if (bytes.some((byte, i) => byte !== text.charCodeAt(i) || byte > 0x7f)) throw new Error(`external data entry ${JSON.stringify(text)} is not ASCII`);
  return bytes;
}

/** A length-delimited field from already encoded parts. */
function lengthDelimited(number: number, parts: Uint8Array[]): Uint8Array[] {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  return [varint(number * 8 + LENGTH_DELIMITED), varint(length), ...parts];
}

function entry(key: string, value: string): Uint8Array[] {
  return lengthDelimited(TENSOR_EXTERNAL_DATA, [...lengthDelimited(ENTRY_KEY, [ascii(key)]), ...lengthDelimited(ENTRY_VALUE, [ascii(value)])]);
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
      ...entry('location', placement.location),
      ...entry('offset', String(placement.offset)),
      ...entry('length', String(placement.length)),
      varint(TENSOR_DATA_LOCATION * 8 + VARINT),
      varint(DATA_LOCATION_EXTERNAL),
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
  const graph = new Uint8Array(model.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of model) {
    graph.set(part, at);
    at += part.length;
  }
  return { graph, location, moved: moved.length, movedBytes: moved.reduce((sum, { bytes }) => sum + bytes.length, 0) };
}
