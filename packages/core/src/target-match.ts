import { AXES, MODE_ORDERS, type Axis, type ColorName, type ModeDistributions } from './colors.js';
import { argmax } from './chunk.js';
import { InvalidValueError } from './errors.js';
import { assertFinite, roundHalfEven } from './numeric.js';
import type { Drift } from './results.js';
import { resolveColorName, targetTable } from './targets.js';

function modeValue(distributions: ModeDistributions, axis: Axis, index: number): number {
  const mode = MODE_ORDERS[axis][index]!;
  return assertFinite((distributions[axis] as Record<string, number>)?.[mode] as number, `${axis}.${mode}`);
}

/**
 * Mean over the three axes of dot(distribution axis, target row of `color`)
 * in the table named `targets` (default canonical).
 *
 * @example
 * ```ts
 * targetAffinity(song, 'Blue', 'card');
 * ```
 */
export function targetAffinity(distributions: ModeDistributions, color: ColorName, targets?: string): number {
  const rows = targetTable(targets).rows[color];
  let sum = 0;
  for (const axis of AXES) {
    rows[axis].forEach((weight, i) => {
      sum += modeValue(distributions, axis, i) * weight;
    });
  }
  return sum / AXES.length;
}

/**
 * How well distributions match a target color, in [0, 1]:
 * (mean over axes of dot(distribution, target row)) × (0.5 + 0.5 × confidence),
 * with the target rows of the table named `targets` (default canonical).
 *
 * @example
 * ```ts
 * chromaticMatch(song, song.confidence, 'Red');
 * chromaticMatch(song, song.confidence, 'Red', 'card'); // the card's numbers
 * ```
 */
export function chromaticMatch(distributions: ModeDistributions, confidence: number, target: string, targets?: string): number {
  const color: ColorName = resolveColorName(target);
  assertFinite(confidence, 'confidence');
  if (confidence < 0 || confidence > 1) throw new InvalidValueError('confidence', confidence, 'a value in [0, 1]');
  return targetAffinity(distributions, color, targets) * (0.5 + 0.5 * confidence);
}

/**
 * Drift from a target color. Per axis: the song's probability of the target's
 * peak mode (first index of the max) minus the target's peak, rounded to 4
 * decimals; overall = mean of the three rounded absolute deltas, rounded.
 * The original subtracted in float32 (its targets were cast to float32),
 * which moves some 4th decimals, so we do the same. Target rows come from
 * the table named `targets` (default canonical).
 *
 * @example
 * ```ts
 * drift(song, 'White', 'card').temporal_delta; // song.temporal.present - 0.34, in float32, 4 decimals
 * ```
 */
export function drift(distributions: ModeDistributions, target: string, targets?: string): Drift {
  const color: ColorName = resolveColorName(target);
  const rows = targetTable(targets).rows[color];
  const deltas = AXES.map((axis) => {
    const row = rows[axis];
    const peak = argmax(row);
    const delta = Math.fround(Math.fround(modeValue(distributions, axis, peak)) - Math.fround(row[peak]!));
    return roundHalfEven(delta, 4);
  });
  const [temporal, spatial, ontological] = deltas as [number, number, number];
  const meanAbs = (Math.abs(temporal) + Math.abs(spatial) + Math.abs(ontological)) / 3;
  return {
    temporal_delta: temporal,
    spatial_delta: spatial,
    ontological_delta: ontological,
    overall_drift: roundHalfEven(meanAbs, 4),
  };
}
