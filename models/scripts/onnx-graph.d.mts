/** Types of `onnx-graph.mjs` (ONNX model-writing helpers over onnx-proto). See that file for the docs. */
import type { onnx as OnnxNamespace } from 'onnx-proto';

export declare const onnx: typeof OnnxNamespace;
export declare const OPSET: 17;
export declare const IR_VERSION: 8;

export type ElementType = 'float32' | 'int64' | 'int32' | 'bool';
export type AttributeValue = Omit<OnnxNamespace.IAttributeProto, 'name'>;

export declare function dataType(type: ElementType): number;

export declare const attr: Readonly<{
  int(v: number): AttributeValue;
  float(v: number): AttributeValue;
  ints(v: number[]): AttributeValue;
  floats(v: number[]): AttributeValue;
  string(v: string): AttributeValue;
  tensor(v: OnnxNamespace.ITensorProto): AttributeValue;
}>;

export declare function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attributes?: Record<string, AttributeValue>,
  name?: string,
): OnnxNamespace.NodeProto;

export declare function tensor(
  name: string,
  type: ElementType,
  dims: number[],
  values: ArrayLike<number> | ArrayLike<bigint>,
): OnnxNamespace.TensorProto;

export declare function valueInfo(name: string, type: ElementType, dims: (number | string)[]): OnnxNamespace.ValueInfoProto;

export declare function graph(spec: {
  name: string;
  nodes: OnnxNamespace.INodeProto[];
  inputs: OnnxNamespace.IValueInfoProto[];
  outputs: OnnxNamespace.IValueInfoProto[];
  initializers?: OnnxNamespace.ITensorProto[];
  docString?: string;
}): OnnxNamespace.GraphProto;

export declare function model(spec: {
  graph: OnnxNamespace.IGraphProto;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  metadata?: Record<string, string>;
  opset?: number;
  irVersion?: number;
}): OnnxNamespace.ModelProto;

export declare function encodeModel(m: OnnxNamespace.IModelProto): Uint8Array;
export declare function decodeModel(bytes: Uint8Array): OnnxNamespace.ModelProto;
export declare function readTensor(t: OnnxNamespace.ITensorProto): { dims: number[]; values: Float32Array | BigInt64Array };
export declare function countParameters(m: OnnxNamespace.IModelProto): number;

export declare const CDM_IO: Readonly<{ input: 'input'; output: 'color_probs'; inputDim: 1280; outputDim: 9 }>;

export declare const CDM_NO_CONCEPT_INPUT_DIM: 512;

export interface CdmLayer {
  /** Row-major `[outFeatures, inFeatures]` (PyTorch `nn.Linear.weight`). */
  weight: ArrayLike<number>;
  bias: ArrayLike<number>;
  inFeatures: number;
  outFeatures: number;
}

export declare function buildCdmModel(
  layers: CdmLayer[],
  options?: { inputDim?: 1280 | 512; docString?: string; producerName?: string; producerVersion?: string; metadata?: Record<string, string> },
): OnnxNamespace.ModelProto;
