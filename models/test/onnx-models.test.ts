import { describe, expect, it } from 'vitest';
import { CDM_CONTRACT, MODEL_CONTRACTS, type ModelFileRole } from '@refractor/core';
import { cosine, decodeOnnx, declaredTensor, floatInitializer, norm, ort, parameterCount, rng, session } from './helpers.js';

const MODELS = [
  ['cdm', 'cdm'],
  ['clap', 'clap.model'],
  ['text', 'text.model'],
] as const satisfies readonly (readonly [keyof typeof MODEL_CONTRACTS, ModelFileRole])[];

describe.each(MODELS)('%s model: interface', (contractName, role) => {
  const contract = MODEL_CONTRACTS[contractName];

  it('is ONNX IR 8, opset 17 of ai.onnx, and declares exactly the contract tensors', () => {
    const model = decodeOnnx(role);
    expect(Number(model.irVersion)).toBe(8);
    expect(model.opsetImport!.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    const declared = (list: Parameters<typeof declaredTensor>[0][] | null | undefined) => list!.map((v) => ({ name: v.name, ...declaredTensor(v) }));
    expect(declared(model.graph!.input)).toEqual(contract.inputs.map(({ name, type, dims }) => ({ name, type, dims: [...dims] })));
    expect(declared(model.graph!.output)).toEqual(contract.outputs.map(({ name, type, dims }) => ({ name, type, dims: [...dims] })));
  });

  it('loads in onnxruntime-node with the contract names, types and shapes', async () => {
    const s = await session(role);
    expect(s.inputNames).toEqual(contract.inputs.map((t) => t.name));
    expect(s.outputNames).toEqual(contract.outputs.map((t) => t.name));
    const meta = (list: readonly ort.InferenceSession.ValueMetadata[]) =>
      list.map((m) => (m.isTensor ? { name: m.name, type: m.type, dims: [...m.shape] } : { name: m.name }));
    expect(meta(s.inputMetadata)).toEqual(contract.inputs.map(({ name, type, dims }) => ({ name, type, dims: [...dims] })));
    expect(meta(s.outputMetadata)).toEqual(contract.outputs.map(({ name, type, dims }) => ({ name, type, dims: [...dims] })));
    await s.release();
  });
});

/** Deterministic CDM inputs: a unit-norm "CLAP" half and a "concept" half of norm ~6 (zeros for some rows). */
function cdmInputs(batch: number, seed: number): Float32Array {
  const next = rng(seed);
  const input = new Float32Array(batch * CDM_CONTRACT.inputDim);
  for (let r = 0; r < batch; r++) {
    const row = input.subarray(r * 1280, (r + 1) * 1280);
    for (let i = 0; i < 512; i++) row[i] = next() - 0.5;
    const n = norm(row.subarray(0, 512));
    for (let i = 0; i < 512; i++) row[i] = row[i]! / n;
    if (r % 5 !== 4) for (let i = 512; i < 1280; i++) row[i] = (next() - 0.5) * 0.75;
  }
  return input;
}

/** The CDM forward pass in float64 from the weights stored in the file. */
function cdmReference(input: Float32Array, batch: number): Float64Array {
  const model = decodeOnnx('cdm');
  const layers = [0, 3, 6].map((i) => ({ w: floatInitializer(model, `net.${i}.weight`), b: floatInitializer(model, `net.${i}.bias`) }));
  const out = new Float64Array(batch * 9);
  for (let r = 0; r < batch; r++) {
    let x: Float64Array = Float64Array.from(input.subarray(r * 1280, (r + 1) * 1280));
    layers.forEach(({ w, b }, li) => {
      const [outF, inF] = w.dims as [number, number];
      expect(inF).toBe(x.length);
      const y = new Float64Array(outF);
      for (let o = 0; o < outF; o++) {
        let s = b.values[o]!;
        for (let i = 0; i < inF; i++) s += w.values[o * inF + i]! * x[i]!;
        y[o] = li < 2 ? Math.max(0, s) : s;
      }
      x = y;
    });
    const max = Math.max(...x);
    const e = x.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, v) => a + v, 0);
    for (let k = 0; k < 9; k++) out[r * 9 + k] = e[k]! / sum;
  }
  return out;
}

