/**
 * Small helpers for writing ONNX models from Node with `onnx-proto` (the ONNX protobuf
 * schema compiled for protobufjs). Used by the trainer's graphs, by
 * {@link buildCdmModel} to export a trained CDM, and by the tiny-model generator
 * (`models/scripts/make-tiny-models.mjs`, through the `models/scripts/onnx-graph.mjs` re-export).
 *
 * Conventions (they match what onnxruntime-node / -web 1.30 load, and what PyTorch writes):
 * - opset 17 of the default domain (`ai.onnx`), IR version 8;
 * - weights are initializers with little-endian `raw_data` (never `float_data`);
 * - a dimension is a number (static, `dim_value`) or a string (symbolic, `dim_param`);
 * - everything is deterministic: the same arguments encode to the same bytes.
 *
 * @example
 * ```ts
 * import { node, attr, tensor, valueInfo, graph, model, encodeModel } from '@refractor/train/onnx-graph';
 * const g = graph({
 *   name: 'double',
 *   inputs: [valueInfo('x', 'float32', ['batch', 4])],
 *   outputs: [valueInfo('y', 'float32', ['batch', 4])],
 *   initializers: [tensor('two', 'float32', [], [2])],
 *   nodes: [node('Mul', ['x', 'two'], ['y'])],
 * });
 * fs.writeFileSync('double.onnx', encodeModel(model({ graph: g })));
 * ```
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxNs } from 'onnx-proto';

/** The protobufjs ONNX namespace (`onnx.ModelProto`, `onnx.TensorProto`, …). */
export const onnx: typeof onnxProto.onnx = onnxProto.onnx;

/** Element types the helpers write. */
export type ElementType = 'float32' | 'int64' | 'int32' | 'bool';
/** An attribute's typed value, as {@link attr} builds it (its name comes from {@link node}'s map). */
export type AttributeValue = Omit<OnnxNs.IAttributeProto, 'name'>;

/** Opset of the default domain the helpers write. */
export const OPSET = 17 as const;
/** IR version the helpers write (ONNX 1.10+; onnxruntime 1.30 reads up to 11). */
export const IR_VERSION = 8 as const;

const DATA_TYPES: Readonly<Record<ElementType, number>> = Object.freeze({
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  bool: onnx.TensorProto.DataType.BOOL,
});

/** The ONNX `TensorProto.DataType` code of an element type name. */
export function dataType(type: ElementType): number {
  const code = DATA_TYPES[type];
  if (code === undefined) throw new Error(`onnx-graph: unsupported element type ${JSON.stringify(type)}`);
  return code;
}

/**
 * Attribute values for {@link node}. ONNX attributes are typed, and a JS number does not
 * say whether it is an int or a float, so wrap each value: `{ axis: attr.int(-1) }`.
 */
export const attr = Object.freeze({
  int: (v: number): AttributeValue => ({ type: onnx.AttributeProto.AttributeType.INT, i: checkInt(v) }),
  float: (v: number): AttributeValue => ({ type: onnx.AttributeProto.AttributeType.FLOAT, f: v }),
  ints: (v: number[]): AttributeValue => ({ type: onnx.AttributeProto.AttributeType.INTS, ints: v.map(checkInt) }),
  floats: (v: number[]): AttributeValue => ({ type: onnx.AttributeProto.AttributeType.FLOATS, floats: [...v] }),
  string: (v: string): AttributeValue => ({ type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v) }),
  /** `v`: a TensorProto from {@link tensor}. */
  tensor: (v: OnnxNs.ITensorProto): AttributeValue => ({ type: onnx.AttributeProto.AttributeType.TENSOR, t: v }),
});

function checkInt(v: number): number {
  if (!Number.isSafeInteger(v)) throw new Error(`onnx-graph: ${v} is not an integer`);
  return v;
}

/**
 * One graph node.
 * @param opType e.g. `'Gemm'`
 * @param inputs value names (`''` for an omitted optional input)
 * @param outputs value names
 * @param attributes built with {@link attr}
 * @param name node name (defaults to the first output's name)
 */
