import { AXES, MODE_ORDERS, type Axis, type ColorTargets, type TargetRow } from './colors.js';
import { InvalidValueError } from './errors.js';
import type { RainbowModes } from './rainbow-table.js';

/** A named mode's weight on its slot, and everyone else's. */
export const NAMED_MODE_WEIGHT = 0.8;
export const OTHER_MODE_WEIGHT = 0.1;
/** Each of two named ontological modes (the original keeps that row at 0.4 + 0.4 + 0.1 = 0.9). */
export const SHARED_MODE_WEIGHT = 0.4;

function row(axis: Axis, named: readonly string[], field: string): TargetRow {
  const order: readonly string[] = MODE_ORDERS[axis];
  for (const mode of named) {
    if (!order.includes(mode)) throw new InvalidValueError(field, mode, `one of ${order.join(', ')}`);
  }
  if (new Set(named).size !== named.length) throw new InvalidValueError(field, named, 'distinct modes');
  if (named.length === 0) return Object.freeze([1 / 3, 1 / 3, 1 / 3]) as TargetRow;
  const weight = named.length === 1 ? NAMED_MODE_WEIGHT : named.length === 2 ? SHARED_MODE_WEIGHT : undefined;
  if (weight === undefined) throw new InvalidValueError(field, named, 'at most two modes');
  return Object.freeze(order.map((mode) => (named.includes(mode) ? weight : OTHER_MODE_WEIGHT))) as unknown as TargetRow;
}

/**
 * Derives one color's target rows from its rainbow-table modes, by the
 * original's rules (issue #25): a named mode is 0.8 on its slot and 0.1 on
 * the others; no mode is exactly 1/3 each; two modes are 0.4 each and 0.1 on
 * the third — left unnormalised (it sums to 0.9), as the original keeps it.
 *
 * @example
 * ```ts
 * deriveColorTargets(RAINBOW_TABLE.Orange).temporal;    // [0.8, 0.1, 0.1]
 * deriveColorTargets(RAINBOW_TABLE.Indigo).ontological; // [0.1, 0.4, 0.4]
 * ```
 */
export function deriveColorTargets(modes: RainbowModes): ColorTargets {
  const named: Record<Axis, readonly string[]> = {
    temporal: modes.temporal === null ? [] : [modes.temporal],
    spatial: modes.spatial === null ? [] : [modes.spatial],
    ontological: modes.ontological,
  };
  return Object.freeze(Object.fromEntries(AXES.map((axis) => [axis, row(axis, named[axis], axis)]))) as ColorTargets;
}
