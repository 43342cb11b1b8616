import { describe, expect, it } from 'vitest';
import {
  AXES,
  CHROMATIC_TARGETS,
  COLORS,
  COLOR_NAMES,
  MODE_ORDERS,
  UnknownColorError,
  lookupColor,
  resolveColorName,
  targetsOf,
} from '../src/index.js';

describe('colors', () => {
  it('lists the nine colors in canonical order with their dataset letters', () => {
    expect(COLORS.map((c) => [c.index, c.name, c.letter])).toEqual([
      [0, 'Red', 'R'],
      [1, 'Orange', 'O'],
      [2, 'Yellow', 'Y'],
      [3, 'Green', 'G'],
      [4, 'Blue', 'B'],
      [5, 'Indigo', 'I'],
      [6, 'Violet', 'V'],
      [7, 'White', 'Z'],
      [8, 'Black', 'K'],
    ]);
    expect(COLOR_NAMES).toEqual(COLORS.map((c) => c.name));
    for (const c of COLORS) expect(c.hex).toMatch(/^#[0-9a-f]{6}$/);
  });

  it('gives the three mode orders of the card', () => {
    expect(AXES).toEqual(['temporal', 'spatial', 'ontological']);
    expect(MODE_ORDERS.temporal).toEqual(['past', 'present', 'future']);
    expect(MODE_ORDERS.spatial).toEqual(['thing', 'place', 'person']);
    expect(MODE_ORDERS.ontological).toEqual(['imagined', 'forgotten', 'known']);
  });

  it('is frozen all the way down', () => {
    expect(Object.isFrozen(COLORS)).toBe(true);
    expect(Object.isFrozen(COLORS[0])).toBe(true);
    expect(Object.isFrozen(MODE_ORDERS.spatial)).toBe(true);
    expect(Object.isFrozen(CHROMATIC_TARGETS)).toBe(true);
    expect(Object.isFrozen(CHROMATIC_TARGETS.Red)).toBe(true);
    expect(Object.isFrozen(CHROMATIC_TARGETS.Red.temporal)).toBe(true);
    expect(() => {
      (CHROMATIC_TARGETS.Red.temporal as unknown as number[])[0] = 1;
    }).toThrow(TypeError);
  });
});

describe('the card table (CHROMATIC_TARGETS, deprecated alias of CARD_TARGETS.rows)', () => {
  // The card's table, written out by hand: heavy = 0.8 on that mode, 0.1 elsewhere.
  const H0 = [0.8, 0.1, 0.1];
  const H1 = [0.1, 0.8, 0.1];
  const H2 = [0.1, 0.1, 0.8];
  const W = [0.33, 0.34, 0.33];
  const card: Record<string, number[][]> = {
    Red: [H0, H0, H2], // past, thing, known
    Orange: [H1, H0, H2], // present, thing, known
    Yellow: [H1, H1, H2], // present, place, known
    Green: [H1, H1, H2], // same as Yellow
    Blue: [H2, H1, H1], // future, place, forgotten
    Indigo: [H2, H2, H1], // future, person ("Future-heavy" in the card's spatial column), forgotten
    Violet: [H2, H2, H0], // future, person, imagined
    White: [W, W, W],
    Black: [H1, H0, H0], // present, thing, imagined
  };

  it('matches the model card exactly', () => {
    for (const name of COLOR_NAMES) {
      const t = CHROMATIC_TARGETS[name];
      expect([t.temporal, t.spatial, t.ontological], name).toEqual(card[name]);
    }
  });

  it('has rows that sum to 1, White included', () => {
    for (const name of COLOR_NAMES) {
      for (const axis of AXES) {
        const row = CHROMATIC_TARGETS[name][axis];
        expect(row[0] + row[1] + row[2], `${name}.${axis}`).toBeCloseTo(1, 12);
      }
    }
    expect(0.33 + 0.34 + 0.33).toBe(1);
  });

  it('gives Yellow and Green identical rows', () => {
    expect(CHROMATIC_TARGETS.Green).toEqual(CHROMATIC_TARGETS.Yellow);
  });
});

describe('lookupColor', () => {
  it('accepts names and letters, any case, surrounding spaces', () => {
    expect(lookupColor('z').name).toBe('White');
    expect(lookupColor('Z').name).toBe('White');
    expect(lookupColor('k').name).toBe('Black');
    expect(lookupColor(' indigo ').index).toBe(5);
    expect(resolveColorName('VIOLET')).toBe('Violet');
    expect(resolveColorName('g')).toBe('Green');
    expect(targetsOf('b', 'card')).toBe(CHROMATIC_TARGETS.Blue);
  });

  it.each(['Teal', '', 'W', 'Zz', 'Red ish', 'white-ish'])('rejects %j and lists the valid names', (input) => {
    let error: unknown;
    try {
      lookupColor(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnknownColorError);
    const message = (error as Error).message;
    expect(message).toContain(JSON.stringify(input));
    for (const name of COLOR_NAMES) expect(message).toContain(name);
  });

  it('rejects non-strings instead of falling back to White', () => {
    expect(() => lookupColor(undefined as unknown as string)).toThrow(UnknownColorError);
    expect(() => lookupColor(7 as unknown as string)).toThrow(UnknownColorError);
  });
});