export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attributes: Record<string, AttributeValue> = {},
  name: string | undefined = outputs[0],
): OnnxNs.NodeProto {
  return onnx.NodeProto.create({
    name,
    opType,
    input: [...inputs],
    output: [...outputs],
    attribute: Object.entries(attributes).map(([attrName, value]) => onnx.AttributeProto.create({ name: attrName, ...value })),
  });
}

function checkDims(dims: number[], length: number | undefined, what: string | null | undefined): number {
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`onnx-graph: ${what}: bad dimension ${d}`);
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (length !== undefined && count !== length) {
    throw new Error(`onnx-graph: ${what}: dims [${dims.join(', ')}] hold ${count} elements, got ${length}`);
  }
  return count;
}

/**
 * A constant tensor (an initializer, or a `Constant` node's value) stored as little-endian raw data.
 * @param dims static dims (`[]` for a scalar)
 * @param values row-major; float32 values are rounded to float32
 */
export function tensor(name: string, type: ElementType, dims: number[], values: ArrayLike<number> | ArrayLike<bigint>): OnnxNs.TensorProto {
  checkDims(dims, values.length, name);
  const n = values.length;
  let bytes: Uint8Array | undefined;
  if (type === 'float32') {
    bytes = new Uint8Array(n * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < n; i++) view.setFloat32(i * 4, Number(values[i]!), true);
  } else if (type === 'int64') {
    bytes = new Uint8Array(n * 8);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < n; i++) view.setBigInt64(i * 8, BigInt(values[i]!), true);
  } else if (type === 'int32') {
    bytes = new Uint8Array(n * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < n; i++) view.setInt32(i * 4, Number(values[i]!), true);
  } else if (type === 'bool') {
    bytes = Uint8Array.from(values as ArrayLike<number | bigint>, (v) => (v ? 1 : 0));
  } else {
    dataType(type);
  }
  return onnx.TensorProto.create({ name, dims: [...dims], dataType: dataType(type), rawData: bytes });
}

/**
 * A graph input/output declaration.
 * @param dims numbers are static (`dim_value`), strings symbolic (`dim_param`)
 */
export function valueInfo(name: string, type: ElementType, dims: (number | string)[]): OnnxNs.ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: dataType(type),
        shape: onnx.TensorShapeProto.create({
          dim: dims.map((d) =>
            typeof d === 'string'
              ? onnx.TensorShapeProto.Dimension.create({ dimParam: d })
              : onnx.TensorShapeProto.Dimension.create({ dimValue: checkInt(d) }),
          ),
        }),
      }),
    }),
  });
}

/** What {@link graph} builds a graph from. */
export interface GraphSpec {
  name: string;
  nodes: OnnxNs.INodeProto[];
  inputs: OnnxNs.IValueInfoProto[];
  outputs: OnnxNs.IValueInfoProto[];
  initializers?: OnnxNs.ITensorProto[];
  docString?: string;
}

/** A graph. Initializers are not repeated as graph inputs (IR ≥ 4 style), so they are constants. */
export function graph({ name, nodes, inputs, outputs, initializers = [], docString = '' }: GraphSpec): OnnxNs.GraphProto {
  const names = new Set(initializers.map((t) => t.name));
  if (names.size !== initializers.length) throw new Error(`onnx-graph: duplicate initializer names in ${name}`);
  return onnx.GraphProto.create({ name, node: nodes, input: inputs, output: outputs, initializer: initializers, docString });
}

/** What {@link model} builds a model from. */
export interface ModelSpec {
  graph: OnnxNs.IGraphProto;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  metadata?: Record<string, string>;
  opset?: number;
  irVersion?: number;
}

