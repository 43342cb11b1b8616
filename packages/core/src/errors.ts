import type { RefractorErrorCode } from './error-table.js';

/**
 * The base of every error Refractor throws, in every package. Its `code` is
 * stable and machine-readable; {@link errorOutcome} turns it into the CLI's
 * exit status, the server's HTTP status and the queue's retry decision, so
 * no program needs to look at an error's `name` or message. Each message
 * names the offending field and value and says what was expected, so a CLI
 * or page can print it as one line.
 *
 * @example
 * ```ts
 * throw new RefractorError('seed is -1; expected an integer >= 0', { code: 'invalid-value' });
 * ```
 */
export class RefractorError extends Error {
  override readonly name: string = 'RefractorError';
  /** What went wrong, for programs: one of {@link RefractorErrorCode} (default `invalid-input`). */
  readonly code: RefractorErrorCode;
  /** A finer code where the error has one (the decoder's `truncated`, an errno, a model store code). */
  readonly reason?: string;
  constructor(message: string, options: { code?: RefractorErrorCode; reason?: string | undefined; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? 'invalid-input';
    if (options.reason !== undefined) this.reason = options.reason;
  }
}

/** A color name or letter that is not one of the nine colors. */
export class UnknownColorError extends RefractorError {
  override readonly name = 'UnknownColorError';
  constructor(
    /** What the caller passed. */
    readonly input: unknown,
    validNames: readonly string[],
    validLetters: readonly string[],
  ) {
    super(
      `Unknown color ${JSON.stringify(input)}: expected one of ${validNames.join(', ')} ` +
        `(or a letter ${validLetters.join(' ')}), case-insensitive`,
      { code: 'unknown-color' },
    );
  }
}

/** A value that breaks a documented precondition (wrong length, NaN, negative, …). */
export class InvalidValueError extends RefractorError {
  override readonly name = 'InvalidValueError';
  constructor(
    /** Which argument or field was wrong, e.g. `color_probs[3]` or `chunks[2].confidence`. */
    readonly field: string,
    /** The offending value. */
    readonly value: unknown,
    /** What would have been accepted. */
    readonly expected: string,
  ) {
    super(`${field} is ${describe(value)}; expected ${expected}`, { code: 'invalid-value' });
  }
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    return `an array of length ${(value as ArrayLike<unknown>).length}`;
  }
  return JSON.stringify(value) ?? String(value);
}
