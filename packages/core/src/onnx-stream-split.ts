/**
 * Reads an ONNX model as it streams in (a download, a Cache Storage body)
 * into a small graph plus one buffer per big initializer, never holding the
 * whole file: the form onnxruntime-web takes as `externalData`. Optionally
 * keeps only some rows of the token-embedding table, which is how a browser
 * opens DeBERTa-v3 for a few concepts without its 393 MB vocabulary table.
 *
 * Why by hand: see ./onnx-initializers.ts (no protobuf library in every
 * install, no tensor copies). Every field it does not rewrite is copied as
 * the bytes it was. Only the top-level graph's initializers are split.
 */
import {
  ATTRIBUTE_INT,
  ATTRIBUTE_NAME,
  FIXED32,
  FIXED64,
  GRAPH_INITIALIZER,
  GRAPH_INPUT,
  GRAPH_NODE,
  LENGTH_DELIMITED,
  MODEL_GRAPH,
  NODE_ATTRIBUTE,
  NODE_INPUT,
  NODE_OP_TYPE,
  NODE_OUTPUT,
  TENSOR_DATA_LOCATION,
  TENSOR_DIMS,
  TENSOR_NAME,
  TENSOR_RAW_DATA,
  VALUE_INFO_NAME,
  VARINT,
  concatBytes,
  externalDataFields,
  fields,
  lengthDelimited,
  readVarint,
  utf8,
  varint,
} from './protobuf-wire.js';

/** Options for {@link splitModelStream}. */
export interface StreamSplitOptions {
  /**
   * Initializers whose raw data is at least this many bytes go to their own
   * external buffer; smaller ones stay in the graph.
   * @defaultValue `1024`
   */
  minTensorBytes?: number;
  /**
   * Keep only these rows of the embedding table that the graph input `input`
   * indexes (the token ids a run's concepts tokenize to). Applied only when
   * that input feeds nothing but `Gather`s (axis 0) on one initializer, and
   * `Shape`s; the result's `rows` says whether it was. Feed the session
   * `rowIndex`-remapped ids then (see {@link rowSubsetTokenizer}).
   */
  keepRows?: { input: string; ids: Iterable<number> };
  /** Names of the external buffers: `${prefix}${n}` (default `weights/`). */
  prefix?: string;
}

/** What {@link splitModelStream} read. */
export interface StreamSplitModel {
  /** The model with its big initializers external: small (names, shapes, nodes, small tensors). */
  graph: Uint8Array;
  /** The external buffers, one per moved tensor, as onnxruntime-web's `externalData` takes them. */
  externalData: { path: string; data: Uint8Array }[];
  /** The table's kept rows (sorted token ids) when `keepRows` was applied; undefined when it was not. */
  rows?: Int32Array;
  /** Why `keepRows` was not applied, when it was asked for and not. */
  rowsSkipped?: string;
  /** Bytes read from the stream, and bytes of the embedding table left out. */
  bytesRead: number;
  bytesDropped: number;
}

/**
 * Splits a serialized ONNX model streamed as chunks into a small graph and
 * one buffer per initializer of `minTensorBytes` or more, each read straight
 * from the chunks into its own buffer: peak memory is the weights kept, not
 * the file plus the weights. With `keepRows`, the token-embedding table keeps
 * only the listed rows (row `i` of the new table is token id `rows[i]`), and
 * its other rows are never stored. Gathering remapped ids from that table
 * reads the very same rows, so outputs are bitwise those of the whole model.
 *
 * @example
 * ```ts
 * const split = await splitModelStream(response.body, { keepRows: { input: 'input_ids', ids: [1, 2, 250, 3] } });
 * const session = await ort.InferenceSession.create(split.graph, { externalData: split.externalData });
 * ```
 */
export async function splitModelStream(chunks: AsyncIterable<Uint8Array>, options: StreamSplitOptions = {}): Promise<StreamSplitModel> {
  const reader = new StreamReader(chunks[Symbol.asyncIterator]());
  const state = new SplitState(options);
  const model: Uint8Array[] = [];
  while (!(await reader.atEnd())) {
    const tag = await reader.varint();
    if (tag >>> 3 === MODEL_GRAPH && (tag & 7) === LENGTH_DELIMITED) {
      const length = await reader.varint();
      model.push(...lengthDelimited(MODEL_GRAPH, await splitGraph(reader, reader.position + length, state)));
    } else {
      model.push(varint(tag), ...(await reader.rawValue(tag)));
    }
  }
  const rows = state.finish();
  return {
    graph: concatBytes(model),
    externalData: state.external,
    ...(rows.rows ? { rows: rows.rows } : {}),
    ...(rows.skipped ? { rowsSkipped: rows.skipped } : {}),
    bytesRead: reader.position,
    bytesDropped: state.dropped,
  };
}