/** A model around a graph: IR 8, opset 17 of `ai.onnx` unless told otherwise. */
export function model({
  graph: g,
  producerName = 'refractor',
  producerVersion = '0',
  docString = '',
  metadata = {},
  opset = OPSET,
  irVersion = IR_VERSION,
}: ModelSpec): OnnxNs.ModelProto {
  return onnx.ModelProto.create({
    irVersion,
    producerName,
    producerVersion,
    docString,
    graph: g,
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: opset })],
    metadataProps: Object.entries(metadata).map(([key, value]) => onnx.StringStringEntryProto.create({ key, value })),
  });
}

/** Serializes a model (a ModelProto from {@link model}) to protobuf bytes (what an `.onnx` file holds). */
export function encodeModel(m: OnnxNs.IModelProto): Uint8Array {
  const problem = onnx.ModelProto.verify(m as Record<string, unknown>);
  if (problem) throw new Error(`onnx-graph: invalid model: ${problem}`);
  return onnx.ModelProto.encode(m).finish();
}

/** Parses `.onnx` bytes. */
export function decodeModel(bytes: Uint8Array): OnnxNs.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

/** A dimension as protobufjs gives it: a number, or a Long for int64 fields. */
type Dim = number | { toNumber(): number };
const dimNumber = (d: Dim): number => (typeof d === 'number' ? d : d.toNumber());

/** The values of a raw-data float32 or int64 tensor (as written by {@link tensor}). */
export function readTensor(t: OnnxNs.ITensorProto): { dims: number[]; values: Float32Array | BigInt64Array } {
  const dims = ((t.dims ?? []) as Dim[]).map(dimNumber);
  const count = checkDims(dims, undefined, t.name);
  const raw = t.rawData ?? new Uint8Array(0);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (t.dataType === onnx.TensorProto.DataType.FLOAT) {
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = view.getFloat32(i * 4, true);
    return { dims, values };
  }
  if (t.dataType === onnx.TensorProto.DataType.INT64) {
    const values = new BigInt64Array(count);
    for (let i = 0; i < count; i++) values[i] = view.getBigInt64(i * 8, true);
    return { dims, values };
  }
  throw new Error(`onnx-graph: readTensor: ${t.name} has unsupported data type ${t.dataType}`);
}

/** The number of parameters of a model: the element count of its float initializers. */
export function countParameters(m: OnnxNs.IModelProto): number {
  let total = 0;
  for (const t of m.graph?.initializer ?? []) {
    if (t.dataType !== onnx.TensorProto.DataType.FLOAT) continue;
    total += ((t.dims ?? []) as Dim[]).reduce<number>((a, d) => a * dimNumber(d), 1);
  }
  return total;
}

/** The CDM's tensor names (the contract: `input` [batch,1280] → `color_probs` [batch,9]). */
export const CDM_IO = Object.freeze({ input: 'input', output: 'color_probs', inputDim: 1280, outputDim: 9 } as const);

/** The input width of a CDM trained without the concept embedding (CLAP's 512 values only). */
export const CDM_NO_CONCEPT_INPUT_DIM = 512 as const;

/** One Linear layer of {@link buildCdmModel}. */
export interface CdmLayer {
  /** Row-major `[outFeatures, inFeatures]` (PyTorch `nn.Linear.weight`). */
  weight: ArrayLike<number>;
  bias: ArrayLike<number>;
  inFeatures: number;
  outFeatures: number;
}

/** Options of {@link buildCdmModel}. */
export interface CdmModelOptions {
  inputDim?: 1280 | 512;
  docString?: string;
  producerName?: string;
  producerVersion?: string;
  metadata?: Record<string, string>;
}

