// End to end: a learnable synthetic data set, determinism, and the export.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { checkModelContract, MODEL_CONTRACTS } from '@refractor/core';
import { countParameters, decodeModel } from '../src/onnx/graph.js';
import { exportCdmOnnx, predictCdm, SeededRng, trainCdm, type CdmTrainingData, type EpochRecord } from '../src/train/index.js';

/** Class-dependent Gaussian clusters in 1280-d, `songs` songs per color, `chunks` rows per song. */
function clusters(seed: number, songs = 4, chunks = 8, spread = 1): CdmTrainingData {
  const rng = new SeededRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const dim = 1280;
  const centers = Array.from({ length: 9 }, () => Float32Array.from({ length: dim }, () => gauss() * 0.5));
  const rows = 9 * songs * chunks;
  const features = new Float32Array(rows * dim);
  const labels = new Int32Array(rows);
  const songIds: string[] = [];
  let r = 0;
  for (let c = 0; c < 9; c++) for (let s = 0; s < songs; s++) for (let k = 0; k < chunks; k++, r++) {
    for (let d = 0; d < dim; d++) features[r * dim + d] = centers[c]![d]! + spread * gauss();
    labels[r] = c;
    songIds.push(`${c}-${s}`);
  }
  return { features, inputDim: dim, labels, songIds };
}

const data = clusters(5);

describe('trainCdm', () => {
  it('learns separable clusters to ≥ 95% validation accuracy in a few epochs, reporting every epoch', async () => {
    const records: EpochRecord[] = [];
    const result = await trainCdm(data, { epochs: 8, onEpoch: (r) => records.push(r) });
    expect(records.map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(result.history).toEqual(records);
    // 4 songs per color → round(0.8) = 1 validation song each.
    expect(result.split.valSongs).toHaveLength(9);
    expect(result.split.trainSongs).toHaveLength(27);
    const best = records[result.bestEpoch - 1]!;
    expect(best.valMeanPerColorAccuracy).toBe(Math.max(...records.map((r) => r.valMeanPerColorAccuracy!)));
    expect(records.findIndex((r) => r.valMeanPerColorAccuracy === best.valMeanPerColorAccuracy)).toBe(result.bestEpoch - 1);
    expect(best.valAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(result.valMetrics!.overall.accuracy).toBeCloseTo(best.valAccuracy!, 12);
    expect(result.valMetrics!.mean_per_color_accuracy).toBeCloseTo(best.valMeanPerColorAccuracy!, 12);
    expect(records.at(-1)!.trainLoss).toBeLessThan(records[0]!.trainLoss);
    expect(result.classWeights).toHaveLength(9);
    expect(JSON.parse(JSON.stringify(result.report)).parameters).toBe(361_993);
  }, 30_000);

  it('is deterministic: the same seed gives identical weights, another seed different ones', async () => {
    const small = clusters(9, 3, 6);
    const run = (seed: number) => trainCdm(small, { epochs: 2, seed });
    const [a, b, c] = [await run(7), await run(7), await run(8)];
    a.model.layers.forEach((layer, i) => {
      expect(Buffer.from(layer.weight.buffer, layer.weight.byteOffset, layer.weight.byteLength).equals(Buffer.from(b.model.layers[i]!.weight.buffer, b.model.layers[i]!.weight.byteOffset, b.model.layers[i]!.weight.byteLength))).toBe(true);
      expect(Array.from(layer.bias)).toEqual(Array.from(b.model.layers[i]!.bias));
    });
    expect(a.history).toEqual(b.history);
    expect(Array.from(a.model.layers[0].weight.subarray(0, 64))).not.toEqual(Array.from(c.model.layers[0].weight.subarray(0, 64)));
  }, 30_000);

  it('exports an ONNX CDM that meets the contract, has 361,993 parameters, and matches the in-memory model within 1e-5', async () => {
    const result = await trainCdm(data, { epochs: 2 });
    const bytes = exportCdmOnnx(result.model);
    expect(countParameters(decodeModel(bytes))).toBe(361_993);
    const session = await ort.InferenceSession.create(bytes);
    checkModelContract(session, MODEL_CONTRACTS.cdm, 'trained.onnx');
    const rows = data.features.subarray(0, 20 * 1280);
    const out = await session.run({ input: new ort.Tensor('float32', rows.slice(), [20, 1280]) });
    const exported = out.color_probs!.data as Float32Array;
    const own = await predictCdm(result.model, rows.slice());
    expect(exported.length).toBe(180);
    for (let i = 0; i < exported.length; i++) expect(Math.abs(exported[i]! - own[i]!)).toBeLessThan(1e-5);
    for (let r = 0; r < 20; r++) expect(exported.subarray(r * 9, r * 9 + 9).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    await session.release();
  }, 30_000);

  it('trains and exports a --no-concept model on the CLAP half (512 inputs)', async () => {
    const result = await trainCdm(clusters(3, 2, 4), { epochs: 1, noConcept: true });
    expect(result.model.inputDim).toBe(512);
    const session = await ort.InferenceSession.create(exportCdmOnnx(result.model));
    expect(session.inputMetadata[0]).toMatchObject({ name: 'input', shape: ['batch', 512] });
    await session.release();
  }, 30_000);

  it('rejects bad data with a message naming the problem', async () => {
    const bad = { ...data, features: data.features.slice() };
    bad.features[1280 * 3 + 5] = NaN;
    await expect(trainCdm(bad, { epochs: 1 })).rejects.toThrow(/row 3 column 5 is NaN/);
    await expect(trainCdm({ ...data, labels: [...data.labels].map((v, i) => (i === 0 ? 9 : v)) }, { epochs: 1 })).rejects.toThrow(/labels\[0\] is 9/);
  });
});
