import type { ScoredSong } from './settings.js';

/**
 * A scored song as the JSON outputs show it (`refractor score --format json`,
 * the HTTP server): the documented keys, in order, with the per-chunk target
 * rows dropped (they follow from each chunk's color).
 */
export interface SongReport {
  file: string;
  /** Which model answered: always the CDM for songs (candidates say `base` or `cdm`). */
  model: 'cdm';
  predicted_color: string;
  predicted_color_by_vote: string;
  predicted_color_by_probs: string;
  predicted_color_by_targets: string;
  confidence: number;
  temporal: Record<string, number>;
  spatial: Record<string, number>;
  ontological: Record<string, number>;
  color_probs: Record<string, number>;
  chunk_count: number;
  chunks: Array<{ start_s: number; end_s: number; predicted_color: string; confidence: number; color_probs: Record<string, number> }>;
  target_color?: string;
  chromatic_match?: number;
  drift?: { temporal_delta: number; spatial_delta: number; ontological_delta: number; overall_drift: number };
  settings: ScoredSong['settings'];
}

/**
 * Shapes a result for output: one schema for the CLI and the server.
 *
 * @example
 * ```ts
 * const report = songReport('song.ogg', await refractor.scoreFile('song.ogg'));
 * console.log(JSON.stringify(report));
 * ```
 */
export function songReport(file: string, song: ScoredSong): SongReport {
  return {
    file,
    model: 'cdm',
    predicted_color: song.predicted_color,
    predicted_color_by_vote: song.predicted_color_by_vote,
    predicted_color_by_probs: song.predicted_color_by_probs,
    predicted_color_by_targets: song.predicted_color_by_targets,
    confidence: song.confidence,
    temporal: song.temporal,
    spatial: song.spatial,
    ontological: song.ontological,
    color_probs: song.color_probs,
    chunk_count: song.chunk_count,
    chunks: song.chunks.map((c) => ({ start_s: c.start_s, end_s: c.end_s, predicted_color: c.predicted_color, confidence: c.confidence, color_probs: c.color_probs })),
    ...(song.target_color !== undefined
      ? { target_color: song.target_color, chromatic_match: song.chromatic_match!, drift: song.drift! }
      : {}),
    settings: song.settings,
  };
}

/** What identifies an input's content: its size and SHA-256 (hex). */
export interface InputFingerprint {
  size: number;
  sha256: string;
}

/**
 * The record every door writes for a scored song — `refractor score
 * --format jsonl`, `POST /v1/score`, a queue batch's `records()` — byte for
 * byte the same for the same song and settings: the {@link SongReport}, the
 * song's `color` under a rule, the input's content fingerprint and the
 * digest of the settings that decide the record (what `--resume` and any
 * cache key on).
 */
export interface SongRecord extends SongReport {
  /** The song's color under its `settings.color_rule`: the same as `predicted_color` (kept for the server's clients). */
  color: string;
  /** The size and SHA-256 of the bytes that were scored (absent only when they could not be read again). */
  input?: InputFingerprint;
  /** A digest of the settings that decide the record (`songSettingsDigest` of `@refractor/node/io`). */
  settings_digest: string;
}

/** What {@link songRecord} adds to the report. */
export interface SongRecordOptions {
  input?: InputFingerprint | undefined;
  settingsDigest: string;
}

/**
 * A scored song as every door records it (see {@link SongRecord}): one
 * function, so the CLI, the server and the queue cannot drift apart.
 *
 * @example
 * ```ts
 * const record = songRecord('song.ogg', song, { input: { size, sha256 }, settingsDigest: '4ab78c3849a41a9e' });
 * console.log(JSON.stringify(record));
 * ```
 */
export function songRecord(file: string, song: ScoredSong, options: SongRecordOptions): SongRecord {
  return {
    ...songReport(file, song),
    color: song.predicted_color,
    ...(options.input ? { input: { size: options.input.size, sha256: options.input.sha256 } } : {}),
    settings_digest: options.settingsDigest,
  };
}