describe('tiny CDM', () => {
  it('is Gemm→Relu→Gemm→Relu→Gemm→Softmax with PyTorch-style weights and 361,993 parameters', () => {
    const model = decodeOnnx('cdm');
    const nodes = model.graph!.node!;
    expect(nodes.map((n) => n.opType)).toEqual(['Gemm', 'Relu', 'Gemm', 'Relu', 'Gemm', 'Softmax']);
    for (const gemm of nodes.filter((n) => n.opType === 'Gemm')) {
      const attrs = Object.fromEntries(gemm.attribute!.map((a) => [a.name, a.type === 2 ? Number(a.i) : a.f]));
      expect(attrs).toEqual({ alpha: 1, beta: 1, transB: 1 });
    }
    const softmax = nodes.at(-1)!;
    expect(softmax.attribute!.map((a) => [a.name, Number(a.i)])).toEqual([['axis', -1]]);
    expect(nodes[0]!.input).toEqual(['input', 'net.0.weight', 'net.0.bias']);
    expect(softmax.output).toEqual(['color_probs']);
    expect(parameterCount(model)).toBe(361_993);
    expect(['net.0.weight', 'net.3.weight', 'net.6.weight'].map((n) => floatInitializer(model, n).dims)).toEqual([
      [256, 1280],
      [128, 256],
      [9, 128],
    ]);
  });

  it('gives softmax rows equal to a float64 forward pass of its own weights', async () => {
    const batch = 20;
    const input = cdmInputs(batch, 11);
    const s = await session('cdm');
    const { color_probs } = await s.run({ input: new ort.Tensor('float32', input, [batch, 1280]) });
    expect(color_probs!.dims).toEqual([batch, 9]);
    const probs = color_probs!.data as Float32Array;
    const expected = cdmReference(input, batch);
    let worst = 0;
    for (let i = 0; i < probs.length; i++) worst = Math.max(worst, Math.abs(probs[i]! - expected[i]!));
    expect(worst).toBeLessThan(1e-5);
    for (let r = 0; r < batch; r++) {
      const row = probs.subarray(r * 9, r * 9 + 9);
      expect(Math.abs(row.reduce((a, v) => a + v, 0) - 1)).toBeLessThan(1e-5);
    }
    await s.release();
  });

  it('answers clearly differently for different inputs, and both halves of the input matter', async () => {
    const batch = 20;
    const base = cdmInputs(batch, 21);
    const otherClap = base.slice();
    const otherConcept = base.slice();
    const alt = cdmInputs(batch, 22);
    for (let r = 0; r < batch; r++) {
      otherClap.set(alt.subarray(r * 1280, r * 1280 + 512), r * 1280);
      otherConcept.set(alt.subarray(r * 1280 + 512, (r + 1) * 1280), r * 1280 + 512);
    }
    const s = await session('cdm');
    const run = async (x: Float32Array) => (await s.run({ input: new ort.Tensor('float32', x, [batch, 1280]) })).color_probs!.data as Float32Array;
    const [p, pClap, pConcept] = [await run(base), await run(otherClap), await run(otherConcept)];
    const l1 = (a: Float32Array, b: Float32Array, r: number) => {
      let d = 0;
      for (let k = 0; k < 9; k++) d += Math.abs(a[r * 9 + k]! - b[r * 9 + k]!);
      return d;
    };
    const mean = (f: (r: number) => number) => Array.from({ length: batch }, (_, r) => f(r)).reduce((a, v) => a + v, 0) / batch;
    // Swapping either half moves the probabilities a lot on average (0 = no effect, 2 = disjoint).
    expect(mean((r) => l1(p, pClap, r))).toBeGreaterThan(0.3);
    expect(mean((r) => l1(p, pConcept, r))).toBeGreaterThan(0.3);
    // Far from uniform (1/9), and different rows pick different colors.
    const argmaxes = new Set<number>();
    let maxProbs = 0;
    for (let r = 0; r < batch; r++) {
      const row = Array.from(p.subarray(r * 9, r * 9 + 9));
      const m = Math.max(...row);
      maxProbs += m / batch;
      argmaxes.add(row.indexOf(m));
    }
    expect(maxProbs).toBeGreaterThan(0.3);
    expect(argmaxes.size).toBeGreaterThanOrEqual(4);
    await s.release();
  });
});

/** A [1001, 64] log-mel in dB: a spectral tilt, a moving partial and seeded noise. */
function mel(seed: number, level: number, tilt: number, period: number): Float32Array {
  const next = rng(seed);
  const out = new Float32Array(1001 * 64);
  for (let t = 0; t < 1001; t++) {
    const partial = Math.floor(32 + 24 * Math.sin(t / period));
    for (let b = 0; b < 64; b++) out[t * 64 + b] = Math.max(-100, level - tilt * b + (b === partial ? 25 : 0) + (next() - 0.5) * 6);
  }
  return out;
}

describe('tiny CLAP audio encoder', () => {
  it('gives unit-norm embeddings that depend on the mel input, row by row', async () => {
    const a = mel(1, -20, 0.8, 40);
    const b = mel(2, -55, -0.2, 7);
    const silence = new Float32Array(1001 * 64).fill(-100);
    const batch = new Float32Array(3 * 1001 * 64);
    batch.set(a, 0);
    batch.set(b, 1001 * 64);
    batch.set(silence, 2 * 1001 * 64);
    const s = await session('clap.model');
    const { audio_embeds } = await s.run({ input_features: new ort.Tensor('float32', batch, [3, 1, 1001, 64]) });
    expect(audio_embeds!.dims).toEqual([3, 512]);
    const data = audio_embeds!.data as Float32Array;
    const rows = [0, 1, 2].map((r) => data.subarray(r * 512, (r + 1) * 512));
    for (const row of rows) {
      expect(row.every(Number.isFinite)).toBe(true);
      expect(Math.abs(norm(row) - 1)).toBeLessThan(1e-5);
    }
    expect(cosine(rows[0]!, rows[1]!)).toBeLessThan(0.9);
    expect(cosine(rows[0]!, rows[2]!)).toBeLessThan(0.9);
    // Alone or in a batch: the same embedding.
    const alone = (await s.run({ input_features: new ort.Tensor('float32', b, [1, 1, 1001, 64]) })).audio_embeds!.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < 512; i++) worst = Math.max(worst, Math.abs(alone[i]! - rows[1]![i]!));
    expect(worst).toBeLessThan(1e-6);
    await s.release();
  });
});
