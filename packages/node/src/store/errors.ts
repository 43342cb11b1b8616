import { RefractorError } from '@refractor/core';

/**
 * Why the model store failed, so callers can react without parsing messages:
 *
 * - `offline`: the file is not cached and offline mode forbids downloading it.
 * - `not-found`: the hub answered 404 (wrong repo, revision or path).
 * - `unauthorized`: the hub answered 401/403 (private or gated repo, bad token).
 * - `network`: the request or the transfer failed, or the server answered an
 *   unexpected status; a partial download is kept and resumes next time.
 * - `checksum`: the downloaded bytes do not hash to the manifest's sha256.
 * - `size`: the downloaded bytes are not the manifest's size.
 * - `missing-files`: a model directory lacks some of the set's files.
 * - `unknown-set`: the name is neither a set in the manifest nor a directory.
 */
export type ModelStoreErrorCode =
  | 'offline'
  | 'not-found'
  | 'unauthorized'
  | 'network'
  | 'checksum'
  | 'size'
  | 'missing-files'
  | 'unknown-set';

/**
 * A failure to find, download or check model files. The message names the
 * file or URL and says what to do, so a CLI can print it as is.
 *
 * @example
 * ```ts
 * try {
 *   await resolveModelSet('default', manifest);
 * } catch (error) {
 *   if (error instanceof ModelStoreError && error.reason === 'unauthorized') {
 *     console.error('Set HF_TOKEN and try again.');
 *   }
 *   throw error;
 * }
 * ```
 */
export class ModelStoreError extends RefractorError {
  override readonly name = 'ModelStoreError';
  /** What went wrong, for programs (the door code is `models`; before the error vocabulary this was `code`). */
  declare readonly reason: ModelStoreErrorCode;
  constructor(
    reason: ModelStoreErrorCode,
    message: string,
    /** The URL involved, when there was one. */
    readonly url?: string,
    options?: { cause?: unknown },
  ) {
    super(message, { code: 'models', reason, ...(options?.cause !== undefined ? { cause: options.cause } : {}) });
  }
}
