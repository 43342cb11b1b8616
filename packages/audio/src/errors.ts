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
 * An audio input that cannot be used, naming the file and the problem.
 *
 * @example
 * ```ts
 * try { await decodeAudio(bytes, { name: 'song.wav' }); }
 * catch (e) { if (e instanceof AudioDecodeError) console.error(e.message); } // "song.wav: truncated: …"
 * ```
 */
export class AudioDecodeError extends Error {
  override readonly name: string = 'AudioDecodeError';
  constructor(
    /** The file (or the name given for a byte buffer). */
    readonly file: string,
    readonly code: AudioErrorCode,
    /** A sentence on what was found and what was expected. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${code}: ${reason}`, options);
  }
}

/** Default name for inputs given as bytes without a name. */
export const UNNAMED_INPUT = '<bytes>';
