import { COLORS, COLOR_NAMES, type ColorInfo, type ColorName, type ColorTargets, type TargetRow } from './colors.js';
import { InvalidValueError, UnknownColorError } from './errors.js';
import { RAINBOW_ORDER, RAINBOW_TABLE } from './rainbow-table.js';
import { deriveColorTargets } from './target-derivation.js';

export type { ColorTargets, TargetRow } from './colors.js';

/** The names of the target tables: `canonical` (the default) and `card`. */
export const TARGET_TABLE_NAMES = Object.freeze(['canonical', 'card'] as const);

/** One of {@link TARGET_TABLE_NAMES}. */
export type TargetTableName = (typeof TARGET_TABLE_NAMES)[number];

/**
 * A named, versioned table of target rows: what a CDM chunk's axis
 * distributions, `chromatic_match`, `drift`, the `targets` color rule and a
 * base-model result's derived color are computed from.
 */
export interface TargetTable {
  readonly name: TargetTableName;
  /** Bumped whenever this table's numbers or order change. */
  readonly version: number;
  /** Where the numbers come from. */
  readonly source: string;
  /** The three target rows of every color. */
  readonly rows: Readonly<Record<ColorName, ColorTargets>>;
  /** The order the nearest-target rule walks: the first color in it wins exact ties. */
  readonly order: readonly ColorName[];
}

/** The table used when none is named: `canonical`, as the original since 2026-04-15. */
export const DEFAULT_TARGETS: TargetTableName = 'canonical';

function frozenTargets(temporal: TargetRow, spatial: TargetRow, ontological: TargetRow): ColorTargets {
  return Object.freeze({
    temporal: Object.freeze([...temporal]) as unknown as TargetRow,
    spatial: Object.freeze([...spatial]) as unknown as TargetRow,
    ontological: Object.freeze([...ontological]) as unknown as TargetRow,
  });
}

// "X-heavy" in the model card is 0.8 on that mode and 0.1 on the others.
const PAST_OR_THING_OR_IMAGINED: TargetRow = [0.8, 0.1, 0.1];
const PRESENT_OR_PLACE_OR_FORGOTTEN: TargetRow = [0.1, 0.8, 0.1];
const FUTURE_OR_PERSON_OR_KNOWN: TargetRow = [0.1, 0.1, 0.8];
// White is deliberately not exactly uniform: the card's table says 0.33/0.34/0.33.
const WHITE_ROW: TargetRow = [0.33, 0.34, 0.33];

/**
 * The seed model card's CHROMATIC_TARGETS table, exactly, in the card's
 * (CDM output) order. Indigo's and Violet's spatial column reads
 * "Future-heavy" in the card: that is the third spatial slot, person. Yellow
 * and Green share their rows (the card's "Green 0%").
 */
export const CARD_TARGETS: TargetTable = Object.freeze({
  name: 'card',
  version: 1,
  source: 'the seed model card (refractor_cdm_model_card.txt), CHROMATIC_TARGETS, as typed in before 2026-04-15',
  rows: Object.freeze({
    Red: frozenTargets(PAST_OR_THING_OR_IMAGINED, PAST_OR_THING_OR_IMAGINED, FUTURE_OR_PERSON_OR_KNOWN),
    Orange: frozenTargets(PRESENT_OR_PLACE_OR_FORGOTTEN, PAST_OR_THING_OR_IMAGINED, FUTURE_OR_PERSON_OR_KNOWN),
    Yellow: frozenTargets(PRESENT_OR_PLACE_OR_FORGOTTEN, PRESENT_OR_PLACE_OR_FORGOTTEN, FUTURE_OR_PERSON_OR_KNOWN),
    Green: frozenTargets(PRESENT_OR_PLACE_OR_FORGOTTEN, PRESENT_OR_PLACE_OR_FORGOTTEN, FUTURE_OR_PERSON_OR_KNOWN),
    Blue: frozenTargets(FUTURE_OR_PERSON_OR_KNOWN, PRESENT_OR_PLACE_OR_FORGOTTEN, PRESENT_OR_PLACE_OR_FORGOTTEN),
    Indigo: frozenTargets(FUTURE_OR_PERSON_OR_KNOWN, FUTURE_OR_PERSON_OR_KNOWN, PRESENT_OR_PLACE_OR_FORGOTTEN),
    Violet: frozenTargets(FUTURE_OR_PERSON_OR_KNOWN, FUTURE_OR_PERSON_OR_KNOWN, PAST_OR_THING_OR_IMAGINED),
    White: frozenTargets(WHITE_ROW, WHITE_ROW, WHITE_ROW),
    Black: frozenTargets(PRESENT_OR_PLACE_OR_FORGOTTEN, PAST_OR_THING_OR_IMAGINED, PAST_OR_THING_OR_IMAGINED),
  }),
  // The card's nearest-target rule walked the CDM's output order (Red first).
  order: COLOR_NAMES,
});

