import { AudioDecodeError } from '@refractor/audio';
import { InvalidValueError, ModelStoreError, UnknownColorError } from '@refractor/node';

/**
 * Stable codes for a failed input, for scripts reading `--format jsonl`:
 * `not-found` (no such file), `unreadable` (the file system refused),
 * `decode` (the bytes are not audio we decode; `reason` says why, e.g.
 * `truncated`), `midi` (a MIDI file that does not parse), `models`,
 * `device`, `invalid-value`, `failed` (anything else a user can act on).
 */
export type InputErrorCode = 'not-found' | 'unreadable' | 'decode' | 'midi' | 'models' | 'device' | 'invalid-value' | 'failed';

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

const ERRNO_CODES: Record<string, InputErrorCode> = { ENOENT: 'not-found', ENOTDIR: 'not-found' };

function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
}

/**
 * Classifies an error into an {@link ErrorInfo}: the class decides the code
 * (MIDI errors are recognised by name, so a new MIDI module needs no edit
 * here), errno codes from the file system become `not-found`/`unreadable`.
 *
 * @example
 * ```ts
 * errorInfo(new AudioDecodeError('a.wav', 'truncated', 'ends early')); // { code: 'decode', reason: 'truncated', message: 'a.wav: truncated: ends early' }
 * ```
 */
export function errorInfo(error: unknown): ErrorInfo {
  const message = error instanceof Error ? error.message : String(error);
  // Before the audio check: MIDI errors are AudioDecodeErrors too, with their own name.
  if (error instanceof Error && /midi/i.test(error.name)) {
    const reason = (error as { code?: unknown }).code;
    return { code: 'midi', ...(typeof reason === 'string' ? { reason } : {}), message };
  }
  if (error instanceof AudioDecodeError) {
    if (error.code === 'unreadable' || error.code === 'not-a-file') {
      const errno = errnoCode(error.cause);
      return { code: errno && ERRNO_CODES[errno] ? ERRNO_CODES[errno] : 'unreadable', reason: errno ?? error.code, message };
    }
    return { code: 'decode', reason: error.code, message };
  }
  if (error instanceof ModelStoreError) return { code: 'models', reason: error.code, message };
  if (error instanceof Error && error.name === 'DeviceUnavailableError') return { code: 'device', message };
  if (error instanceof InvalidValueError || error instanceof UnknownColorError) return { code: 'invalid-value', message };
  const errno = errnoCode(error);
  if (errno) return { code: ERRNO_CODES[errno] ?? 'unreadable', reason: errno, message };
  return { code: 'failed', message };
}

/** The output record for an input that failed. */
export function errorRecord(file: string, error: unknown): ErrorRecord {
  return { file, error: errorInfo(error) };
}
