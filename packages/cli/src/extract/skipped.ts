import { errorOutcome, type RefractorErrorCode } from '@refractor/node';
import type { LabeledSong, SkippedSong } from '@refractor/node/io';
import { isExpectedError } from '../context.js';

/** Error codes that mean the song's audio itself cannot be used (core's error table). */
const AUDIO_CODES: ReadonlySet<RefractorErrorCode> = new Set(['not-found', 'unreadable', 'empty', 'decode', 'midi']);

/**
 * A song whose scoring or extraction (`what`) failed in a way a user can act
 * on, as validate and extract report it, classified by the error's code;
 * anything else is a bug and is rethrown.
 *
 * @example
 * ```ts
 * skipped.push(skippedFor(song, error)); // { id, file, reason: 'undecodable-audio', message: 'audio does not decode: …' }
 * ```
 */
export function skippedFor(song: LabeledSong, error: unknown, what: 'extraction' | 'scoring' = 'extraction'): SkippedSong {
  if (!isExpectedError(error)) throw error;
  // Audio errors' messages already start with the file name.
  return AUDIO_CODES.has(errorOutcome(error).code)
    ? { id: song.id, file: song.audio, reason: 'undecodable-audio', message: `audio does not decode: ${error.message}` }
    : { id: song.id, file: song.audio, reason: 'scoring-failed', message: `${what} failed: ${song.audio}: ${error.message}` };
}
