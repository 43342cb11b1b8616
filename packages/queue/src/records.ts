import { candidateReport, songRecord, type CandidateReport, type SongRecord } from '@refractor/core';
import { songSettingsDigest } from '@refractor/node/io';
import type { QueuedInput } from './batches.js';
import type { JobErrorRecord } from './errors.js';
import type { JobResult } from './jobs.js';

/** One input's fate, in input order. */
export interface Outcome {
  index: number;
  item: QueuedInput;
  state: 'completed' | 'failed' | 'pending';
  result?: JobResult;
  error?: JobErrorRecord;
}

/** An input that has no result: `{ file, error }`, as `refractor score --format jsonl` writes errors. */
export interface ErrorRecord {
  file: string;
  error: JobErrorRecord;
}

/**
 * One line of a batch's results: the record `refractor score --format
 * jsonl` writes for the same input — a song's byte for byte (core's
 * `songRecord`: its `input` is the size and sha256 of the bytes the worker
 * scored), a candidate's plus `content_sha256` — or the input's error.
 */
export type ResultRecord = SongRecord | (CandidateReport & { content_sha256: { midi?: string; audio?: string } }) | ErrorRecord;

/**
 * True for the `{ file, error }` records.
 *
 * @example
 * ```ts
 * for await (const record of queue.records(batch)) if (isErrorRecord(record)) console.error(record.error.message);
 * ```
 */
export function isErrorRecord(record: ResultRecord): record is ErrorRecord {
  return 'error' in record;
}

/** What a record needs beyond its outcome. */
export interface RecordContext {
  /** Its place among the batch's candidates, when ranked (0-based). */
  rank?: number | undefined;
  /** The songs' concept text (a song batch's `settings.concept`): it enters the settings digest. */
  concept?: string | null | undefined;
}

/**
 * An outcome as its result record (`rank`: its place among the batch's
 * candidates, when ranked). Extract outcomes have no record (their rows are
 * read with `RefractorQueue.embeddings`): they become an error record.
 *
 * @example
 * ```ts
 * for await (const outcome of queue.outcomes(batch)) console.log(JSON.stringify(resultRecord(outcome, { concept: null })));
 * ```
 */
export function resultRecord(outcome: Outcome, context: RecordContext = {}): ResultRecord {
  const { item, result } = outcome;
  const { rank } = context;
  if (outcome.state === 'completed' && result?.task === 'score') {
    const { song } = result;
    const input = result.content_size !== undefined ? { size: result.content_size, sha256: result.content_sha256 } : undefined;
    // The digest `refractor score` and the server compute, from what decided this song: its settings, concept and target.
    const settingsDigest = songSettingsDigest({ ...song.settings, concept: context.concept, target: song.target_color });
    return songRecord(item.file, song, { input, settingsDigest });
  }
  if (outcome.state === 'completed' && result?.task === 'candidate') {
    return { ...candidateReport({ input: item.file, result: result.result, ...(rank !== undefined ? { rank } : {}) }, result.settings), content_sha256: result.content_sha256 };
  }
  if (outcome.state === 'completed') return { file: item.file, error: { code: 'failed', message: `${item.file}: job ${item.job} holds a ${result?.task} result, not a score` } };
  return { file: item.file, error: outcome.error ?? { code: 'failed', message: `${item.file}: no result` } };
}
