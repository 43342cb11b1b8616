import type { ColorName, ModeName } from './colors.js';

/**
 * The original system's rainbow table as data: the modes each color names on
 * each axis. The canonical target table is derived from it
 * ({@link deriveColorTargets}), as the original has done since its change
 * "fix CHROMATIC_TARGETS — derive from canonical source" (brotherclone/white,
 * 2026-04-15), which found the hard-coded tables "wrong for 7 of 9 colors".
 */

/** What the rainbow table says about one color: a mode per axis, or none. */
export interface RainbowModes {
  /** The temporal mode, or null where the table names none. */
  readonly temporal: ModeName<'temporal'> | null;
  /** The spatial ("objectional") mode, or null. */
  readonly spatial: ModeName<'spatial'> | null;
  /** Zero, one or two ontological modes (Indigo names two). */
  readonly ontological: readonly ModeName<'ontological'>[];
}

function modes(
  temporal: ModeName<'temporal'> | null,
  spatial: ModeName<'spatial'> | null,
  ...ontological: ModeName<'ontological'>[]
): RainbowModes {
  return Object.freeze({ temporal, spatial, ontological: Object.freeze(ontological) });
}

/**
 * The rainbow table's modes per color, as the original's canonical source
 * lists them (issue #25 quotes it). White and Black name no mode at all.
 *
 * @example
 * ```ts
 * RAINBOW_TABLE.Indigo.ontological; // ['known', 'forgotten']
 * RAINBOW_TABLE.White.temporal;     // null
 * ```
 */
export const RAINBOW_TABLE: Readonly<Record<ColorName, RainbowModes>> = Object.freeze({
  Red: modes('past', 'thing', 'known'),
  Orange: modes('past', 'thing', 'imagined'),
  Yellow: modes('future', 'place', 'imagined'),
  Green: modes('future', 'place', 'forgotten'),
  Blue: modes('present', 'person', 'forgotten'),
  Indigo: modes(null, null, 'known', 'forgotten'),
  Violet: modes('present', 'person', 'known'),
  White: modes(null, null),
  Black: modes(null, null),
});

/**
 * The rainbow table's own color order, which the original's nearest-target
 * rule walks (the first color in it wins exact ties).
 */
export const RAINBOW_ORDER: readonly ColorName[] = Object.freeze([
  'Black',
  'Red',
  'Orange',
  'Yellow',
  'Green',
  'Blue',
  'Indigo',
  'Violet',
  'White',
] as const);
