/**
 * PyTorch's `CrossEntropyLoss(weight=w, label_smoothing=ε)` with mean
 * reduction, expressed as soft targets so the training graph only has to
 * compute −Σ T ⊙ log_softmax(z). For a batch with labels y:
 *
 *   loss = [ (1−ε) Σ_i w_{y_i} (−log p_{i,y_i}) + (ε/C) Σ_i Σ_c w_c (−log p_{i,c}) ] / Σ_i w_{y_i}
 *
 * Note torch divides BOTH terms by Σ_i w_{y_i} (the weights of the true
 * labels), not by the batch size, and the smoothing term is weighted by w_c.
 */
import { CDM_CLASSES } from './model.js';

/**
 * Fills `out` (B×C row-major) with T_ic = [(1−ε) w_{y_i} 1{c = y_i} + (ε/C) w_c] / S,
 * S = Σ_i w_{y_i}, so that loss = −Σ_ic T_ic log p_ic.
 *
 * @example
 * ```ts
 * const t = lossTargets([0, 1], weights, 0.1); // 2×9
 * ```
 */
export function lossTargets(
  labels: ArrayLike<number>,
  weights: ArrayLike<number>,
  smoothing: number,
  out: Float32Array = new Float32Array(labels.length * CDM_CLASSES),
): Float32Array {
  const C = CDM_CLASSES;
  let S = 0;
  for (let i = 0; i < labels.length; i++) S += weights[labels[i]!]!;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    for (let c = 0; c < C; c++) {
      out[i * C + c] = (((c === y ? (1 - smoothing) * weights[y]! : 0) + (smoothing / C) * weights[c]!) / S);
    }
  }
  return out;
}

/**
 * The same loss computed directly from logits in float64 (validation loss,
 * and a second implementation for the tests).
 *
 * @example
 * ```ts
 * smoothedWeightedCrossEntropy(new Float32Array(18), [0, 1], weights, 0.1); // log 9
 * ```
 */
export function smoothedWeightedCrossEntropy(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  weights: ArrayLike<number>,
  smoothing: number,
): number {
  const C = CDM_CLASSES;
  let nll = 0;
  let smooth = 0;
  let S = 0;
  for (let i = 0; i < labels.length; i++) {
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, logits[i * C + c]!);
    let sumExp = 0;
    for (let c = 0; c < C; c++) sumExp += Math.exp(logits[i * C + c]! - max);
    const logZ = max + Math.log(sumExp);
    const y = labels[i]!;
    nll += weights[y]! * (logZ - logits[i * C + y]!);
    for (let c = 0; c < C; c++) smooth += weights[c]! * (logZ - logits[i * C + c]!);
    S += weights[y]!;
  }
  return ((1 - smoothing) * nll + (smoothing / C) * smooth) / S;
}
