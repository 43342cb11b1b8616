import type { ColorName } from '../colors.js';
import type { TargetTableName } from '../targets.js';
import type { CandidateResult } from './results.js';

/** How candidate results were produced (enough to reproduce them). */
export interface CandidateSettings {
  models: string;
  test_only: boolean;
  /** The base model file, or null when none was loaded. */
  base_model: string | null;
  /** SHA-256 of the concept text the candidates were scored against (core's `sha256Text`), or null for none. */
  concept_sha256: string | null;
  crop: string;
  seed: number;
  batch_size: number;
  /** The target table CDM answers' axis rows (and base answers' derived color) come from. */
  targets: TargetTableName;
}

/**
 * A scored candidate as the JSON outputs show it (`refractor score --rank
 * --format json`, the HTTP server): the song report's keys where they apply.
 */
export interface CandidateReport {
  file: string;
  /** Which model answered: `base` or `cdm` (audio-only candidates, as the original routes them). */
  model: CandidateResult['model'];
  /** 0-based, by confidence (when ranked). */
  rank?: number;
  confidence: number;
  temporal: Record<string, number>;
  spatial: Record<string, number>;
  ontological: Record<string, number>;
  /**
   * The CDM's color for audio-only candidates; for base-model ones, derived
   * from the three axes (the color whose target rows match them best, as a
   * song's color is named), since the base model outputs no color.
   */
  predicted_color: ColorName;
  /** CDM answers only. */
  color_probs?: Record<string, number>;
  settings: CandidateSettings;
}

/**
 * Shapes a scored candidate for output: one schema for the CLI and the server.
 *
 * @example
 * ```ts
 * const [item] = await refractor.scoreCandidates([{ midi: 'a.mid' }], { concept: 'rain', rank: true });
 * const report = candidateReport(item as typeof item & { result: CandidateResult }, settings);
 * ```
 */
export function candidateReport(item: { input: string; rank?: number; result: CandidateResult }, settings: CandidateSettings): CandidateReport {
  const { result } = item;
  return {
    file: item.input,
    model: result.model,
    ...(item.rank !== undefined ? { rank: item.rank } : {}),
    confidence: result.confidence,
    temporal: result.temporal,
    spatial: result.spatial,
    ontological: result.ontological,
    predicted_color: result.predicted_color,
    ...(result.model === 'cdm' ? { color_probs: result.color_probs } : {}),
    settings,
  };
}
