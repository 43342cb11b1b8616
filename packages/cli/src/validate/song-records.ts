import type { ScoreSettings } from '@refractor/node';
import { errorInfo, type ErrorInfo } from '../output/error-codes.js';
import { type OutputRecord, type ResumeFields, type SkippedSong, type SkipReason } from '@refractor/node/io';
import type { SongOutcome } from './report.js';
import type { SongScoring } from './score-dataset.js';

/** A scored song as `validate --format jsonl` writes it. */
export type SongResultRecord = { file: string } & Omit<SongOutcome, 'file'> & { settings: ScoreSettings } & Partial<ResumeFields>;

/** A song left out, as `validate --format jsonl` writes it. */
export interface SongErrorRecord extends Partial<ResumeFields> {
  file: string;
  id: string;
  error: ErrorInfo;
  /** Why, in the report's terms (`missing-audio`, `undecodable-audio`, …). */
  skip_reason: SkipReason;
}

const SKIP_CODES: Record<SkipReason, string> = {
  'missing-audio': 'not-found',
  'unreadable-label': 'unreadable',
  'unknown-color': 'invalid-value',
  'undecodable-audio': 'decode',
  'scoring-failed': 'failed',
};

/** The record of a song the dataset itself rejected (no audio, bad label). */
export function skipRecord(skip: SkippedSong, resume: ResumeFields | object = {}): SongErrorRecord {
  return { file: skip.file, id: skip.id, error: { code: SKIP_CODES[skip.reason], message: skip.message }, skip_reason: skip.reason, ...resume };
}

/** The record of one song scored (or failed while scoring). */
export function songRecord(entry: SongScoring, resume: ResumeFields | object = {}): SongResultRecord | SongErrorRecord {
  if ('skipped' in entry) {
    return { ...skipRecord(entry.skipped), error: { ...errorInfo(entry.error), message: entry.skipped.message }, ...resume };
  }
  const { file, ...outcome } = entry.outcome;
  return { file, ...outcome, settings: entry.settings, ...resume };
}

/** A record read back by `--resume`: the song's outcome (and settings), or why it was skipped. */
export function restoreSong(record: OutputRecord): { outcome: SongOutcome; settings: ScoreSettings } | { skipped: SkippedSong } {
  if ('error' in record) {
    const error = record as unknown as SongErrorRecord;
    return { skipped: { id: error.id, file: error.file, reason: error.skip_reason, message: error.error.message } };
  }
  const result = record as unknown as SongResultRecord;
  const outcome: SongOutcome = {
    id: result.id,
    file: result.file,
    concept: result.concept,
    true_color: result.true_color,
    predicted_by_targets: result.predicted_by_targets,
    predicted_by_probs: result.predicted_by_probs,
    predicted_by_vote: result.predicted_by_vote,
    confidence: result.confidence,
    chunk_count: result.chunk_count,
    color_probs: result.color_probs,
  };
  return { outcome, settings: result.settings };
}
