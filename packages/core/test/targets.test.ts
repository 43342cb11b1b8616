import { describe, expect, it } from 'vitest';
import {
  AXES,
  CANONICAL_TARGETS,
  CARD_TARGETS,
  COLOR_NAMES,
  COLOR_RULES,
  DEFAULT_COLOR_RULE,
  DEFAULT_TARGETS,
  InvalidValueError,
  RAINBOW_ORDER,
  RAINBOW_TABLE,
  TARGET_TABLE_NAMES,
  aggregateChunks,
  colorRule,
  decodeChunk,
  deriveColorTargets,
  songColorByTargets,
  songColorByVote,
  targetTable,
  targetsOf,
  type ColorName,
  type ModeDistributions,
} from '../src/index.js';

// Issue #25's proof. The canonical table is checked against the issue's own
// table, re-derived here from the modes by a separate, deliberately literal
// reading of the rules (slot orders past/present/future, thing/place/person,
// imagined/forgotten/known).

const SLOTS = {
  temporal: ['past', 'present', 'future'],
  spatial: ['thing', 'place', 'person'],
  ontological: ['imagined', 'forgotten', 'known'],
} as const;

/** The issue's table, as written there ("—" is no mode). */
const ISSUE_TABLE: Record<ColorName, [string | null, string | null, string[]]> = {
  Red: ['past', 'thing', ['known']],
  Orange: ['past', 'thing', ['imagined']],
  Yellow: ['future', 'place', ['imagined']],
  Green: ['future', 'place', ['forgotten']],
  Blue: ['present', 'person', ['forgotten']],
  Indigo: [null, null, ['known', 'forgotten']],
  Violet: ['present', 'person', ['known']],
  White: [null, null, []],
  Black: [null, null, []],
};

/** The rules, read literally: one mode 0.8/0.1/0.1, none exactly thirds, two 0.4/0.4/0.1. */
function expectedRow(slots: readonly string[], named: string[]): number[] {
  if (named.length === 0) return [1 / 3, 1 / 3, 1 / 3];
  if (named.length === 1) return slots.map((slot) => (slot === named[0] ? 0.8 : 0.1));
  return slots.map((slot) => (named.includes(slot) ? 0.4 : 0.1));
}

function expectedTargets(color: ColorName): number[][] {
  const [temporal, spatial, ontological] = ISSUE_TABLE[color];
  return [
    expectedRow(SLOTS.temporal, temporal === null ? [] : [temporal]),
    expectedRow(SLOTS.spatial, spatial === null ? [] : [spatial]),
    expectedRow(SLOTS.ontological, ontological),
  ];
}

const rowsOf = (table: typeof CANONICAL_TARGETS, color: ColorName) => AXES.map((axis) => [...table.rows[color][axis]]);

/** A color's rows as distributions (what a song of that color's chunks pools to). */
function distributionsOf(table: typeof CANONICAL_TARGETS, color: ColorName): ModeDistributions {
  const [t, s, o] = rowsOf(table, color) as [number[], number[], number[]];
  return {
    temporal: { past: t[0]!, present: t[1]!, future: t[2]! },
    spatial: { thing: s[0]!, place: s[1]!, person: s[2]! },
    ontological: { imagined: o[0]!, forgotten: o[1]!, known: o[2]! },
  };
}

