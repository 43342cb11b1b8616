import type { ChunkingOptions, CropOptions } from '@refractor/audio';
import { errorOutcome, type Refractor, type RefractorErrorCode } from '@refractor/node';
import type { EmbeddingsFile } from '@refractor/train';
import { isExpectedError } from '../context.js';
import type { LabeledSong, SkippedSong } from '@refractor/node/io';

/**
 * One song's rows of the training cache: its per-chunk CLAP embeddings, each
 * with the song's concept embedding, color and id (as the original cached them).
 *
 * @example
 * ```ts
 * const rows = await songRows(refractor, song, concept, { chunkSizeS: 30, chunkStrideS: 5 });
 * ```
 */
export async function songRows(refractor: Refractor, song: LabeledSong, concept: Float32Array, options: ChunkingOptions & CropOptions): Promise<EmbeddingsFile> {
  const { embeddings, chunks } = await refractor.embedChunks(song.audio, options);
  const conceptEmbs = new Float32Array(chunks.length * concept.length);
  for (let row = 0; row < chunks.length; row++) conceptEmbs.set(concept, row * concept.length);
  return {
    clapEmbs: embeddings,
    conceptEmbs,
    colors: chunks.map(() => song.color),
    songIds: chunks.map(() => song.id),
  };
}

/** Error codes that mean the song's audio itself cannot be used (core's error table). */
const AUDIO_CODES: ReadonlySet<RefractorErrorCode> = new Set(['not-found', 'unreadable', 'empty', 'decode', 'midi']);

/**
 * A song whose scoring or extraction (`what`) failed in a way a user can act
 * on, as validate and extract report it, classified by the error's code;
 * anything else is a bug and is rethrown.
 */
export function skippedFor(song: LabeledSong, error: unknown, what: 'extraction' | 'scoring' = 'extraction'): SkippedSong {
  if (!isExpectedError(error)) throw error;
  // Audio errors' messages already start with the file name.
  return AUDIO_CODES.has(errorOutcome(error).code)
    ? { id: song.id, file: song.audio, reason: 'undecodable-audio', message: `audio does not decode: ${error.message}` }
    : { id: song.id, file: song.audio, reason: 'scoring-failed', message: `${what} failed: ${song.audio}: ${error.message}` };
}

