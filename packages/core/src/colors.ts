/**
 * The nine rainbow colors in the CDM's canonical output order, and the three
 * chromatic axes with their mode orders. Defined once here and imported
 * everywhere: the original kept several diverging copies of these tables.
 */

/** Color names in canonical order: index i is column i of `color_probs`. */
export const COLOR_NAMES = Object.freeze([
  'Red',
  'Orange',
  'Yellow',
  'Green',
  'Blue',
  'Indigo',
  'Violet',
  'White',
  'Black',
] as const);

/** One of the nine color names. */
export type ColorName = (typeof COLOR_NAMES)[number];

/** Everything we know about one color. */
export interface ColorInfo {
  /** Position in the CDM output (0 = Red … 8 = Black). */
  readonly index: number;
  readonly name: ColorName;
  /** A display color as `#rrggbb`. */
  readonly hex: string;
  /** The letter the original validation data used (R O Y G B I V, Z = White, K = Black). */
  readonly letter: string;
}

/** The nine colors, frozen, in canonical order. */
export const COLORS: readonly ColorInfo[] = Object.freeze(
  (
    [
      ['Red', '#ff0000', 'R'],
      ['Orange', '#ff7f00', 'O'],
      ['Yellow', '#ffff00', 'Y'],
      ['Green', '#00a651', 'G'],
      ['Blue', '#0000ff', 'B'],
      ['Indigo', '#4b0082', 'I'],
      ['Violet', '#8f00ff', 'V'],
      ['White', '#ffffff', 'Z'],
      ['Black', '#000000', 'K'],
    ] as const
  ).map(([name, hex, letter], index) => Object.freeze({ index, name, hex, letter })),
);

/** Number of colors (the CDM's output width). */
export const COLOR_COUNT = COLOR_NAMES.length;

/** The three chromatic axes, in the order the original reports them. */
export const AXES = Object.freeze(['temporal', 'spatial', 'ontological'] as const);

/** One of the three axes. */
export type Axis = (typeof AXES)[number];

/** Mode names of each axis, in the order of the target rows. */
export const MODE_ORDERS = Object.freeze({
  temporal: Object.freeze(['past', 'present', 'future'] as const),
  spatial: Object.freeze(['thing', 'place', 'person'] as const),
  ontological: Object.freeze(['imagined', 'forgotten', 'known'] as const),
});

/** The mode names of axis `A`. */
export type ModeName<A extends Axis> = (typeof MODE_ORDERS)[A][number];

/** A probability per mode of one axis, keyed by mode name. */
export type AxisDistribution<A extends Axis> = Record<ModeName<A>, number>;

/** A target row: the three mode probabilities of one axis, in {@link MODE_ORDERS} order. */
export type TargetRow = readonly [number, number, number];

/** The three target rows of one color. */
export type ColorTargets = Readonly<Record<Axis, TargetRow>>;

/** The three axis distributions, keyed by axis then mode name. */
export type ModeDistributions = { [A in Axis]: AxisDistribution<A> };

/** A probability per color, keyed by color name. */
export type ColorProbs = Record<ColorName, number>;
