import { AXES, COLOR_NAMES, MODE_ORDERS, type AxisDistribution, type ModeDistributions } from './colors.js';
import { colorProbsOf } from './chunk.js';
import { InvalidValueError } from './errors.js';
import { assertFinite } from './numeric.js';
import type { ChunkResult, SongResult } from './results.js';
import { colorRule, songColorByProbs, songColorByTargets, songColorByVote } from './color-rules.js';
import { chromaticMatch, drift } from './target-match.js';
import { resolveColorName, targetTable } from './targets.js';

/** Options for {@link aggregateChunks}. */
export interface AggregateOptions {
  /** A color name or letter: adds `chromatic_match` and `drift` against it. */
  target?: string;
  /** The target table match and drift use (default `canonical`; `card` for the card's numbers). */
  targets?: string;
  /** Which song color is `predicted_color` (default `vote`); all three are always present. */
  colorRule?: string;
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

function checkChunk(chunk: ChunkResult, index: number): void {
  const at = `chunks[${index}]`;
  if (chunk == null || typeof chunk !== 'object') throw new InvalidValueError(at, chunk, 'a chunk result');
  if (!(COLOR_NAMES as readonly unknown[]).includes(chunk.predicted_color)) {
    throw new InvalidValueError(`${at}.predicted_color`, chunk.predicted_color, `one of ${COLOR_NAMES.join(', ')}`);
  }
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
 * - the song's color by each rule (`predicted_color_by_vote`, `_by_probs`,
 *   `_by_targets`; see {@link COLOR_RULES}) and `predicted_color` by the
 *   rule asked for (default `vote`, as the original since 2026-04-15);
 * - with `target`, `chromatic_match` and `drift` against that color, in the
 *   target table asked for (default `canonical`; `card` reproduces the card).
 *
 * The chunks' own axis rows come from their decoding ({@link decodeChunk}):
 * decode and aggregate with the same table.
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
  const targets = targetTable(options.targets).name;
  const rule = colorRule(options.colorRule);

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

  const byRule = {
    vote: songColorByVote(chunks.map((chunk) => chunk.predicted_color)),
    probs: songColorByProbs(colorProbs),
    targets: songColorByTargets(distributions, targets),
  };
  const song: SongResult = {
    predicted_color: byRule[rule],
    predicted_color_by_vote: byRule.vote,
    predicted_color_by_probs: byRule.probs,
    predicted_color_by_targets: byRule.targets,
    confidence,
    ...distributions,
    color_probs: colorProbs,
    chunk_count: chunks.length,
    chunks: [...chunks],
  };
  if (target !== undefined) {
    song.target_color = target;
    song.chromatic_match = chromaticMatch(distributions, confidence, target, targets);
    song.drift = drift(distributions, target, targets);
  }
  return song;
}
