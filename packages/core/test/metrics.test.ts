import { describe, expect, it } from 'vitest';
import { UnknownColorError, renderConfusionMatrix, renderValidationTable, validationMetrics } from '../src/index.js';

// The card's validation result, rebuilt song by song: Green all predicted as
// Yellow, White split between Yellow and Blue, one miss each for Red, Indigo, Violet.
function cardPredictions() {
  const songs: { actual: string; predicted: string }[] = [];
  const add = (actual: string, predicted: string, n: number) => {
    for (let i = 0; i < n; i++) songs.push({ actual, predicted });
  };
  add('R', 'R', 11);
  add('R', 'O', 1);
  add('O', 'O', 4);
  add('Y', 'Y', 10);
  add('G', 'Y', 8);
  add('B', 'B', 11);
  add('I', 'I', 10);
  add('I', 'V', 1);
  add('V', 'V', 11);
  add('V', 'I', 1);
  add('Z', 'Y', 6);
  add('Z', 'B', 4);
  return songs;
}

describe('validationMetrics', () => {
  it('reproduces the model card table (57 / 78 = 73.1%)', () => {
    const m = validationMetrics(cardPredictions());
    expect(m.per_color.Red).toEqual({ correct: 11, total: 12, accuracy: 11 / 12 });
    expect(m.per_color.Green).toEqual({ correct: 0, total: 8, accuracy: 0 });
    expect(m.per_color.White).toEqual({ correct: 0, total: 10, accuracy: 0 });
    expect(m.per_color.Black).toEqual({ correct: 0, total: 0, accuracy: null });
    expect(m.overall).toEqual({ correct: 57, total: 78, accuracy: 57 / 78 });
    // mean over the 8 colors present: (11/12 + 1 + 1 + 0 + 1 + 10/11 + 11/12 + 0) / 8
    expect(m.mean_per_color_accuracy).toBeCloseTo((11 / 12 + 1 + 1 + 0 + 1 + 10 / 11 + 11 / 12 + 0) / 8, 12);
    expect(m.confusion[3]).toEqual([0, 0, 8, 0, 0, 0, 0, 0, 0]);
    expect(m.confusion[7]).toEqual([0, 0, 6, 0, 4, 0, 0, 0, 0]);
    expect(m.confusion.flat().reduce((a, b) => a + b, 0)).toBe(78);
  });

  it('renders the table like the card', () => {
    const text = renderValidationTable(validationMetrics(cardPredictions()));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^Color\s+Correct\s+Total\s+Accuracy$/);
    expect(lines).toContain('Red           11     12     91.7%');
    expect(lines).toContain('Green          0      8      0.0%');
    expect(lines).toContain('Indigo        10     11     90.9%');
    expect(lines).toContain('Overall       57     78     73.1%');
    expect(text).not.toContain('Black'); // no labeled Black songs, as in the card
    // (11/12 + 1 + 1 + 0 + 1 + 10/11 + 11/12 + 0) / 8 = 5.7424 / 8 = 71.8%
    expect(lines.at(-1)).toBe('Mean per-color accuracy: 71.8%');
  });

  it('renders the confusion matrix with true colors as rows', () => {
    const text = renderConfusionMatrix(validationMetrics(cardPredictions()));
    const green = text.split('\n').find((l) => l.startsWith('Green'));
    expect(green?.trim().split(/\s+/).slice(2).map(Number)).toEqual([0, 0, 8, 0, 0, 0, 0, 0, 0]);
  });

  it('handles no songs and rejects unknown labels', () => {
    const empty = validationMetrics([]);
    expect(empty.overall).toEqual({ correct: 0, total: 0, accuracy: null });
    expect(empty.mean_per_color_accuracy).toBeNull();
    expect(() => validationMetrics([{ actual: 'X', predicted: 'Red' }])).toThrow(UnknownColorError);
  });
});
