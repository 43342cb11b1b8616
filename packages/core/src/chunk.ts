import {
  AXES,
  COLOR_COUNT,
  COLOR_NAMES,
  MODE_ORDERS,
  type Axis,
  type AxisDistribution,
  type ColorName,
  type ColorProbs,
  type ModeDistributions,
} from './colors.js';
import { InvalidValueError } from './errors.js';
import { assertFinite } from './numeric.js';
import type { ChunkResult } from './results.js';
import { targetTable } from './targets.js';

/**
 * How far a row of probabilities may sum from 1. A float32 softmax over nine
 * classes is off by ~1e-7; anything near 1e-3 is not a probability row.
 */
export const PROBABILITY_SUM_TOLERANCE = 1e-3;

/** Where a chunk sits in its song, in seconds. */
export interface ChunkSpan {
  start_s: number;
  end_s: number;
}

/**
 * Checks one CDM output row and returns its values as plain numbers.
 * Rejects rows that are not 9 long, hold NaN/Inf or negatives, or do not sum to 1.
 */
export function validateColorProbs(row: ArrayLike<number>, field = 'color_probs'): number[] {
  if (row == null || typeof row.length !== 'number' || row.length !== COLOR_COUNT) {
    throw new InvalidValueError(field, row, `${COLOR_COUNT} probabilities (one per color)`);
  }
  const values = Array.from(row, (value, i) => {
    assertFinite(value, `${field}[${i}]`);
    if (value < 0) throw new InvalidValueError(`${field}[${i}]`, value, 'a probability >= 0');
    return value;
  });
  const sum = values.reduce((acc, value) => acc + value, 0);
  if (Math.abs(sum - 1) > PROBABILITY_SUM_TOLERANCE) {
    throw new InvalidValueError(`sum of ${field}`, sum, `1 (within ${PROBABILITY_SUM_TOLERANCE})`);
  }
  return values;
}

/** Index of the first maximum, like numpy's argmax. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** Keys a row of nine numbers by color name. */
export function colorProbsOf(values: ArrayLike<number>): ColorProbs {
  return Object.fromEntries(COLOR_NAMES.map((name, i) => [name, values[i]])) as ColorProbs;
}

/** A color's target rows in the table named `targets` (default canonical) as distributions keyed by mode name (fresh objects). */
export function targetDistributions(color: ColorName, targets?: string): ModeDistributions {
  const rows = targetTable(targets).rows[color];
  const byAxis = (axis: Axis) => Object.fromEntries(MODE_ORDERS[axis].map((mode, i) => [mode, rows[axis][i]]));
  return Object.fromEntries(AXES.map((axis) => [axis, byAxis(axis)])) as {
    [A in Axis]: AxisDistribution<A>;
  };
}

/**
 * Decodes one CDM output row into a chunk result, as the original wrapper did:
 * the predicted color is the argmax, confidence its probability, and the
 * three axis distributions are that color's target rows in the table named
 * `targets` (default canonical). Unlike the original, the nine probabilities are kept.
 *
 * @example
 * ```ts
 * const chunk = decodeChunk([0.05, 0.6, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05], { start_s: 0, end_s: 30 });
 * chunk.predicted_color;   // 'Orange'
 * chunk.temporal.past;     // 0.8 (canonical: Orange is past-heavy)
 * decodeChunk(probs, span, 'card').temporal.present; // 0.8 (the card: present-heavy)
 * ```
 */
export function decodeChunk(colorProbs: ArrayLike<number>, span: ChunkSpan, targets?: string): ChunkResult {
  const values = validateColorProbs(colorProbs);
  assertFinite(span.start_s, 'start_s');
  assertFinite(span.end_s, 'end_s');
  const best = argmax(values);
  const predicted = COLOR_NAMES[best]!;
  return {
    predicted_color: predicted,
    confidence: values[best]!,
    ...targetDistributions(predicted, targets),
    color_probs: colorProbsOf(values),
    start_s: span.start_s,
    end_s: span.end_s,
  };
}
