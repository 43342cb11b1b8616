import { errorOutcome, type RefractorErrorCode } from '@refractor/node';

/**
 * Stable codes for a failed input, for scripts reading `--format jsonl`:
 * core's one vocabulary, the same the server and the queue report
 * (`not-found`, `unreadable`, `empty`, `decode`, `midi`, `models`, `device`,
 * `invalid-value`, `unknown-color`, `no-base-model`, … and `failed` for
 * anything else). core's `ERROR_TABLE` says what each means at every door.
 */
export type InputErrorCode = RefractorErrorCode;

/** The error part of an output record. */
export interface ErrorInfo {
  code: InputErrorCode | (string & {});
  /** A finer code where the error has one (e.g. the audio decoder's `truncated`). */
  reason?: string;
  message: string;
}

/** A record for an input that gave no result. */
export interface ErrorRecord {
  file: string;
  error: ErrorInfo;
}

/**
 * An error as a record's `error`: its code and finer reason from the one
 * error table (core's `errorOutcome`, by the error's `code` or errno, never
 * its name or message), and its message.
 *
 * @example
 * ```ts
 * errorInfo(new AudioDecodeError('a.wav', 'truncated', 'ends early')); // { code: 'decode', reason: 'truncated', message: 'a.wav: truncated: ends early' }
 * ```
 */
export function errorInfo(error: unknown): ErrorInfo {
  const { code, reason, message } = errorOutcome(error);
  return { code, ...(reason !== undefined ? { reason } : {}), message };
}

/** The output record for an input that failed. */
export function errorRecord(file: string, error: unknown): ErrorRecord {
  return { file, error: errorInfo(error) };
}
