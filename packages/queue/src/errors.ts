import { UnrecoverableError } from 'bullmq';
import { AudioDecodeError } from '@refractor/audio';
// From core, not @refractor/node: the client entry must not load onnxruntime-node.
import { ERROR_TABLE, RefractorError, errorOutcome, type RefractorErrorCode } from '@refractor/core';

/**
 * Why an input has no result: the codes of every Refractor door (core's
 * `RefractorErrorCode`), as `refractor score --format jsonl` reports them.
 * Whether a job is retried is the one table's decision (core's `ERROR_TABLE`):
 * bad input (`decode`, `midi`, `empty`, `invalid-value`, `unknown-color`,
 * `no-base-model`, `content-changed`, `too-large`, `bad-url`, `http-status`)
 * fails at once; `not-found` / `unreadable` (another worker may see the
 * file), `fetch-failed` and unknown failures (`failed`) are retried with
 * backoff until the job's attempts run out. `stalled`: workers died on this
 * job more often than allowed; `missing-job`: the batch names a job Redis no
 * longer holds.
 */
export type JobErrorCode = RefractorErrorCode;

/** An input's error as results report it (the `error` of a `{ file, error }` record). */
export interface JobErrorRecord {
  code: JobErrorCode | (string & {});
  /** A finer code where the error has one (the decoder's `truncated`, an errno). */
  reason?: string;
  message: string;
}

/** A failure of one job, with its code; `permanent` ones (by the error table) are not retried. */
export class JobError extends RefractorError {
  override readonly name = 'JobError';
  /** True when the error table says the queue does not retry this code. */
  readonly permanent: boolean;
  constructor(code: JobErrorCode, message: string, reason?: string) {
    super(message, { code, reason });
    this.permanent = !ERROR_TABLE[code].retry;
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

/**
 * Turns whatever a job threw into a {@link JobError}, classified by the one
 * error table (core's `errorOutcome`); `name` replaces the placeholder a
 * byte input gets in decode errors, so the message names the queued input.
 */
export function classifyError(error: unknown, name: string): JobError {
  if (error instanceof JobError) return error;
  const { code, reason, message } = errorOutcome(error);
  // Workers score bytes, so a decoder names them `<bytes>`: say which input instead.
  const named = error instanceof AudioDecodeError ? `${name}: ${error.kind}: ${error.detail}` : message.startsWith(name) ? message : `${name}: ${message}`;
  return new JobError(code, named, reason);
}

/** BullMQ's message when a job stalled more often than `maxStalledCount` allows. */
const STALLED = /stalled more than allowable limit/i;

/** A failed job's reason as a {@link JobErrorRecord}. */
export function parseFailedReason(failedReason: string | undefined): JobErrorRecord {
  const text = failedReason ?? 'failed without a reason';
  const match = /^([a-z][a-z-]*)(?:\/([A-Za-z0-9-]+))?: ([\s\S]*)$/.exec(text);
  if (match) return { code: match[1]!, ...(match[2] ? { reason: match[2] } : {}), message: match[3]! };
  if (failedReason !== undefined && STALLED.test(failedReason)) return { code: 'stalled', message: text };
  return { code: 'failed', message: text };
}
