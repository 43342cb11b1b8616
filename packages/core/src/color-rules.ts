import { COLOR_NAMES, type ColorName, type ColorProbs, type ModeDistributions } from './colors.js';
import { argmax } from './chunk.js';
import { InvalidValueError } from './errors.js';
import { targetAffinity } from './target-match.js';
import { targetTable } from './targets.js';

/**
 * The three ways of naming a song's color (issue #25):
 * - `vote`: the majority of the chunks' argmax colors, a tie going to the
 *   color that appears first in chunk order (Python's
 *   `Counter(colors).most_common(1)`) — the original's validation since 2026-04-15;
 * - `probs`: argmax of the confidence-weighted pooled color probabilities;
 * - `targets`: the nearest-target round trip — the color whose target rows
 *   best match the pooled axis distributions (the card's rule; the original
 *   keeps it only for base-model results, which have no chunk probabilities).
 */
export const COLOR_RULES = Object.freeze(['vote', 'probs', 'targets'] as const);

/** One of {@link COLOR_RULES}. */
export type ColorRule = (typeof COLOR_RULES)[number];

/** A CDM song's `predicted_color` rule when none is named: `vote`, as the original. */
export const DEFAULT_COLOR_RULE: ColorRule = 'vote';

/**
 * Checks a color rule's name (default {@link DEFAULT_COLOR_RULE}); anything
 * else throws an error naming the field `color_rule` and the valid rules.
 *
 * @example
 * ```ts
 * colorRule('probs'); // 'probs'
 * colorRule('mode');  // throws: color_rule is "mode"; expected vote, probs or targets
 * ```
 */
export function colorRule(name: string | undefined = DEFAULT_COLOR_RULE): ColorRule {
  if (!(COLOR_RULES as readonly unknown[]).includes(name)) {
    throw new InvalidValueError('color_rule', name, 'vote, probs or targets');
  }
  return name as ColorRule;
}

/**
 * The majority of the chunks' colors; a tie goes to the color that appears
 * first in chunk order, as Python's `Counter(colors).most_common(1)`.
 *
 * @example
 * ```ts
 * songColorByVote(['Blue', 'Red', 'Red', 'Blue']); // 'Blue' (2–2: Blue came first)
 * ```
 */
export function songColorByVote(chunkColors: readonly ColorName[]): ColorName {
  if (chunkColors.length === 0) throw new InvalidValueError('chunk colors', chunkColors, 'at least one chunk color');
  const counts = new Map<ColorName, number>();
  for (const color of chunkColors) counts.set(color, (counts.get(color) ?? 0) + 1);
  let best: ColorName = chunkColors[0]!;
  // Map iteration follows first appearance, so strict `>` keeps the earliest of tied colors.
  for (const [color, count] of counts) if (count > counts.get(best)!) best = color;
  return best;
}

/** The pooled rule: argmax of pooled color probabilities (the first color in output order wins ties). */
export function songColorByProbs(colorProbs: ColorProbs): ColorName {
  return COLOR_NAMES[argmax(COLOR_NAMES.map((color) => colorProbs[color]))]!;
}

/**
 * The nearest-target round trip: the color whose target rows (in the table
 * named `targets`, default canonical) best match the distributions, by
 * mean over the axes of dot(distribution, target row). Colors are tried in
 * the table's order and only a strictly better score replaces the best, so
 * the first in that order wins ties: with the canonical table, White and
 * Black share rows and Black always wins; with the card's, Yellow always
 * beats Green. Also names a base-model result's color.
 *
 * @example
 * ```ts
 * songColorByTargets(song);          // canonical
 * songColorByTargets(song, 'card');  // the card's numbers and order
 * ```
 */
export function songColorByTargets(distributions: ModeDistributions, targets?: string): ColorName {
  const table = targetTable(targets);
  let best = table.order[0]!;
  let bestScore = targetAffinity(distributions, best, table.name);
  for (const color of table.order.slice(1)) {
    const score = targetAffinity(distributions, color, table.name);
    if (score > bestScore) [best, bestScore] = [color, score];
  }
  return best;
}
