import { describe, expect, it } from 'vitest';
import {
  attr,
  buildCdmModel,
  countParameters,
  decodeModel,
  encodeModel,
  graph,
  model,
  node,
  readTensor,
  tensor,
  valueInfo,
} from '../src/onnx/graph.js';
import * as ort from 'onnxruntime-node';
import { SeededRng } from '../src/train/rng.js';

describe('@refractor/train/onnx-graph', () => {
  it('buildCdmModel exports given weights that come back unchanged and run as Linear/ReLU/Softmax', async () => {
    const seeded = new SeededRng(5);
    const next = () => seeded.next();
    const sizes = [1280, 256, 128, 9];
    const layers = [0, 1, 2].map((i) => ({
      inFeatures: sizes[i]!,
      outFeatures: sizes[i + 1]!,
      weight: Float32Array.from({ length: sizes[i]! * sizes[i + 1]! }, () => (next() - 0.5) * 0.1),
      bias: Float32Array.from({ length: sizes[i + 1]! }, () => next() - 0.5),
    }));
    const bytes = encodeModel(buildCdmModel(layers, { docString: 'test' }));
    const decoded = decodeModel(bytes);
    expect(countParameters(decoded)).toBe(361_993);
    for (const [i, layer] of layers.entries()) {
      const w = readTensor(decoded.graph!.initializer!.find((t) => t.name === `net.${i * 3}.weight`)!);
      expect(w.dims).toEqual([layer.outFeatures, layer.inFeatures]);
      expect(w.values).toBeInstanceOf(Float32Array);
      expect(Buffer.from((w.values as Float32Array).buffer).equals(Buffer.from(layer.weight.buffer))).toBe(true);
    }
    const s = await ort.InferenceSession.create(bytes);
    const x = Float32Array.from({ length: 1280 }, () => next() - 0.5);
    const probs = (await s.run({ input: new ort.Tensor('float32', x, [1, 1280]) }))['color_probs']!.data as Float32Array;
    let h: number[] = Array.from(x);
    for (const [i, l] of layers.entries()) {
      h = Array.from({ length: l.outFeatures }, (_, o) => {
        let v = l.bias[o]!;
        for (let k = 0; k < l.inFeatures; k++) v += l.weight[o * l.inFeatures + k]! * h[k]!;
        return i < 2 ? Math.max(0, v) : v;
      });
    }
    const e = h.map((v) => Math.exp(v - Math.max(...h)));
    const total = e.reduce((a, v) => a + v, 0);
    e.forEach((v, k) => expect(Math.abs(probs[k]! - v / total)).toBeLessThan(1e-5));
    await s.release();
  });

  it('builds small graphs that onnxruntime runs, with symbolic and static dims', async () => {
    const bytes = encodeModel(
      model({
        graph: graph({
          name: 'scale_and_sum',
          inputs: [valueInfo('x', 'float32', ['batch', 3])],
          outputs: [valueInfo('y', 'float32', ['batch', 1])],
          initializers: [tensor('w', 'float32', [3], [1, 2, 3]), tensor('axes', 'int64', [1], [1])],
          nodes: [node('Mul', ['x', 'w'], ['xw']), node('ReduceSum', ['xw', 'axes'], ['y'], { keepdims: attr.int(1) })],
        }),
      }),
    );
    const s = await ort.InferenceSession.create(bytes);
    const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from([1, 1, 1, 0, 1, 0]), [2, 3]) });
    expect(Array.from(out['y']!.data as Float32Array)).toEqual([6, 2]);
    expect(s.inputMetadata[0]).toMatchObject({ shape: ['batch', 3] });
    await s.release();
  });

  it('refuses tensors whose dims do not match their values', () => {
    expect(() => tensor('bad', 'float32', [2, 2], [1, 2, 3])).toThrow(/4 elements, got 3/);
    expect(() => buildCdmModel([{ inFeatures: 10, outFeatures: 9, weight: new Float32Array(90), bias: new Float32Array(9) }])).toThrow(/1280/);
  });
});
