import { AudioDecodeError } from '@refractor/audio';
import type { LabeledSong, SkippedSong } from '@refractor/node/io';
import { isExpectedError } from '../context.js';

/**
 * A song whose extraction failed in a way a user can act on, as validate
 * reports it; anything else is a bug and is rethrown.
 *
 * @example
 * ```ts
 * skipped.push(skippedFor(song, error)); // { id, file, reason: 'undecodable-audio', message: 'audio does not decode: …' }
 * ```
 */
export function skippedFor(song: LabeledSong, error: unknown): SkippedSong {
  if (!isExpectedError(error)) throw error;
  // AudioDecodeError messages already start with the file name.
  return error instanceof AudioDecodeError
    ? { id: song.id, file: song.audio, reason: 'undecodable-audio', message: `audio does not decode: ${error.message}` }
    : { id: song.id, file: song.audio, reason: 'scoring-failed', message: `extraction failed: ${song.audio}: ${error.message}` };
}