/** One node as far as the row check needs it. */
interface NodeSummary {
  op: string;
  inputs: string[];
  outputs: string[];
  axis: number;
}

/** What the split has seen and moved so far, and the row-subset decision. */
class SplitState {
  readonly minTensorBytes: number;
  readonly external: { path: string; data: Uint8Array }[] = [];
  readonly nodes: NodeSummary[] = [];
  readonly graphInputs: string[] = [];
  dropped = 0;
  /** The table whose rows were subset, and the node count when that was decided. */
  private subset: { table: string; rows: Int32Array; nodesSeen: number } | undefined;
  private readonly wanted: Int32Array | undefined;

  constructor(private readonly options: StreamSplitOptions) {
    this.minTensorBytes = options.minTensorBytes ?? 1024;
    this.wanted = options.keepRows ? Int32Array.from(new Set(options.keepRows.ids)).sort() : undefined;
  }

  nextPath(): string {
    return `${this.options.prefix ?? 'weights/'}${this.external.length}`;
  }

  /**
   * The embedding table `keepRows.input` indexes, if the nodes seen so far use
   * that input only as Gather (axis 0) indices into one table, or for its Shape.
   */
  table(): string | undefined {
    const input = this.options.keepRows?.input;
    if (input === undefined) return undefined;
    // Asked once per big initializer (74 in DeBERTa) over thousands of nodes: worked out again only when nodes were added.
    if (this.tableFor?.nodes !== this.nodes.length) this.tableFor = { nodes: this.nodes.length, table: rowTable(this.nodes, input) };
    return this.tableFor.table;
  }

  private tableFor: { nodes: number; table: string | undefined } | undefined;

  /** Rows of `table` to keep, ids below `vocabulary` only. */
  startSubset(table: string, vocabulary: number): Int32Array {
    const rows = this.wanted!.filter((id) => id >= 0 && id < vocabulary);
    this.subset = { table, rows, nodesSeen: this.nodes.length };
    return rows;
  }

  /** The decision, checked against every node (some may have come after the table). */
  finish(): { rows?: Int32Array; skipped?: string } {
    const input = this.options.keepRows?.input;
    if (input === undefined) return {};
    if (!this.subset) {
      if (!this.graphInputs.includes(input)) return { skipped: `the graph has no input ${input}` };
      return { skipped: rowTable(this.nodes, input) ? 'the table was not a big raw-data initializer after the graph nodes' : `${input} feeds something other than Gather indices and Shape` };
    }
    if (this.nodes.length !== this.subset.nodesSeen && rowTable(this.nodes, input) !== this.subset.table) {
      throw new Error(`cannot keep only some rows of ${this.subset.table}: a node after it uses ${input} another way; open the model without keepRows`);
    }
    if (!this.graphInputs.includes(input)) throw new Error(`cannot keep only some rows of ${this.subset.table}: ${input} is not a graph input; open the model without keepRows`);
    return { rows: this.subset.rows };
  }
}

/** The one table `input` gathers rows of, when that is all it (and the table) are used for; undefined otherwise. */
function rowTable(nodes: readonly NodeSummary[], input: string): string | undefined {
  let table: string | undefined;
  for (const node of nodes) {
    if (node.outputs.includes(input)) return undefined;
    if (!node.inputs.includes(input)) continue;
    if (node.op === 'Shape' && node.inputs.length === 1) continue;
    if (node.op !== 'Gather' || node.inputs[1] !== input || node.inputs[0] === input || node.axis !== 0) return undefined;
    if (table !== undefined && table !== node.inputs[0]) return undefined;
    table = node.inputs[0];
  }
  if (table === undefined) return undefined;
  // The table itself must feed only those Gathers, or other nodes would see the subset.
  for (const node of nodes) {
    if (node.outputs.includes(table)) return undefined;
    if (node.inputs.includes(table) && !(node.op === 'Gather' && node.inputs[0] === table && node.inputs[1] === input)) return undefined;
  }
  return table;
}

