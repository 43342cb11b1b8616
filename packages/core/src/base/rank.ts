import type { Ranked } from './results.js';

/**
 * Sorts results by confidence, highest first, and numbers them from 0, as
 * the original's `score_batch`. Stable: equal confidences keep input order,
 * so a ranking is reproducible. Returns new objects; the input is untouched.
 *
 * @example
 * ```ts
 * rankByConfidence([{ confidence: 0.2 }, { confidence: 0.9 }, { confidence: 0.2 }]);
 * // [{ confidence: 0.9, rank: 0 }, { confidence: 0.2, rank: 1 } (the first), { confidence: 0.2, rank: 2 }]
 * ```
 */
export function rankByConfidence<T extends { confidence: number }>(results: readonly T[]): Ranked<T>[] {
  return results
    .map((result, index) => ({ result, index }))
    .sort((a, b) => b.result.confidence - a.result.confidence || a.index - b.index)
    .map(({ result }, rank) => ({ ...result, rank }));
}