describe('the canonical target table', () => {
  it.each(COLOR_NAMES)("%s equals the issue's table, derived from its modes", (color) => {
    expect(rowsOf(CANONICAL_TARGETS, color)).toEqual(expectedTargets(color));
  });

  it('is the default, and derived from the rainbow table (not typed in)', () => {
    expect(DEFAULT_TARGETS).toBe('canonical');
    expect(targetTable()).toBe(CANONICAL_TARGETS);
    for (const color of COLOR_NAMES) expect(CANONICAL_TARGETS.rows[color]).toEqual(deriveColorTargets(RAINBOW_TABLE[color]));
  });

  it('gives Orange 0.8 on past, thing and imagined (the issue\'s example)', () => {
    expect(rowsOf(CANONICAL_TARGETS, 'Orange')).toEqual([
      [0.8, 0.1, 0.1],
      [0.8, 0.1, 0.1],
      [0.8, 0.1, 0.1],
    ]);
  });

  it("keeps Indigo's two ontological modes at 0.4 each, unnormalised (sums to 0.9)", () => {
    expect(CANONICAL_TARGETS.rows.Indigo.ontological).toEqual([0.1, 0.4, 0.4]);
    const [a, b, c] = CANONICAL_TARGETS.rows.Indigo.ontological;
    expect(a + b + c).toBeCloseTo(0.9, 12);
    expect(CANONICAL_TARGETS.rows.Indigo.temporal).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it('gives White and Black identical rows, exactly thirds', () => {
    expect(CANONICAL_TARGETS.rows.White).toEqual(CANONICAL_TARGETS.rows.Black);
    for (const axis of AXES) expect(CANONICAL_TARGETS.rows.White[axis]).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(CARD_TARGETS.rows.White.temporal).toEqual([0.33, 0.34, 0.33]);
  });

  it('differs from the card for every color but Red (White moves from 0.33/0.34/0.33 to exact thirds)', () => {
    const same = COLOR_NAMES.filter((color) => JSON.stringify(rowsOf(CANONICAL_TARGETS, color)) === JSON.stringify(rowsOf(CARD_TARGETS, color)));
    expect(same).toEqual(['Red']);
  });

  it("walks the rainbow table's order; the card keeps the CDM's output order", () => {
    expect(CANONICAL_TARGETS.order).toEqual(['Black', 'Red', 'Orange', 'Yellow', 'Green', 'Blue', 'Indigo', 'Violet', 'White']);
    expect(RAINBOW_ORDER).toBe(CANONICAL_TARGETS.order);
    expect(CARD_TARGETS.order).toEqual(COLOR_NAMES);
    for (const table of [CANONICAL_TARGETS, CARD_TARGETS]) expect([...table.order].sort()).toEqual([...COLOR_NAMES].sort());
  });

  it('is frozen all the way down', () => {
    expect(Object.isFrozen(CANONICAL_TARGETS)).toBe(true);
    expect(Object.isFrozen(CANONICAL_TARGETS.rows.Indigo.ontological)).toBe(true);
    expect(() => {
      (CANONICAL_TARGETS.rows.Red.temporal as unknown as number[])[0] = 1;
    }).toThrow(TypeError);
  });
});

describe('deriveColorTargets', () => {
  it('rejects modes that are not on the axis, repeated, or more than two', () => {
    expect(() => deriveColorTargets({ temporal: 'thing' as never, spatial: null, ontological: [] })).toThrow(/temporal is "thing"; expected one of past, present, future/);
    expect(() => deriveColorTargets({ temporal: null, spatial: null, ontological: ['known', 'known'] })).toThrow(/distinct modes/);
    expect(() => deriveColorTargets({ temporal: null, spatial: null, ontological: ['known', 'forgotten', 'imagined'] })).toThrow(/at most two modes/);
  });
});

describe('targetTable and targetsOf', () => {
  it('names both tables and rejects anything else, naming the field', () => {
    expect(TARGET_TABLE_NAMES).toEqual(['canonical', 'card']);
    expect(targetTable('card')).toBe(CARD_TARGETS);
    expect(() => targetTable('legacy')).toThrow(InvalidValueError);
    expect(() => targetTable('legacy')).toThrow('targets is "legacy"; expected canonical or card');
    expect(() => targetTable('toString')).toThrow(/expected canonical or card/);
  });

  it('looks rows up by color name or letter in the table asked for', () => {
    expect(targetsOf('b').temporal).toEqual([0.1, 0.8, 0.1]); // canonical Blue: present
    expect(targetsOf('b', 'card').temporal).toEqual([0.1, 0.1, 0.8]); // card Blue: future
  });
});

describe('color rules', () => {
  it('lists vote, probs and targets, vote by default, and rejects others naming color_rule', () => {
    expect(COLOR_RULES).toEqual(['vote', 'probs', 'targets']);
    expect(DEFAULT_COLOR_RULE).toBe('vote');
    expect(colorRule()).toBe('vote');
    expect(() => colorRule('mode')).toThrow('color_rule is "mode"; expected vote, probs or targets');
  });

  it('votes by majority, a tie going to the color first seen in chunk order (Counter.most_common(1))', () => {
    expect(songColorByVote(['Red', 'Blue', 'Blue'])).toBe('Blue');
    expect(songColorByVote(['Blue', 'Red', 'Red', 'Blue'])).toBe('Blue');
    expect(songColorByVote(['Red', 'Blue', 'Blue', 'Red'])).toBe('Red');
    expect(songColorByVote(['Black', 'White', 'Violet'])).toBe('Black');
    expect(songColorByVote(['Violet', 'Green', 'Green', 'Violet', 'Yellow', 'Yellow'])).toBe('Violet');
    expect(songColorByVote(['Indigo'])).toBe('Indigo');
    expect(() => songColorByVote([])).toThrow(InvalidValueError);
  });

  it('round-trips each canonical color through the targets rule, except Indigo and White (the original\'s comment)', () => {
    const roundTrip = Object.fromEntries(COLOR_NAMES.map((color) => [color, songColorByTargets(distributionsOf(CANONICAL_TARGETS, color))]));
    expect(roundTrip).toEqual({
      Red: 'Red',
      Orange: 'Orange',
      Yellow: 'Yellow',
      Green: 'Green',
      Blue: 'Blue',
      // Indigo's soft ontological row [.1, .4, .4] scores .37 against Red's and Violet's known-heavy rows, .33 against its own: Red is first.
      Indigo: 'Red',
      Violet: 'Violet',
      // White and Black share uniform rows and tie; Black comes first in the rainbow table's order.
      White: 'Black',
      Black: 'Black',
    });
  });

  it('with the card, Green and White never come back (the card\'s 0% rows)', () => {
    expect(songColorByTargets(distributionsOf(CARD_TARGETS, 'Green'), 'card')).toBe('Yellow');
    expect(['Yellow', 'Blue']).toContain(songColorByTargets(distributionsOf(CARD_TARGETS, 'White'), 'card'));
    expect(songColorByTargets(distributionsOf(CARD_TARGETS, 'Black'), 'card')).toBe('Black');
  });
});

describe('aggregateChunks under each table and rule', () => {
  const peaked = (index: number, p: number) => Array.from({ length: 9 }, (_, i) => (i === index ? p : (1 - p) / 8));
  const span = (i: number) => ({ start_s: 5 * i, end_s: 5 * i + 30 });
  // Chunk colors Blue, Red, Red, Blue: a 2–2 vote that Blue wins by coming first,
  // while the confident Red chunks win the pooled probabilities.
  const rows = [peaked(4, 0.3), peaked(0, 0.9), peaked(0, 0.9), peaked(4, 0.3)];

  it('answers by vote by default, and carries all three colors', () => {
    const song = aggregateChunks(rows.map((row, i) => decodeChunk(row, span(i))));
    expect(song.predicted_color_by_vote).toBe('Blue');
    expect(song.predicted_color_by_probs).toBe('Red');
    expect(song.predicted_color).toBe('Blue');
    expect(song.predicted_color_by_targets).toBe('Red');
    expect(aggregateChunks(song.chunks, { colorRule: 'probs' }).predicted_color).toBe('Red');
    expect(aggregateChunks(song.chunks, { colorRule: 'targets' }).predicted_color).toBe('Red');
    expect(() => aggregateChunks(song.chunks, { colorRule: 'median' })).toThrow(/color_rule is "median"/);
    expect(() => aggregateChunks(song.chunks, { targets: 'seed' })).toThrow(/targets is "seed"/);
  });

  it("uses the table asked for in match and drift: canonical Blue's peaks are present, person, forgotten", () => {
    const chunks = rows.map((row, i) => decodeChunk(row, span(i)));
    const song = aggregateChunks(chunks, { target: 'Blue' });
    // weights .3/2.4, .9/2.4, .9/2.4, .3/2.4: Red chunks 0.75, Blue 0.25; canonical Blue = present/person/forgotten.
    const present = 0.75 * 0.1 + 0.25 * 0.8;
    expect(song.temporal.present).toBeCloseTo(present, 12);
    expect(song.drift!.temporal_delta).toBeCloseTo(present - 0.8, 4);
    const card = aggregateChunks(rows.map((row, i) => decodeChunk(row, span(i), 'card')), { target: 'Blue', targets: 'card' });
    // card Blue is future-heavy: future = .75 * .1 + .25 * .8, the same number on another slot.
    expect(card.temporal.future).toBeCloseTo(present, 12);
    expect(card.drift!.temporal_delta).toBeCloseTo(present - 0.8, 4);
    expect(card.drift!.ontological_delta).toBe(song.drift!.ontological_delta);
  });
});