function summarizeNode(bytes: Uint8Array): NodeSummary {
  const node: NodeSummary = { op: '', inputs: [], outputs: [], axis: 0 };
  for (const field of fields(bytes)) {
    if (!field.payload) continue;
    if (field.number === NODE_INPUT) node.inputs.push(utf8(field.payload));
    else if (field.number === NODE_OUTPUT) node.outputs.push(utf8(field.payload));
    else if (field.number === NODE_OP_TYPE) node.op = utf8(field.payload);
    else if (field.number === NODE_ATTRIBUTE) {
      let name = '';
      let value: number | undefined;
      for (const attribute of fields(field.payload)) {
        if (attribute.number === ATTRIBUTE_NAME && attribute.payload) name = utf8(attribute.payload);
        if (attribute.number === ATTRIBUTE_INT && attribute.varint !== undefined) value = attribute.varint;
      }
      // Any other value (negative axes included, which read as huge varints) rules the node out of the row check.
      if (name === 'axis') node.axis = value ?? Number.NaN;
    }
  }
  return node;
}

async function splitGraph(reader: StreamReader, end: number, state: SplitState): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  while (reader.position < end) {
    const tag = await reader.varint();
    const number = tag >>> 3;
    if ((tag & 7) === LENGTH_DELIMITED && number === GRAPH_INITIALIZER) {
      const length = await reader.varint();
      out.push(...lengthDelimited(GRAPH_INITIALIZER, await splitTensor(reader, reader.position + length, state)));
      continue;
    }
    const raw = await reader.rawValue(tag);
    out.push(varint(tag), ...raw);
    if ((tag & 7) !== LENGTH_DELIMITED) continue;
    const payload = raw[1]!;
    if (number === GRAPH_NODE) state.nodes.push(summarizeNode(payload));
    else if (number === GRAPH_INPUT) {
      for (const field of fields(payload)) if (field.number === VALUE_INFO_NAME && field.payload) state.graphInputs.push(utf8(field.payload));
    }
  }
  if (reader.position !== end) throw new Error(`protobuf graph runs past its length (byte ${reader.position}, expected ${end})`);
  return out;
}

/** One field of a tensor kept as read: its number and bytes (tag included). */
interface KeptField {
  number: number;
  bytes: Uint8Array[];
}

async function splitTensor(reader: StreamReader, end: number, state: SplitState): Promise<Uint8Array[]> {
  const kept: KeptField[] = [];
  const dims: number[] = [];
  let name = '';
  let external: { data: Uint8Array; rows?: number } | undefined;
  while (reader.position < end) {
    const tag = await reader.varint();
    const number = tag >>> 3;
    const wireType = tag & 7;
    if (number === TENSOR_RAW_DATA && wireType === LENGTH_DELIMITED) {
      const length = await reader.varint();
      if (length >= state.minTensorBytes && length > 0 && !external) {
        external = await readRawData(reader, length, name, dims, state);
        continue;
      }
      kept.push({ number, bytes: [varint(tag), varint(length), await reader.take(length)] });
      continue;
    }
    const raw = await reader.rawValue(tag);
    kept.push({ number, bytes: [varint(tag), ...raw] });
    if (number === TENSOR_NAME && wireType === LENGTH_DELIMITED) name = utf8(raw[1]!);
    if (number === TENSOR_DIMS) {
      if (wireType === VARINT) dims.push(readVarint(raw[0]!, 0).value);
      else if (wireType === LENGTH_DELIMITED) for (let at = 0; at < raw[1]!.length; ) {
        const dim = readVarint(raw[1]!, at);
        dims.push(dim.value);
        at = dim.next;
      }
    }
  }
  if (reader.position !== end) throw new Error(`protobuf tensor ${name} runs past its length`);
  if (!external) return kept.flatMap((field) => field.bytes);
  const path = state.nextPath();
  state.external.push({ path, data: external.data });
  const out = kept.filter((field) => field.number !== TENSOR_DATA_LOCATION && !(external.rows !== undefined && field.number === TENSOR_DIMS)).flatMap((field) => field.bytes);
  if (external.rows !== undefined) {
    // The subset table's shape: [rows kept, the rest of the dims as they were].
    for (const dim of [external.rows, ...dims.slice(1)]) out.push(varint(TENSOR_DIMS * 8 + VARINT), varint(dim));
  }
  out.push(...externalDataFields({ location: path, offset: 0, length: external.data.length }));
  return out;
}

