import { RefractorError, errnoOf, fileErrorCode } from '@refractor/core';

/** What went wrong with an audio input, as a stable machine-readable code. */
export type AudioErrorCode =
  | 'empty' // zero bytes
  | 'not-a-file' // a directory or something else that is not a regular file
  | 'unreadable' // the file system refused (missing, permissions)
  | 'unsupported' // not a format we decode, or a codec inside a container we don't
  | 'truncated' // the stream ended inside a header or before the data its header declares
  | 'corrupt' // a decoder rejected the bytes
  | 'no-channels' // the header declares zero channels
  | 'bad-sample-rate' // zero or absurd sample rate
  | 'non-finite' // NaN or ±Infinity samples
  | 'no-audio' // decodes to zero samples
  | 'too-short'; // too little audio to say anything about

/**
 * An audio input that cannot be used, naming the file and the problem. Its
 * `code` is the stable one every door reports (`decode`; `empty` for zero
 * bytes; `not-found` or `unreadable` when the file system refused, with the
 * errno as `reason`); `kind` is the decoder's finer code (`truncated`, …).
 *
 * @example
 * ```ts
 * try { await decodeAudio(bytes, { name: 'song.wav' }); }
 * catch (e) { if (e instanceof AudioDecodeError) console.error(e.code, e.kind, e.message); } // "decode truncated song.wav: truncated: …"
 * ```
 */
export class AudioDecodeError extends RefractorError {
  override readonly name: string = 'AudioDecodeError';
  constructor(
    /** The file (or the name given for a byte buffer). */
    readonly file: string,
    /** The decoder's finer code (before the error vocabulary, this was `code`). */
    readonly kind: AudioErrorCode,
    /** A sentence on what was found and what was expected. */
    readonly detail: string,
    options?: { cause?: unknown },
    /** The door code of inputs that are not a file system failure: `decode`, or `midi` for MIDI files. */
    decodeCode: 'decode' | 'midi' = 'decode',
  ) {
    const errno = errnoOf(options?.cause);
    const fileSystem = kind === 'unreadable' || kind === 'not-a-file';
    super(`${file}: ${kind}: ${detail}`, {
      code: fileSystem ? fileErrorCode(errno) : kind === 'empty' ? 'empty' : decodeCode,
      reason: fileSystem ? (errno ?? kind) : kind,
      ...(options?.cause !== undefined ? { cause: options.cause } : {}),
    });
  }
}

/** Default name for inputs given as bytes without a name. */
export const UNNAMED_INPUT = '<bytes>';
