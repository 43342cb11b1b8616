import { describe, expect, it } from 'vitest';
import { InvalidValueError, roundHalfEven } from '../src/index.js';

describe('roundHalfEven', () => {
  // Expected values printed by CPython 3.11's round(x, n), an independent implementation.
  it.each([
    [0.03125, 4, 0.0312], // exact binary tie: to even
    [0.46875, 4, 0.4688], // exact binary tie: to even (8)
    [0.00015, 4, 0.0001], // the double is just below the tie
    [-0.12345, 4, -0.1235],
    [0.12345, 4, 0.1235],
    [2.675, 2, 2.67], // the classic: 2.675 is stored as 2.67499…
    [1.00005, 4, 1.0001],
    [0, 4, 0],
    [123.456789, 0, 123],
  ])('round(%d, %d) = %d', (x, digits, expected) => {
    expect(roundHalfEven(x, digits)).toBe(expected);
  });

  it('differs from Math.round on ties where Python rounds to even', () => {
    expect(Math.round(0.03125 * 1e4) / 1e4).toBe(0.0313);
    expect(roundHalfEven(0.03125, 4)).toBe(0.0312);
  });

  it('rejects NaN and infinities', () => {
    expect(() => roundHalfEven(Number.NaN, 4)).toThrow(InvalidValueError);
    expect(() => roundHalfEven(Number.POSITIVE_INFINITY, 4)).toThrow(InvalidValueError);
  });
});
