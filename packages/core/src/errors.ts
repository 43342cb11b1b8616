/**
 * Errors raised by Refractor's pure logic. Each names the offending field and
 * value and says what was expected, so a CLI or page can print it as one line.
 */
export class RefractorError extends Error {
  override readonly name: string = 'RefractorError';
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
    super(`${field} is ${describe(value)}; expected ${expected}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    return `an array of length ${(value as ArrayLike<unknown>).length}`;
  }
  return JSON.stringify(value) ?? String(value);
}
