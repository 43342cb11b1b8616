import { AudioDecodeError, type AudioErrorCode } from '../errors.js';

/**
 * A MIDI file that cannot be turned into a piano roll, naming the file and
 * the problem (the original silently fell back to "no MIDI"; we say so).
 * It is an {@link AudioDecodeError}, so code that reports bad inputs
 * reports it the same way; `code` is `empty`, `truncated`, `corrupt` or
 * `unsupported` (SMPTE time division).
 *
 * @example
 * ```ts
 * try { midiToPianoRoll(bytes, { name: 'take.mid' }); }
 * catch (e) { if (e instanceof MidiParseError) console.error(e.message); } // "take.mid: truncated: …"
 * ```
 */
export class MidiParseError extends AudioDecodeError {
  override readonly name: string = 'MidiParseError';
  constructor(file: string, code: Extract<AudioErrorCode, 'empty' | 'truncated' | 'corrupt' | 'unsupported'>, reason: string, options?: { cause?: unknown }) {
    super(file, code, reason, options);
  }
}