/**
 * The CDM as ONNX: for each layer `Gemm(x, W, b, transB=1)` (W stored `[out, in]`, as
 * PyTorch's `nn.Linear` and its ONNX export do), `Relu` between layers, `Softmax(axis=-1)`
 * at the end. Dropout is absent (inference). Initializers are named like PyTorch's
 * `nn.Sequential` state dict (`net.0.weight`, `net.0.bias`, `net.3.weight`, …), the
 * Linear layers sitting at indices 0, 3, 6 (ReLU and Dropout in between).
 *
 * Use it to export a trained CDM: pass the weights of Linear(1280→256), Linear(256→128),
 * Linear(128→9) in that order.
 *
 * @param layers row-major `[outFeatures, inFeatures]` weights
 * @param options `inputDim` is 1280 (the contract: CLAP 512 ‖ concept 768) unless a CDM was trained
 *   without the concept half (`--no-concept`), which takes the 512 CLAP values alone
 * @returns a ModelProto ({@link encodeModel} it to get file bytes)
 *
 * @example
 * ```ts
 * const bytes = encodeModel(buildCdmModel([
 *   { weight: w1, bias: b1, inFeatures: 1280, outFeatures: 256 },
 *   { weight: w2, bias: b2, inFeatures: 256, outFeatures: 128 },
 *   { weight: w3, bias: b3, inFeatures: 128, outFeatures: 9 },
 * ], { docString: 'Refractor CDM trained on …' }));
 * ```
 */
export function buildCdmModel(layers: CdmLayer[], options: CdmModelOptions = {}): OnnxNs.ModelProto {
  if (layers.length === 0) throw new Error('onnx-graph: buildCdmModel needs at least one layer');
  const inputDim = options.inputDim ?? CDM_IO.inputDim;
  if (inputDim !== CDM_IO.inputDim && inputDim !== CDM_NO_CONCEPT_INPUT_DIM) {
    throw new Error(`onnx-graph: inputDim must be ${CDM_IO.inputDim} or ${CDM_NO_CONCEPT_INPUT_DIM}, got ${inputDim}`);
  }
  if (layers[0]!.inFeatures !== inputDim) throw new Error(`onnx-graph: the CDM's first layer must take ${inputDim} inputs`);
  if (layers.at(-1)!.outFeatures !== CDM_IO.outputDim) throw new Error(`onnx-graph: the CDM's last layer must give ${CDM_IO.outputDim} outputs`);
  const nodes: OnnxNs.NodeProto[] = [];
  const initializers: OnnxNs.TensorProto[] = [];
  let current: string = CDM_IO.input;
  layers.forEach((layer, i) => {
    if (i > 0 && layer.inFeatures !== layers[i - 1]!.outFeatures) {
      throw new Error(`onnx-graph: layer ${i} takes ${layer.inFeatures} inputs but layer ${i - 1} gives ${layers[i - 1]!.outFeatures}`);
    }
    const prefix = `net.${i * 3}`;
    initializers.push(tensor(`${prefix}.weight`, 'float32', [layer.outFeatures, layer.inFeatures], layer.weight));
    initializers.push(tensor(`${prefix}.bias`, 'float32', [layer.outFeatures], layer.bias));
    const gemmOut = i === layers.length - 1 ? 'logits' : `${prefix}.out`;
    nodes.push(
      node('Gemm', [current, `${prefix}.weight`, `${prefix}.bias`], [gemmOut], {
        alpha: attr.float(1),
        beta: attr.float(1),
        transB: attr.int(1),
      }, `/net.${i * 3}/Gemm`),
    );
    current = gemmOut;
    if (i < layers.length - 1) {
      const reluOut = `net.${i * 3 + 1}.out`;
      nodes.push(node('Relu', [current], [reluOut], {}, `/net.${i * 3 + 1}/Relu`));
      current = reluOut;
    }
  });
  nodes.push(node('Softmax', [current], [CDM_IO.output], { axis: attr.int(-1) }, '/Softmax'));
  return model({
    graph: graph({
      name: 'refractor_cdm',
      nodes,
      inputs: [valueInfo(CDM_IO.input, 'float32', ['batch', inputDim])],
      outputs: [valueInfo(CDM_IO.output, 'float32', ['batch', CDM_IO.outputDim])],
      initializers,
    }),
    producerName: options.producerName ?? 'refractor',
    producerVersion: options.producerVersion ?? '0',
    docString: options.docString ?? '',
    metadata: options.metadata ?? {},
  });
}
