import { describe, expect, it } from 'vitest';
import { InvalidValueError, argmax, decodeChunk } from '../src/index.js';

const span = { start_s: 5, end_s: 35 };

describe('decodeChunk', () => {
  it('takes the argmax as the color, its probability as confidence, and its target rows', () => {
    const row = [0.05, 0.6, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05];
    const chunk = decodeChunk(row, span, 'card');
    expect(chunk.predicted_color).toBe('Orange');
    expect(chunk.confidence).toBe(0.6);
    expect(chunk.temporal).toEqual({ past: 0.1, present: 0.8, future: 0.1 });
    expect(chunk.spatial).toEqual({ thing: 0.8, place: 0.1, person: 0.1 });
    expect(chunk.ontological).toEqual({ imagined: 0.1, forgotten: 0.1, known: 0.8 });
    expect(chunk.start_s).toBe(5);
    // The default, canonical table: Orange is past / thing / imagined.
    expect(decodeChunk(row, span)).toMatchObject({ temporal: { past: 0.8, present: 0.1, future: 0.1 }, spatial: { thing: 0.8 }, ontological: { imagined: 0.8, known: 0.1 } });
    expect(chunk.end_s).toBe(35);
  });

  it('keeps all nine probabilities keyed by color', () => {
    const row = new Float32Array([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.1]);
    const chunk = decodeChunk(row, span);
    expect(chunk.predicted_color).toBe('White');
    expect(chunk.confidence).toBe(Math.fround(0.2));
    expect(Object.keys(chunk.color_probs)).toEqual([
      'Red', 'Orange', 'Yellow', 'Green', 'Blue', 'Indigo', 'Violet', 'White', 'Black',
    ]);
    expect(chunk.color_probs.Black).toBe(Math.fround(0.1));
    expect(chunk.temporal).toEqual({ past: 1 / 3, present: 1 / 3, future: 1 / 3 });
    expect(decodeChunk(row, span, 'card').temporal).toEqual({ past: 0.33, present: 0.34, future: 0.33 });
  });

  it('breaks exact ties toward the first color, as numpy argmax', () => {
    const row = [0, 0, 0.5, 0.5, 0, 0, 0, 0, 0];
    expect(decodeChunk(row, span).predicted_color).toBe('Yellow');
    expect(argmax([1, 3, 3, 2])).toBe(1);
  });

  it('returns fresh target objects a caller may mutate safely', () => {
    const row = [1, 0, 0, 0, 0, 0, 0, 0, 0];
    const a = decodeChunk(row, span);
    a.temporal.past = 0;
    expect(decodeChunk(row, span).temporal.past).toBe(0.8);
  });

  it.each([
    ['too short', [0.5, 0.5, 0, 0, 0, 0, 0, 0], /color_probs is an array of length 8; expected 9 probabilities/],
    ['too long', new Array(10).fill(0.1), /length 10/],
    ['NaN', [Number.NaN, 1, 0, 0, 0, 0, 0, 0, 0], /color_probs\[0\] is NaN; expected a finite number/],
    ['infinite', [0, Number.POSITIVE_INFINITY, 0, 0, 0, 0, 0, 0, 0], /color_probs\[1\] is Infinity/],
    ['negative', [1.1, -0.1, 0, 0, 0, 0, 0, 0, 0], /color_probs\[1\] is -0.1; expected a probability >= 0/],
    ['summing to 0.9', [0.9, 0, 0, 0, 0, 0, 0, 0, 0], /sum of color_probs is 0.9; expected 1/],
    ['summing to 2 (logits, not probabilities)', [2, 0, 0, 0, 0, 0, 0, 0, 0], /sum of color_probs is 2/],
  ])('rejects a row %s', (_label, row, message) => {
    expect(() => decodeChunk(row as number[], span)).toThrow(InvalidValueError);
    expect(() => decodeChunk(row as number[], span)).toThrow(message);
  });

  it('accepts float32 rounding in the sum', () => {
    const row = [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2000001];
    expect(decodeChunk(row, span).predicted_color).toBe('Black');
  });

  it('rejects non-finite chunk bounds', () => {
    expect(() => decodeChunk([1, 0, 0, 0, 0, 0, 0, 0, 0], { start_s: Number.NaN, end_s: 30 })).toThrow(/start_s/);
  });
});