/**
 * The canonical table: derived from the rainbow table's modes
 * ({@link RAINBOW_TABLE}, {@link deriveColorTargets}), as the original
 * system has done since "fix CHROMATIC_TARGETS — derive from canonical
 * source" (brotherclone/white, 2026-04-15), which found the hard-coded
 * tables, the card's included, "wrong for 7 of 9 colors". Its tie order is
 * the rainbow table's (Black first). White and Black share uniform rows;
 * Indigo's ontological row is [0.1, 0.4, 0.4].
 *
 * @example
 * ```ts
 * CANONICAL_TARGETS.rows.Orange.ontological; // [0.8, 0.1, 0.1] (imagined)
 * ```
 */
export const CANONICAL_TARGETS: TargetTable = Object.freeze({
  name: 'canonical',
  version: 1,
  source: 'derived from the rainbow table\'s modes, as brotherclone/white\'s "fix CHROMATIC_TARGETS — derive from canonical source" (2026-04-15)',
  rows: Object.freeze(Object.fromEntries(COLOR_NAMES.map((color) => [color, deriveColorTargets(RAINBOW_TABLE[color])])) as Record<ColorName, ColorTargets>),
  order: RAINBOW_ORDER,
});

/** The tables by name. */
export const TARGET_TABLES: Readonly<Record<TargetTableName, TargetTable>> = Object.freeze({
  canonical: CANONICAL_TARGETS,
  card: CARD_TARGETS,
});

/**
 * The target table named `name` (default {@link DEFAULT_TARGETS}). Anything
 * else throws an error naming the field `targets` and the valid names.
 *
 * @example
 * ```ts
 * targetTable('card').rows.Green;    // the card's rows (same as Yellow's)
 * targetTable().name;                // 'canonical'
 * targetTable('legacy');             // throws: targets is "legacy"; expected canonical or card
 * ```
 */
export function targetTable(name: string | undefined = DEFAULT_TARGETS): TargetTable {
  if (typeof name !== 'string' || !Object.hasOwn(TARGET_TABLES, name)) {
    throw new InvalidValueError('targets', name, TARGET_TABLE_NAMES.join(' or '));
  }
  return TARGET_TABLES[name as TargetTableName];
}

/**
 * The card's rows, as before #25.
 *
 * @deprecated The default is now the canonical table: use
 * `targetTable(name).rows`, or {@link CARD_TARGETS}`.rows` for these numbers.
 */
export const CHROMATIC_TARGETS: Readonly<Record<ColorName, ColorTargets>> = CARD_TARGETS.rows;

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

/**
 * The three target rows of a color given by name or letter, in the table named `targets`.
 *
 * @example
 * ```ts
 * targetsOf('b').temporal;          // [0.1, 0.8, 0.1] (canonical: present)
 * targetsOf('b', 'card').temporal;  // [0.1, 0.1, 0.8] (the card: future)
 * ```
 */
export function targetsOf(nameOrLetter: string, targets?: string): ColorTargets {
  return targetTable(targets).rows[resolveColorName(nameOrLetter)];
}
