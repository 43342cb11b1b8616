// The training graph's hand-derived backward against finite differences of
// an independent float64 forward + loss written here.
import { describe, expect, it } from 'vitest';
import { initCdmWeights, lossTargets, SeededRng, type CdmWeights } from '../src/train/index.js';
import { TrainStepSession } from '../src/train/sessions.js';

const C = 9;

/** Float64 reference: Linear-ReLU-mask-Linear-ReLU-mask-Linear, then torch's weighted smoothed CE. */
function referenceLoss(
  params: Float64Array[],
  dims: [number, number][],
  x: Float32Array,
  rows: number,
  masks: [Float32Array, Float32Array],
  labels: number[],
  w: number[],
  eps: number,
): number {
  let h: Float64Array = Float64Array.from(x);
  for (let layer = 0; layer < 3; layer++) {
    const [inF, outF] = dims[layer]!;
    const W = params[2 * layer]!;
    const b = params[2 * layer + 1]!;
    const out = new Float64Array(rows * outF);
    for (let i = 0; i < rows; i++) {
      for (let o = 0; o < outF; o++) {
        let s = b[o]!;
        for (let k = 0; k < inF; k++) s += h[i * inF + k]! * W[o * inF + k]!;
        if (layer < 2) s = Math.max(0, s) * masks[layer]![i * outF + o]!;
        out[i * outF + o] = s;
      }
    }
    h = out;
  }
  let nll = 0;
  let smooth = 0;
  let S = 0;
  for (let i = 0; i < rows; i++) {
    const z = Array.from(h.subarray(i * C, i * C + C));
    const m = Math.max(...z);
    const logZ = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
    nll += w[labels[i]!]! * (logZ - z[labels[i]!]!);
    for (let c = 0; c < C; c++) smooth += w[c]! * (logZ - z[c]!);
    S += w[labels[i]!]!;
  }
  return ((1 - eps) * nll + (eps / C) * smooth) / S;
}

describe('training-step graph gradients', () => {
  it('match central finite differences of a float64 reference, for every tensor', async () => {
    const rng = new SeededRng(123);
    const inputDim = 512 as const;
    const rows = 6;
    const weights: CdmWeights = initCdmWeights(inputDim, rng);
    // Larger last-layer weights so the softmax is far from uniform and every term matters.
    for (let i = 0; i < weights.layers[2].weight.length; i++) weights.layers[2].weight[i]! *= 8;
    const x = Float32Array.from({ length: rows * inputDim }, () => rng.uniform(-2, 2));
    const keep = 1 / 0.7;
    const mask1 = Float32Array.from({ length: rows * 256 }, () => (rng.next() < 0.3 ? 0 : keep));
    const mask2 = Float32Array.from({ length: rows * 128 }, () => (rng.next() < 0.3 ? 0 : keep));
    const labels = [0, 3, 3, 8, 5, 1];
    const w = [0.5, 1.5, 0, 2, 1, 0.7, 1.3, 0, 2]; // includes absent classes (0)
    const eps = 0.1;
    const t = lossTargets(labels, w, eps);

    const step = await TrainStepSession.create(inputDim);
    const { loss, grads } = await step.run(weights, { rows, x, t, mask1, mask2 });
    await step.release();

    const dims: [number, number][] = weights.layers.map((l) => [l.inFeatures, l.outFeatures]);
    const params = weights.layers.flatMap((l) => [Float64Array.from(l.weight), Float64Array.from(l.bias)]);
    const f = () => referenceLoss(params, dims, x, rows, [mask1, mask2], labels, w, eps);
    expect(loss).toBeCloseTo(f(), 5);

    const h = 1e-4;
    let checked = 0;
    params.forEach((p, k) => {
      const g = grads[k]!;
      expect(g.length).toBe(p.length);
      // A random sample, plus the entry with the largest analytic gradient.
      const picks = Array.from({ length: 12 }, () => rng.int(p.length));
      picks.push(g.reduce((best, v, i) => (Math.abs(v) > Math.abs(g[best]!) ? i : best), 0));
      const scale = g.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(scale).toBeGreaterThan(0);
      for (const i of picks) {
        const saved = p[i]!;
        p[i] = saved + h;
        const up = f();
        p[i] = saved - h;
        const down = f();
        p[i] = saved;
        const numeric = (up - down) / (2 * h);
        // Relative to the tensor's largest gradient (float32 graph vs float64 reference).
        expect(Math.abs(numeric - g[i]!) / scale, `tensor ${k} index ${i}: numeric ${numeric} vs graph ${g[i]}`).toBeLessThan(2e-3);
        checked++;
      }
    });
    expect(checked).toBe(6 * 13);
  }, 30_000);
});