/** A tensor's raw bytes into a buffer of their own, or only the kept rows when it is the row-subset table. */
async function readRawData(reader: StreamReader, length: number, name: string, dims: readonly number[], state: SplitState): Promise<{ data: Uint8Array; rows?: number }> {
  const table = name !== '' ? state.table() : undefined;
  const vocabulary = dims[0] ?? 0;
  const rowBytes = vocabulary > 0 ? length / vocabulary : 0;
  if (table !== name || dims.length < 1 || !Number.isInteger(rowBytes) || rowBytes === 0) {
    const data = new Uint8Array(length);
    await reader.pipe(length, (view, at) => data.set(view, at));
    return { data };
  }
  const rows = state.startSubset(name, vocabulary);
  const data = new Uint8Array(rows.length * rowBytes);
  let next = 0; // the first kept row not yet fully copied
  await reader.pipe(length, (view, at) => {
    const viewEnd = at + view.length;
    for (let i = next; i < rows.length; i++) {
      const rowStart = rows[i]! * rowBytes;
      if (rowStart >= viewEnd) break;
      const from = Math.max(rowStart, at);
      const to = Math.min(rowStart + rowBytes, viewEnd);
      if (to > from) data.set(view.subarray(from - at, to - at), i * rowBytes + (from - rowStart));
      if (rowStart + rowBytes <= viewEnd) next = i + 1;
    }
  });
  state.dropped += length - data.length;
  return { data, rows: rows.length };
}

/** Pull-style reads over a stream of chunks, with the position in the whole stream. */
class StreamReader {
  private chunk: Uint8Array = new Uint8Array(0);
  private at = 0;
  position = 0;

  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    while (this.at >= this.chunk.length) {
      const { done, value } = await this.source.next();
      if (done) return true;
      this.chunk = value;
      this.at = 0;
    }
    return false;
  }

  private async byte(): Promise<number> {
    if (await this.atEnd()) throw new Error(`the model ends in the middle of a protobuf field (byte ${this.position})`);
    this.position += 1;
    return this.chunk[this.at++]!;
  }

  /** A varint's value (tags and lengths: below 2^53). */
  async varint(): Promise<number> {
    return readVarint(await this.varintBytes(), 0).value;
  }

  /** A varint's bytes as they were. */
  private async varintBytes(): Promise<Uint8Array> {
    const bytes: number[] = [];
    for (;;) {
      const byte = await this.byte();
      bytes.push(byte);
      if (byte < 0x80) return Uint8Array.from(bytes);
      if (bytes.length >= 10) throw new Error(`malformed protobuf varint at byte ${this.position - bytes.length}`);
    }
  }

  /** The next `length` bytes, handed to `sink` in pieces with their offset from the first. */
  async pipe(length: number, sink: (view: Uint8Array, at: number) => void): Promise<void> {
    let done = 0;
    while (done < length) {
      if (await this.atEnd()) throw new Error(`the model ends in the middle of a ${length}-byte field (byte ${this.position})`);
      const take = Math.min(length - done, this.chunk.length - this.at);
      sink(this.chunk.subarray(this.at, this.at + take), done);
      this.at += take;
      this.position += take;
      done += take;
    }
  }

  /** The next `length` bytes, copied. */
  async take(length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    await this.pipe(length, (view, at) => out.set(view, at));
    return out;
  }

  /** The value of a field whose tag was just read, as its bytes: [varint] / [length, payload] / [fixed bytes]. */
  async rawValue(tag: number): Promise<Uint8Array[]> {
    const wireType = tag & 7;
    if (wireType === VARINT) return [await this.varintBytes()];
    if (wireType === LENGTH_DELIMITED) {
      const length = await this.varint();
      return [varint(length), await this.take(length)];
    }
    if (wireType === FIXED64 || wireType === FIXED32) return [await this.take(wireType === FIXED64 ? 8 : 4)];
    throw new Error(`unsupported protobuf wire type ${wireType} (field ${tag >>> 3}) at byte ${this.position}`);
  }
}
