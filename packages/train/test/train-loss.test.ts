// The weighted, label-smoothed cross entropy (torch semantics) by hand.
import { describe, expect, it } from 'vitest';
import { initCdmWeights, lossTargets, SeededRng, smoothedWeightedCrossEntropy, type CdmWeights } from '../src/train/index.js';
import { TrainStepSession } from '../src/train/sessions.js';

const { log } = Math;
const w = [2, 0.5, 1, 1, 1, 1, 1, 1, 0.5]; // sums to 9

function zeroModel(): CdmWeights {
  const m = initCdmWeights(512, new SeededRng(1));
  for (const l of m.layers) {
    l.weight.fill(0);
    l.bias.fill(0);
  }
  return m;
}

async function graphLoss(model: CdmWeights, labels: number[], weights: number[], eps: number): Promise<number> {
  const rows = labels.length;
  const step = await TrainStepSession.create(512);
  try {
    const { loss } = await step.run(model, {
      rows,
      x: Float32Array.from({ length: rows * 512 }, (_, i) => Math.sin(i)),
      t: lossTargets(labels, weights, eps),
      mask1: new Float32Array(rows * 256).fill(1),
      mask2: new Float32Array(rows * 128).fill(1),
    });
    return loss;
  } finally {
    await step.release();
  }
}

describe('smoothed weighted cross entropy', () => {
  it('is log 9 for uniform predictions without smoothing (any weights) or with uniform weights', async () => {
    for (const [weights, eps] of [[w, 0], [[0, 3, 0, 0, 0, 0, 4, 0, 2], 0], [[1, 1, 1, 1, 1, 1, 1, 1, 1], 0.1]] as const) {
      expect(smoothedWeightedCrossEntropy(new Float32Array(18), [1, 6], weights, eps)).toBeCloseTo(log(9), 12);
      expect(await graphLoss(zeroModel(), [1, 6], [...weights], eps)).toBeCloseTo(log(9), 6);
    }
  });

  it('with smoothing AND weights, uniform predictions give log 9 · [(1−ε) + ε·n·mean(w) / Σ w_y] (torch divides the smoothing term by Σ w_y too)', async () => {
    // Labels Orange (0.5) and Violet (1): Σ w_y = 1.5; n·mean(w) = 2·1 = 2.
    const expected = log(9) * (0.9 + (0.1 * 2) / 1.5);
    expect(expected).not.toBeCloseTo(log(9), 3);
    expect(smoothedWeightedCrossEntropy(new Float32Array(18), [1, 6], w, 0.1)).toBeCloseTo(expected, 12);
    expect(await graphLoss(zeroModel(), [1, 6], w, 0.1)).toBeCloseTo(expected, 6);
  });

  it('matches a hand computation with different logits per row', () => {
    // Row 0: logit ln 2 for Red, 0 elsewhere → p = 0.2 for Red, 0.1 for the others. Row 1: uniform.
    const logits = new Float32Array(18);
    logits[0] = log(2);
    const nll = 2 * log(5) + 0.5 * log(9); // w_Red·(−ln 0.2) + w_Orange·ln 9
    const smooth = 2 * log(5) + 7 * log(10) + 9 * log(9); // Σ_c w_c(−ln p_c) for both rows
    const expected = (0.9 * nll + (0.1 / 9) * smooth) / 2.5; // ÷ (w_Red + w_Orange)
    expect(smoothedWeightedCrossEntropy(logits, [0, 1], w, 0.1)).toBeCloseTo(expected, 6);
  });

  it('the training graph computes the same loss (bias-only model: every row gets logits [ln 2, 0, …])', async () => {
    const model = zeroModel();
    model.layers[2].bias[0] = log(2);
    const nll = 2 * log(5) + 0.5 * log(10);
    const smooth = 2 * (2 * log(5) + 7 * log(10));
    const expected = (0.9 * nll + (0.1 / 9) * smooth) / 2.5;
    expect(await graphLoss(model, [0, 1], w, 0.1)).toBeCloseTo(expected, 5);
  });

  it('loss targets sum to the loss normalization: Σ T = 1 when all classes are weighted', () => {
    const t = lossTargets([0, 1, 1], w, 0.1);
    // Row 0: (0.9·2 + (0.1/9)·9) / S with S = 2 + 0.5 + 0.5 = 3.
    expect(t.slice(0, 9).reduce((a, b) => a + b, 0)).toBeCloseTo((0.9 * 2 + 0.1) / 3, 6);
    expect(t[0]).toBeCloseTo((0.9 * 2 + (0.1 / 9) * 2) / 3, 6);
    expect(t[1]).toBeCloseTo(((0.1 / 9) * 0.5) / 3, 6);
  });
});
