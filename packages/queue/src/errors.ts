import { UnrecoverableError } from 'bullmq';
import { AudioDecodeError, MidiParseError } from '@refractor/audio';
import { RefractorError } from '@refractor/node';

/**
 * Why an input has no result. Permanent ones fail the job at once; the
 * others are retried with backoff until the job's attempts run out.
 *
 * - `undecodable-audio`, `invalid-midi`, `invalid-input`: the input itself is bad
 *   (permanent; `invalid-input` also covers a MIDI candidate on a worker without the base model).
 * - `content-changed`: the file's bytes differ from those queued (permanent: queue it again).
 * - `too-large`, `bad-url`, `http-status` (4xx other than 408/429): permanent.
 * - `fetch-failed` (network, timeout, 5xx, 408, 429), `unreadable` (the path
 *   is missing or unreadable on this worker: another machine may see it),
 *   `internal`: retried.
 * - `not-queued`: the client could not read the input, so no job exists.
 * - `stalled`: workers died on this job more often than allowed.
 * - `missing-job`: the batch names a job Redis no longer holds.
 */
export type JobErrorCode =
  | 'undecodable-audio'
  | 'invalid-midi'
  | 'invalid-input'
  | 'content-changed'
  | 'too-large'
  | 'bad-url'
  | 'http-status'
  | 'fetch-failed'
  | 'unreadable'
  | 'internal'
  | 'not-queued'
  | 'stalled'
  | 'missing-job';

/** An input's error as results report it. */
export interface JobErrorRecord {
  code: JobErrorCode | string;
  message: string;
}

/** A failure of one job, with its code; `permanent` ones are not retried. */
export class JobError extends Error {
  override readonly name = 'JobError';
  constructor(
    readonly code: JobErrorCode,
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/**
 * What BullMQ stores as the job's failedReason: `code: message`, readable in
 * any BullMQ dashboard and parsed back by {@link parseFailedReason}.
 * Permanent failures become BullMQ's UnrecoverableError (no more attempts).
 */
export function toBullError(error: JobError): Error {
  const text = `${error.code}: ${error.message}`;
  return error.permanent ? new UnrecoverableError(text) : new Error(text);
}

/** Turns whatever a job threw into a {@link JobError}; `name` replaces the placeholder a byte input gets in decode errors. */
export function classifyError(error: unknown, name: string): JobError {
  if (error instanceof JobError) return error;
  if (error instanceof MidiParseError) return new JobError('invalid-midi', `${name}: ${error.code}: ${error.reason}`, true);
  if (error instanceof AudioDecodeError) return new JobError('undecodable-audio', `${name}: ${error.code}: ${error.reason}`, true);
  if (error instanceof RefractorError) return new JobError('invalid-input', `${name}: ${error.message}`, true);
  const code = (error as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return new JobError('unreadable', `${name}: ${(error as Error).message}`, false);
  return new JobError('internal', `${name}: ${(error as Error)?.message ?? String(error)}`, false);
}

/** BullMQ's message when a job stalled more often than `maxStalledCount` allows. */
const STALLED = /stalled more than allowable limit/i;

/** A failed job's reason as a {@link JobErrorRecord}. */
export function parseFailedReason(reason: string | undefined): JobErrorRecord {
  const text = reason ?? 'failed without a reason';
  const match = /^([a-z][a-z-]*): ([\s\S]*)$/.exec(text);
  if (match) return { code: match[1]!, message: match[2]! };
  if (STALLED.test(text)) return { code: 'stalled', message: text };
  return { code: 'internal', message: text };
}
