/**
 * Inverse-frequency class weights, as the card's training used them.
 */
import { CDM_CLASSES } from './model.js';

/**
 * w_c = 1 / count_c over the training rows, then scaled so the mean over all
 * nine classes is 1; a class absent from training weighs 0 (it cannot be
 * learned, and must not take part in the loss).
 *
 * @example
 * ```ts
 * classWeights([0, 0, 0, 1]); // [0.6, 1.8, 0, 0, 0, 0, 0, 0, 0] × … (mean 1 over 9)
 * ```
 */
export function classWeights(labels: ArrayLike<number>): Float64Array {
  const counts = new Float64Array(CDM_CLASSES);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]! += 1;
  const weights = counts.map((n) => (n > 0 ? 1 / n : 0));
  const sum = weights.reduce((a, b) => a + b, 0);
  return sum === 0 ? weights : weights.map((w) => (w * CDM_CLASSES) / sum);
}
