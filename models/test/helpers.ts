import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { cosineSimilarity, MODEL_FILE_ROLES, type ModelFileRole } from '@refractor/core';

export const { onnx } = onnxProto;

/** The @refractor/models package directory (the manifest it checks lives in @refractor/core). */
export const MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The committed tiny set. */
export const TINY_DIR = join(MODELS_DIR, 'tiny');
/** The files that make `tiny/` the `@refractor/tiny-models` package (not model files; the generator leaves them alone). */
export const TINY_PACKAGE_FILES: readonly string[] = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'index.js', 'index.cjs', 'index.d.ts', 'index.d.cts'];
export const GENERATOR = join(MODELS_DIR, 'scripts', 'make-tiny-models.mjs');
export const MANIFEST_PATH = join(MODELS_DIR, '..', 'packages', 'core', 'src', 'manifest', 'default-manifest.json');

/** Absolute path of a role's file in the committed tiny set. */
export function tinyPath(role: ModelFileRole): string {
  return join(TINY_DIR, MODEL_FILE_ROLES[role]);
}

export function readJson(role: ModelFileRole): Record<string, unknown> {
  return JSON.parse(readFileSync(tinyPath(role), 'utf8')) as Record<string, unknown>;
}

/** Decodes a committed ONNX file with onnx-proto (independently of the generator's helpers). */
export function decodeOnnx(role: ModelFileRole): InstanceType<typeof onnx.ModelProto> {
  return onnx.ModelProto.decode(readFileSync(tinyPath(role)));
}

const toNumber = (d: number | { toNumber(): number }): number => (typeof d === 'number' ? d : d.toNumber());

/** An initializer's dims and float32 values, read from its little-endian raw data. */
export function floatInitializer(model: InstanceType<typeof onnx.ModelProto>, name: string): { dims: number[]; values: Float32Array } {
  const t = model.graph!.initializer!.find((i) => i.name === name);
  if (!t) throw new Error(`no initializer ${name}`);
  if (t.dataType !== onnx.TensorProto.DataType.FLOAT) throw new Error(`${name} is not float32`);
  const dims = (t.dims ?? []).map((d) => toNumber(d as number));
  const raw = t.rawData!;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const count = dims.reduce((a, b) => a * b, 1);
  if (raw.byteLength !== count * 4) throw new Error(`${name}: ${raw.byteLength} bytes for ${count} floats`);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = view.getFloat32(i * 4, true);
  return { dims, values };
}

/** Element count of every initializer (the parameter count). */
export function parameterCount(model: InstanceType<typeof onnx.ModelProto>): number {
  return model.graph!.initializer!.reduce((sum, t) => sum + (t.dims ?? []).reduce<number>((a, d) => a * toNumber(d as number), 1), 0);
}

/** A graph input/output's element type name and dims (numbers static, strings symbolic). */
export function declaredTensor(info: onnxProto.onnx.IValueInfoProto): { type: string; dims: (number | string)[] } {
  const tensorType = info.type!.tensorType!;
  const type = tensorType.elemType === onnx.TensorProto.DataType.FLOAT ? 'float32' : tensorType.elemType === onnx.TensorProto.DataType.INT64 ? 'int64' : `type ${tensorType.elemType}`;
  const dims = tensorType.shape!.dim!.map((d) => (d.dimParam ? d.dimParam : toNumber(d.dimValue as number)));
  return { type, dims };
}

export async function session(role: ModelFileRole, options: ort.InferenceSession.SessionOptions = {}): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(tinyPath(role), { executionProviders: ['cpu'], ...options });
}

export function int64(values: number[], dims: number[]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims);
}

/** The cosine of two vectors: core's, so the tests measure with what `refractor drift` reports. */
export const cosine = cosineSimilarity;

export function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

/** mulberry32, for test inputs. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export { ort };
