// The classification lives apart from the table so that the table (which
// errors.ts reads for its code type) imports nothing back from errors.ts.
import { ERROR_TABLE, type ErrorDoors, type RefractorErrorCode } from './error-table.js';
import { RefractorError } from './errors.js';

/** What any door does with an error: its code (and finer reason), its message, and the table's row. */
export interface ErrorOutcome extends ErrorDoors {
  code: RefractorErrorCode;
  reason?: string;
  message: string;
}

/** An errno-style code (`ENOENT`) on a file system error, if it has one. */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
}

/** `not-found` for errnos that mean "no such file", else `unreadable`. */
export function fileErrorCode(errno: string | undefined): 'not-found' | 'unreadable' {
  return errno === 'ENOENT' || errno === 'ENOTDIR' ? 'not-found' : 'unreadable';
}

/**
 * The one classification of an error, used by the CLI, the server and the
 * queue alike: a {@link RefractorError} by its `code`, a file system error
 * by its errno, anything else as `failed`. Never by name or message.
 *
 * @example
 * ```ts
 * const outcome = errorOutcome(error);
 * process.exitCode = outcome.exit;          // CLI
 * reply.status(outcome.http);               // server
 * if (!outcome.retry) throw new UnrecoverableError(outcome.message); // queue
 * ```
 */
export function errorOutcome(error: unknown): ErrorOutcome {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof RefractorError) {
    return { code: error.code, ...(error.reason !== undefined ? { reason: error.reason } : {}), message, ...ERROR_TABLE[error.code] };
  }
  const errno = errnoOf(error);
  if (errno) {
    const code = fileErrorCode(errno);
    return { code, reason: errno, message, ...ERROR_TABLE[code] };
  }
  return { code: 'failed', message, ...ERROR_TABLE.failed };
}
