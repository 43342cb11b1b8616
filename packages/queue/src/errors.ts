import { UnrecoverableError } from 'bullmq';
import { AudioDecodeError, MidiParseError } from '@refractor/audio';
// From core, not @refractor/node: the client entry must not load onnxruntime-node.
import { InvalidValueError, RefractorError, UnknownColorError } from '@refractor/core';

/**
 * Why an input has no result — the codes of `refractor score --format jsonl`
 * where they apply, plus the queue's own. Permanent ones fail the job at
 * once; the others are retried with backoff until the job's attempts run out.
 *
 * - `decode` (the bytes are not audio we decode; `reason` says why, e.g.
 *   `truncated`), `midi` (a MIDI file that does not parse), `invalid-value`:
 *   the input itself is bad (permanent). `failed` thrown by Refractor (e.g. a
 *   MIDI candidate on a worker without the base model) is permanent too.
 * - `content-changed`: the file's bytes differ from those queued (permanent: queue it again).
 * - `too-large`, `bad-url`, `http-status` (4xx other than 408/429): permanent.
 * - `fetch-failed` (network, timeout, 5xx, 408, 429), `not-found` /
 *   `unreadable` (the path is missing or unreadable on this worker: another
 *   machine may see it; also what the client reports for inputs it could not
 *   read, which get no job), any other `failed`: retried.
 * - `stalled`: workers died on this job more often than allowed.
 * - `missing-job`: the batch names a job Redis no longer holds.
 */
export type JobErrorCode =
  | 'decode'
  | 'midi'
  | 'invalid-value'
  | 'failed'
  | 'content-changed'
  | 'too-large'
  | 'bad-url'
  | 'http-status'
  | 'fetch-failed'
  | 'not-found'
  | 'unreadable'
  | 'stalled'
  | 'missing-job';

/** An input's error as results report it (the `error` of a `{ file, error }` record). */
export interface JobErrorRecord {
  code: JobErrorCode | (string & {});
  /** A finer code where the error has one (the decoder's `truncated`, an errno). */
  reason?: string;
  message: string;
}

/** A failure of one job, with its code; `permanent` ones are not retried. */
export class JobError extends Error {
  override readonly name = 'JobError';
  constructor(
    readonly code: JobErrorCode,
    message: string,
    readonly permanent: boolean,
    readonly reason?: string,
  ) {
    super(message);
  }
}

/**
 * What BullMQ stores as the job's failedReason: `code[/reason]: message`,
 * readable in any BullMQ dashboard and parsed back by {@link parseFailedReason}.
 * Permanent failures become BullMQ's UnrecoverableError (no more attempts).
 */
export function toBullError(error: JobError): Error {
  const text = `${error.code}${error.reason ? `/${error.reason}` : ''}: ${error.message}`;
  return error.permanent ? new UnrecoverableError(text) : new Error(text);
}

const errnoOf = (error: unknown): string | undefined => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
};

/** A file system error: `not-found` or `unreadable`, retried (another worker may see the file). */
function fileError(errno: string | undefined, message: string, fallbackReason?: string): JobError {
  const reason = errno ?? fallbackReason;
  return new JobError(errno === 'ENOENT' || errno === 'ENOTDIR' ? 'not-found' : 'unreadable', message, false, reason);
}

/** Turns whatever a job threw into a {@link JobError}; `name` replaces the placeholder a byte input gets in decode errors. */
export function classifyError(error: unknown, name: string): JobError {
  if (error instanceof JobError) return error;
  if (error instanceof MidiParseError) return new JobError('midi', `${name}: ${error.code}: ${error.reason}`, true, error.code);
  if (error instanceof AudioDecodeError) {
    if (error.code === 'unreadable' || error.code === 'not-a-file') return fileError(errnoOf(error.cause), error.message, error.code);
    return new JobError('decode', `${name}: ${error.code}: ${error.reason}`, true, error.code);
  }
  if (error instanceof InvalidValueError || error instanceof UnknownColorError) return new JobError('invalid-value', `${name}: ${error.message}`, true);
  if (error instanceof RefractorError) return new JobError('failed', `${name}: ${error.message}`, true);
  const errno = errnoOf(error);
  if (errno) return fileError(errno, `${name}: ${(error as Error).message}`);
  return new JobError('failed', `${name}: ${(error as Error)?.message ?? String(error)}`, false);
}

/** BullMQ's message when a job stalled more often than `maxStalledCount` allows. */
const STALLED = /stalled more than allowable limit/i;

/** A failed job's reason as a {@link JobErrorRecord}. */
export function parseFailedReason(failedReason: string | undefined): JobErrorRecord {
  const text = failedReason ?? 'failed without a reason';
  const match = /^([a-z][a-z-]*)(?:\/([A-Za-z0-9-]+))?: ([\s\S]*)$/.exec(text);
  if (match) return { code: match[1]!, ...(match[2] ? { reason: match[2] } : {}), message: match[3]! };
  if (STALLED.test(text)) return { code: 'stalled', message: text };
  return { code: 'failed', message: text };
}
