import { COLORS, COLOR_NAMES, type ColorName } from './colors.js';
import { InvalidValueError } from './errors.js';
import { resolveColorName } from './targets.js';

/** One labeled song: the true color and the one predicted (names or letters). */
export interface LabeledPrediction {
  actual: string;
  predicted: string;
}

/** Correct over total for one color (or overall). */
export interface Tally {
  correct: number;
  total: number;
  /** correct / total, or null when there is nothing to count. */
  accuracy: number | null;
}

/** What the card's validation table reports, and a confusion matrix. */
export interface ValidationMetrics {
  per_color: Record<ColorName, Tally>;
  overall: Tally;
  /** Mean of the per-color accuracies over the colors present in the labels. */
  mean_per_color_accuracy: number | null;
  /** confusion[actual][predicted], both in canonical color order. */
  confusion: number[][];
}

function tally(correct: number, total: number): Tally {
  return { correct, total, accuracy: total === 0 ? null : correct / total };
}

/**
 * Per-color correct/total/accuracy, overall accuracy, mean per-color accuracy
 * and the 9×9 confusion matrix for a set of labeled predictions.
 *
 * @example
 * ```ts
 * const m = validationMetrics([{ actual: 'G', predicted: 'Yellow' }, { actual: 'Red', predicted: 'Red' }]);
 * m.per_color.Green.accuracy; // 0
 * m.overall.accuracy;         // 0.5
 * ```
 */
export function validationMetrics(predictions: readonly LabeledPrediction[]): ValidationMetrics {
  if (!Array.isArray(predictions)) throw new InvalidValueError('predictions', predictions, 'an array');
  const confusion = COLOR_NAMES.map(() => COLOR_NAMES.map(() => 0));
  for (const { actual, predicted } of predictions) {
    const row = COLOR_NAMES.indexOf(resolveColorName(actual));
    const column = COLOR_NAMES.indexOf(resolveColorName(predicted));
    confusion[row]![column]! += 1;
  }
  const perColor = Object.fromEntries(
    COLOR_NAMES.map((name, i) => {
      const total = confusion[i]!.reduce((acc, n) => acc + n, 0);
      return [name, tally(confusion[i]![i]!, total)];
    }),
  ) as Record<ColorName, Tally>;
  const present = COLOR_NAMES.map((name) => perColor[name]).filter((t) => t.total > 0);
  const correct = present.reduce((acc, t) => acc + t.correct, 0);
  return {
    per_color: perColor,
    overall: tally(correct, predictions.length),
    mean_per_color_accuracy:
      present.length === 0 ? null : present.reduce((acc, t) => acc + t.accuracy!, 0) / present.length,
    confusion,
  };
}

const percent = (accuracy: number | null) => (accuracy === null ? '-' : `${(accuracy * 100).toFixed(1)}%`);

/**
 * The card's validation table: one row per color that has labeled songs, then
 * the overall row and the mean per-color accuracy.
 *
 * @example
 * ```text
 * Color    Correct  Total  Accuracy
 * Red           11     12     91.7%
 * ...
 * Overall       57     78     73.1%
 * Mean per-color accuracy: 71.8%
 * ```
 */
export function renderValidationTable(metrics: ValidationMetrics): string {
  const row = (label: string, t: Tally) =>
    `${label.padEnd(8)} ${String(t.correct).padStart(7)} ${String(t.total).padStart(6)} ${percent(t.accuracy).padStart(9)}`;
  const lines = [`${'Color'.padEnd(8)} ${'Correct'.padStart(7)} ${'Total'.padStart(6)} ${'Accuracy'.padStart(9)}`];
  for (const name of COLOR_NAMES) if (metrics.per_color[name].total > 0) lines.push(row(name, metrics.per_color[name]));
  lines.push(row('Overall', metrics.overall));
  lines.push(`Mean per-color accuracy: ${percent(metrics.mean_per_color_accuracy)}`);
  return lines.join('\n');
}

/** The confusion matrix as text: rows are true colors, columns predicted (by letter). */
export function renderConfusionMatrix(metrics: ValidationMetrics): string {
  const header = `${'true \\ pred'.padEnd(12)}${COLORS.map((c) => c.letter.padStart(4)).join('')}`;
  const rows = COLORS.map(
    (c, i) => `${`${c.name} (${c.letter})`.padEnd(12)}${metrics.confusion[i]!.map((n) => String(n).padStart(4)).join('')}`,
  );
  return [header, ...rows].join('\n');
}
