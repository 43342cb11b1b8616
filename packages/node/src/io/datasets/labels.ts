import { COLORS, COLOR_NAMES, RefractorError, lookupColor, type ColorName } from '@refractor/core';

/** What a color label may be, for messages. */
export const COLOR_LABEL_HINT = `expected one of ${COLOR_NAMES.join(', ')} or a letter ${COLORS.map((c) => c.letter).join(' ')} (any case)`;

/** A label value that is not one of the nine colors. */
export class UnknownColorLabelError extends RefractorError {
  override readonly name = 'UnknownColorLabelError';
  constructor(
    readonly value: unknown,
    /** Where the value was read, e.g. `rainbow_color in a/a.yml` or `songs.csv line 4, column color`. */
    readonly where: string,
  ) {
    super(`unknown color label ${JSON.stringify(value) ?? String(value)} (${where}); ${COLOR_LABEL_HINT}`, { code: 'unknown-color' });
  }
}

/**
 * The canonical color of a dataset label: a name or letter in any case
 * (`"indigo"`, `"I"`, `"z"` for White). Anything else, including numbers,
 * booleans and empty text, throws an {@link UnknownColorLabelError} naming
 * the value and where it was read.
 *
 * @example
 * ```ts
 * parseColorLabel('z', 'rainbow_color in 07/07.yml'); // 'White'
 * parseColorLabel('Teal', 'songs.csv line 4');         // throws: unknown color label "Teal" (songs.csv line 4); expected …
 * ```
 */
export function parseColorLabel(value: unknown, where: string): ColorName {
  // Only text can name a color; YAML may hand us numbers or booleans.
  if (typeof value !== 'string' || value.trim() === '') throw new UnknownColorLabelError(value, where);
  try {
    return lookupColor(value).name;
  } catch {
    throw new UnknownColorLabelError(value, where);
  }
}
