import { extname } from 'node:path';
import { COLOR_RULES } from '@refractor/core';
import { stringify as stringifyYaml } from 'yaml';
import { validationMetrics, type ColorName, type ColorProbs, type ColorRule, type TargetTableName, type ValidationMetrics } from '@refractor/core';
import type { ScoreSettings, ScoredSong } from '@refractor/node';
import type { Dataset, DatasetLayout, LabeledSong, SkippedSong } from '@refractor/node/io';

/**
 * What each color rule means, as the report and the printed tables say it.
 * The `targets` rule's caveat depends on the table: with the card's, Green
 * shares Yellow's rows; with the canonical one, White shares Black's.
 */
export function colorRuleText(rule: ColorRule, targets: TargetTableName): string {
  switch (rule) {
    case 'vote':
      return "the original's rule since 2026-04-15: the majority of the song's chunk colors, a tie going to the color seen first";
    case 'probs':
      return "pooled: argmax of the song's confidence-weighted mean color_probs";
    case 'targets':
      return (
        "the card's rule: the color whose target rows best match the song's aggregated distributions " +
        (targets === 'card'
          ? "(Green shares Yellow's targets, so this rule never answers Green)"
          : "(White shares Black's uniform targets, so this rule never answers White)")
      );
  }
}

export type { ColorRule };

/** One scored song in a report. */
export interface SongOutcome {
  id: string;
  file: string;
  concept: string | null;
  true_color: ColorName;
  predicted_by_targets: ColorName;
  predicted_by_probs: ColorName;
  predicted_by_vote: ColorName;
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
  /** The rules asked for, in order, with what each means. */
  rules: Partial<Record<ColorRule, string>>;
  /** Per rule asked for. */
  metrics: Partial<Record<ColorRule, ValidationMetrics>>;
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
    predicted_by_targets: result.predicted_color_by_targets,
    predicted_by_probs: result.predicted_color_by_probs,
    predicted_by_vote: result.predicted_color_by_vote,
    confidence: result.confidence,
    chunk_count: result.chunk_count,
    color_probs: result.color_probs,
  };
}

/**
 * Assembles the validation report: per-song outcomes, the card's metrics
 * under each color rule asked for, and every skipped song (the dataset's own skips
 * first, then those that failed while scoring).
 *
 * @example
 * ```ts
 * const report = buildValidationReport({ version: '0.1.0', dataset, settings, songs: scored.map(songOutcome), skipped: decodeFailures });
 * report.metrics.vote?.overall.accuracy; // e.g. 0.731
 * ```
 */
export function buildValidationReport(input: {
  version: string;
  dataset: Dataset;
  settings: ScoreSettings;
  /** The rules to report, in order (default all three). */
  rules?: readonly ColorRule[];
  /** The scored songs, in dataset order. */
  songs: readonly SongOutcome[];
  /** Songs that failed while scoring (beyond those the dataset already skipped). */
  skipped: readonly SkippedSong[];
}): ValidationReport {
  const { dataset } = input;
  const songs = [...input.songs];
  const skipped = [...dataset.skipped, ...input.skipped];
  const rules = input.rules ?? COLOR_RULES;
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
    rules: Object.fromEntries(rules.map((rule) => [rule, colorRuleText(rule, input.settings.targets)])),
    metrics: Object.fromEntries(rules.map((rule) => [rule, validationMetrics(songs.map((s) => ({ actual: s.true_color, predicted: predictedBy(s, rule) })))])),
    songs,
    skipped,
  };
}

/** A song's color under `rule`. */
export function predictedBy(song: SongOutcome, rule: ColorRule): ColorName {
  return rule === 'vote' ? song.predicted_by_vote : rule === 'probs' ? song.predicted_by_probs : song.predicted_by_targets;
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
