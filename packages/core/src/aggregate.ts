import {
  AXES,
  COLOR_NAMES,
  MODE_ORDERS,
  type AxisDistribution,
  type ColorName,
  type ColorProbs,
  type ModeDistributions,
} from './colors.js';
import { argmax, colorProbsOf } from './chunk.js';
import { InvalidValueError } from './errors.js';
import { assertFinite } from './numeric.js';
import type { ChunkResult, SongResult } from './results.js';
import { chromaticMatch, drift, targetAffinity } from './target-match.js';
import { CHROMATIC_TARGETS, resolveColorName, type ColorTargets } from './targets.js';

/** The two ways of naming a song's color from its chunks. */
export type ColorRule = 'targets' | 'probs';

/** Options for {@link aggregateChunks}. */
export interface AggregateOptions {
  /** A color name or letter: adds `chromatic_match` and `drift` against it. */
  target?: string;
}

/**
 * Confidence weights as the original computed them: confidences over their
 * sum, or equal weights when the confidences sum to exactly 0.
 */
export function chunkWeights(confidences: readonly number[]): number[] {
  const total = confidences.reduce((acc, c) => acc + c, 0);
  if (total === 0) return confidences.map(() => 1 / confidences.length);
  return confidences.map((c) => c / total);
}

/**
 * The original validation's song color: the color whose target rows best
 * match the distributions, first color in canonical order winning exact ties
 * (so a uniform distribution answers Red, and Green can never win over Yellow
 * in the card's table). Base-model candidates get their `predicted_color`
 * the same way, since that model outputs the three axes and no color.
 *
 * @param table - the target rows to compare with (default: the model card's {@link CHROMATIC_TARGETS}).
 * @example
 * ```ts
 * songColorByTargets(song); // e.g. 'Indigo'
 * ```
 */
export function songColorByTargets(distributions: ModeDistributions, table: Readonly<Record<ColorName, ColorTargets>> = CHROMATIC_TARGETS): ColorName {
  return COLOR_NAMES[argmax(COLOR_NAMES.map((color) => targetAffinity(distributions, color, table)))]!;
}

/** The pooled rule: argmax of pooled color probabilities (first wins ties). */
export function songColorByProbs(colorProbs: ColorProbs): ColorName {
  return COLOR_NAMES[argmax(COLOR_NAMES.map((color) => colorProbs[color]))]!;
}

function checkChunk(chunk: ChunkResult, index: number): void {
  const at = `chunks[${index}]`;
  if (chunk == null || typeof chunk !== 'object') throw new InvalidValueError(at, chunk, 'a chunk result');
  assertFinite(chunk.confidence, `${at}.confidence`);
  if (chunk.confidence < 0) throw new InvalidValueError(`${at}.confidence`, chunk.confidence, 'a value >= 0');
  for (const axis of AXES) {
    for (const mode of MODE_ORDERS[axis]) {
      assertFinite((chunk[axis] as Record<string, number>)?.[mode] as number, `${at}.${axis}.${mode}`);
    }
  }
  for (const color of COLOR_NAMES) assertFinite(chunk.color_probs?.[color], `${at}.color_probs.${color}`);
}

/**
 * Pools a song's chunk results the way the original did, and adds what it did not report.
 *
 * - weights = confidences / their sum (equal weights when that sum is exactly 0);
 * - each axis mode = weighted mean over chunks; `confidence` = plain mean;
 * - `predicted_color` by target affinity (the original rule) and
 *   `predicted_color_by_probs` from the pooled nine-way probabilities;
 * - with `target`, `chromatic_match` and `drift` against that color.
 *
 * NaN or infinite values anywhere are an error (the original answered "White").
 *
 * @example
 * ```ts
 * const song = aggregateChunks(chunks, { target: 'Blue' });
 * song.predicted_color; song.drift?.overall_drift;
 * ```
 */
export function aggregateChunks(chunks: readonly ChunkResult[], options: AggregateOptions = {}): SongResult {
  if (!Array.isArray(chunks) || chunks.length === 0) {
    throw new InvalidValueError('chunks', chunks, 'at least one chunk result');
  }
  chunks.forEach(checkChunk);
  const target = options.target === undefined ? undefined : resolveColorName(options.target);

  const confidences = chunks.map((chunk) => chunk.confidence);
  const weights = chunkWeights(confidences);
  const weightedMean = (valueOf: (chunk: ChunkResult) => number) =>
    chunks.reduce((acc, chunk, i) => acc + weights[i]! * valueOf(chunk), 0);

  const distributions = Object.fromEntries(
    AXES.map((axis) => [
      axis,
      Object.fromEntries(
        MODE_ORDERS[axis].map((mode) => [mode, weightedMean((chunk) => (chunk[axis] as Record<string, number>)[mode]!)]),
      ) as AxisDistribution<typeof axis>,
    ]),
  ) as unknown as ModeDistributions;
  const colorProbs = colorProbsOf(COLOR_NAMES.map((color) => weightedMean((chunk) => chunk.color_probs[color])));
  const confidence = confidences.reduce((acc, c) => acc + c, 0) / confidences.length;

  const song: SongResult = {
    predicted_color: songColorByTargets(distributions),
    predicted_color_by_probs: songColorByProbs(colorProbs),
    confidence,
    ...distributions,
    color_probs: colorProbs,
    chunk_count: chunks.length,
    chunks: [...chunks],
  };
  if (target !== undefined) {
    song.target_color = target;
    song.chromatic_match = chromaticMatch(distributions, confidence, target);
    song.drift = drift(distributions, target);
  }
  return song;
}
