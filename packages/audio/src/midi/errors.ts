import { AudioDecodeError, type AudioErrorCode } from '../errors.js';

/**
 * A MIDI file that cannot be turned into a piano roll, naming the file and
 * the problem (the original silently fell back to "no MIDI"; we say so).
 * It is an {@link AudioDecodeError} whose `code` is `midi` (`empty` for zero
 * bytes), so every door reports it the same way; `kind` is `truncated`,
 * `corrupt` or `unsupported` (SMPTE time division).
 *
 * @example
 * ```ts
 * try { midiToPianoRoll(bytes, { name: 'take.mid' }); }
 * catch (e) { if (e instanceof MidiParseError) console.error(e.code, e.message); } // "midi take.mid: truncated: …"
 * ```
 */
export class MidiParseError extends AudioDecodeError {
  override readonly name: string = 'MidiParseError';
  constructor(file: string, kind: Extract<AudioErrorCode, 'empty' | 'truncated' | 'corrupt' | 'unsupported'>, detail: string, options?: { cause?: unknown }) {
    super(file, kind, detail, options, 'midi');
  }
}
