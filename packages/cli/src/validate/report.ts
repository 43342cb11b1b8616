import { extname } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { validationMetrics, type ColorName, type ColorProbs, type ValidationMetrics } from '@refractor/core';
import type { ScoreSettings, ScoredSong } from '@refractor/node';
import type { Dataset, DatasetLayout, LabeledSong, SkippedSong } from '@refractor/node/io';

/** The two ways a song's color is read from its aggregated chunks. */
export const COLOR_RULES = Object.freeze({
  targets:
    "the card's rule: the color whose target rows best match the song's aggregated distributions (Green shares Yellow's targets, so this rule never answers Green)",
  probs: "pooled: argmax of the song's confidence-weighted mean color_probs",
} as const);

/** A color rule's key. */
export type ColorRule = keyof typeof COLOR_RULES;

/** One scored song in a report. */
export interface SongOutcome {
  id: string;
  file: string;
  concept: string | null;
  true_color: ColorName;
  predicted_by_targets: ColorName;
  predicted_by_probs: ColorName;
  /** Plain mean of the chunk confidences. */
  confidence: number;
  chunk_count: number;
  /** The confidence-weighted mean color probabilities. */
  color_probs: ColorProbs;
}

/** Everything `refractor validate --out` writes, and what its stdout is rendered from. */
export interface ValidationReport {
  refractor_version: string;
  dataset: { path: string; layout: DatasetLayout; songs_found: number; songs_scored: number; songs_skipped: number };
  settings: ScoreSettings & { aggregation: 'confidence-weighted' };
  rules: typeof COLOR_RULES;
  metrics: Record<ColorRule, ValidationMetrics>;
  songs: SongOutcome[];
  skipped: SkippedSong[];
}

/** A song and what the scorer made of it. */
export interface ScoredEntry {
  song: LabeledSong;
  result: ScoredSong;
}

/**
 * A scored song as the report lists it.
 *
 * @example
 * ```ts
 * const outcome = songOutcome({ song, result: await refractor.scoreFile(song.audio) });
 * ```
 */
export function songOutcome({ song, result }: ScoredEntry): SongOutcome {
  return {
    id: song.id,
    file: song.audio,
    concept: song.concept,
    true_color: song.color,
    predicted_by_targets: result.predicted_color,
    predicted_by_probs: result.predicted_color_by_probs,
    confidence: result.confidence,
    chunk_count: result.chunk_count,
    color_probs: result.color_probs,
  };
}

/**
 * Assembles the validation report: per-song outcomes, the card's metrics
 * under both color rules, and every skipped song (the dataset's own skips
 * first, then those that failed while scoring).
 *
 * @example
 * ```ts
 * const report = buildValidationReport({ version: '0.1.0', dataset, settings, songs: scored.map(songOutcome), skipped: decodeFailures });
 * report.metrics.targets.overall.accuracy; // e.g. 0.731
 * ```
 */
export function buildValidationReport(input: {
  version: string;
  dataset: Dataset;
  settings: ScoreSettings;
  /** The scored songs, in dataset order. */
  songs: readonly SongOutcome[];
  /** Songs that failed while scoring (beyond those the dataset already skipped). */
  skipped: readonly SkippedSong[];
}): ValidationReport {
  const { dataset } = input;
  const songs = [...input.songs];
  const skipped = [...dataset.skipped, ...input.skipped];
  return {
    refractor_version: input.version,
    dataset: {
      path: dataset.path,
      layout: dataset.layout,
      songs_found: dataset.songs.length + dataset.skipped.length,
      songs_scored: songs.length,
      songs_skipped: skipped.length,
    },
    settings: { ...input.settings, aggregation: 'confidence-weighted' },
    rules: COLOR_RULES,
    metrics: {
      targets: validationMetrics(songs.map((s) => ({ actual: s.true_color, predicted: s.predicted_by_targets }))),
      probs: validationMetrics(songs.map((s) => ({ actual: s.true_color, predicted: s.predicted_by_probs }))),
    },
    songs,
    skipped,
  };
}

/** Report file formats. */
export const REPORT_FORMATS = Object.freeze(['json', 'yaml'] as const);
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/**
 * The format of a report file: `format` when given, else from the file's
 * extension (.json, .yaml, .yml); undefined when neither says.
 *
 * @example
 * ```ts
 * reportFormat('out/report.yml');          // 'yaml'
 * reportFormat('report.txt', 'json');      // 'json'
 * reportFormat('report.txt');              // undefined
 * ```
 */
export function reportFormat(file: string, format?: ReportFormat): ReportFormat | undefined {
  if (format) return format;
  const extension = extname(file).toLowerCase();
  if (extension === '.json') return 'json';
  if (extension === '.yaml' || extension === '.yml') return 'yaml';
  return undefined;
}

/**
 * The report as file text.
 *
 * @example
 * ```ts
 * await writeFileAtomic('report.yaml', serializeReport(report, 'yaml'));
 * ```
 */
export function serializeReport(report: ValidationReport, format: ReportFormat): string {
  // YAML: aliases off, so repeated objects (e.g. rule texts) are written out, not as &anchors.
  return format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : stringifyYaml(report, { aliasDuplicateObjects: false });
}
