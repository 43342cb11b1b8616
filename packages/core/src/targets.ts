import { COLORS, COLOR_NAMES, type Axis, type ColorInfo, type ColorName } from './colors.js';
import { UnknownColorError } from './errors.js';

/** A target row: the three mode probabilities of one axis, in {@link MODE_ORDERS} order. */
export type TargetRow = readonly [number, number, number];

/** The three target rows of one color. */
export type ColorTargets = Readonly<Record<Axis, TargetRow>>;

// "X-heavy" in the model card is 0.8 on that mode and 0.1 on the others.
const PAST_OR_THING_OR_IMAGINED: TargetRow = [0.8, 0.1, 0.1];
const PRESENT_OR_PLACE_OR_FORGOTTEN: TargetRow = [0.1, 0.8, 0.1];
const FUTURE_OR_PERSON_OR_KNOWN: TargetRow = [0.1, 0.1, 0.8];
// White is deliberately not exactly uniform: the card's table says 0.33/0.34/0.33.
const WHITE_ROW: TargetRow = [0.33, 0.34, 0.33];

function targets(temporal: TargetRow, spatial: TargetRow, ontological: TargetRow): ColorTargets {
  return Object.freeze({
    temporal: Object.freeze([...temporal]) as unknown as TargetRow,
    spatial: Object.freeze([...spatial]) as unknown as TargetRow,
    ontological: Object.freeze([...ontological]) as unknown as TargetRow,
  });
}

/**
 * The model card's CHROMATIC_TARGETS table, exactly. Indigo's and Violet's
 * spatial column reads "Future-heavy" in the card: that is the third spatial
 * slot, person. Yellow and Green share their rows (the card's "Green 0%").
 *
 * @example
 * ```ts
 * CHROMATIC_TARGETS.Blue.ontological; // [0.1, 0.8, 0.1]  (forgotten-heavy)
 * ```
 */
export const CHROMATIC_TARGETS: Readonly<Record<ColorName, ColorTargets>> = Object.freeze({
  Red: targets(PAST_OR_THING_OR_IMAGINED, PAST_OR_THING_OR_IMAGINED, FUTURE_OR_PERSON_OR_KNOWN),
  Orange: targets(PRESENT_OR_PLACE_OR_FORGOTTEN, PAST_OR_THING_OR_IMAGINED, FUTURE_OR_PERSON_OR_KNOWN),
  Yellow: targets(PRESENT_OR_PLACE_OR_FORGOTTEN, PRESENT_OR_PLACE_OR_FORGOTTEN, FUTURE_OR_PERSON_OR_KNOWN),
  Green: targets(PRESENT_OR_PLACE_OR_FORGOTTEN, PRESENT_OR_PLACE_OR_FORGOTTEN, FUTURE_OR_PERSON_OR_KNOWN),
  Blue: targets(FUTURE_OR_PERSON_OR_KNOWN, PRESENT_OR_PLACE_OR_FORGOTTEN, PRESENT_OR_PLACE_OR_FORGOTTEN),
  Indigo: targets(FUTURE_OR_PERSON_OR_KNOWN, FUTURE_OR_PERSON_OR_KNOWN, PRESENT_OR_PLACE_OR_FORGOTTEN),
  Violet: targets(FUTURE_OR_PERSON_OR_KNOWN, FUTURE_OR_PERSON_OR_KNOWN, PAST_OR_THING_OR_IMAGINED),
  White: targets(WHITE_ROW, WHITE_ROW, WHITE_ROW),
  Black: targets(PRESENT_OR_PLACE_OR_FORGOTTEN, PAST_OR_THING_OR_IMAGINED, PAST_OR_THING_OR_IMAGINED),
});

const COLOR_BY_KEY: ReadonlyMap<string, ColorInfo> = new Map(
  COLORS.flatMap((color) => [
    [color.name.toLowerCase(), color] as const,
    [color.letter.toLowerCase(), color] as const,
  ]),
);

/**
 * Looks up a color by full name or dataset letter, case-insensitively and
 * ignoring surrounding whitespace. Anything else throws {@link UnknownColorError}
 * listing the valid names (the original silently fell back to White).
 *
 * @example
 * ```ts
 * lookupColor('z').name;     // 'White'
 * lookupColor('INDIGO').index; // 5
 * lookupColor('Teal');       // throws UnknownColorError
 * ```
 */
export function lookupColor(nameOrLetter: string): ColorInfo {
  const color =
    typeof nameOrLetter === 'string' ? COLOR_BY_KEY.get(nameOrLetter.trim().toLowerCase()) : undefined;
  if (!color) {
    throw new UnknownColorError(
      nameOrLetter,
      COLOR_NAMES,
      COLORS.map((c) => c.letter),
    );
  }
  return color;
}

/** The canonical name of a color given by name or letter; see {@link lookupColor}. */
export function resolveColorName(nameOrLetter: string): ColorName {
  return lookupColor(nameOrLetter).name;
}

/** The three target rows of a color given by name or letter. */
export function targetsOf(nameOrLetter: string): ColorTargets {
  return CHROMATIC_TARGETS[resolveColorName(nameOrLetter)];
}

