import { candidateReport, songReport, type CandidateReport, type SongReport } from '@refractor/core';
import type { BatchItem } from './batches.js';
import type { JobErrorRecord } from './errors.js';
import type { JobResult } from './jobs.js';

/** One input's fate, in input order. */
export interface Outcome {
  index: number;
  item: BatchItem;
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
 * jsonl` writes for the same input (song or candidate) plus the sha256 of the
 * bytes the worker scored, or the input's error.
 */
export type ResultRecord = (SongReport & { content_sha256: string }) | (CandidateReport & { content_sha256: { midi?: string; audio?: string } }) | ErrorRecord;

/** True for the `{ file, error }` records. */
export function isErrorRecord(record: ResultRecord): record is ErrorRecord {
  return 'error' in record;
}

/**
 * An outcome as its result record (`rank`: its place among the batch's
 * candidates, when ranked). Extract outcomes have no record (their rows are
 * read with `RefractorQueue.embeddings`): they become an error record.
 *
 * @example
 * ```ts
 * for await (const outcome of queue.outcomes(batch)) console.log(JSON.stringify(resultRecord(outcome)));
 * ```
 */
export function resultRecord(outcome: Outcome, rank?: number): ResultRecord {
  const { item, result } = outcome;
  if (outcome.state === 'completed' && result?.task === 'score') return { ...songReport(item.file, result.song), content_sha256: result.content_sha256 };
  if (outcome.state === 'completed' && result?.task === 'candidate') {
    return { ...candidateReport({ input: item.file, result: result.result, ...(rank !== undefined ? { rank } : {}) }, result.settings), content_sha256: result.content_sha256 };
  }
  if (outcome.state === 'completed') return { file: item.file, error: { code: 'failed', message: `${item.file}: job ${item.job} holds a ${result?.task} result, not a score` } };
  return { file: item.file, error: outcome.error ?? { code: 'failed', message: `${item.file}: no result` } };
}
