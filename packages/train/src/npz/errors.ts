import { RefractorError } from '@refractor/core';

/**
 * A .npy/.npz file (or an array meant for one) that this reader or writer
 * cannot handle. The message names the file, the array and what was expected,
 * so the CLI can print it as one line.
 */
export class NpzFormatError extends RefractorError {
  override readonly name = 'NpzFormatError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, code: 'npz' });
  }
}

