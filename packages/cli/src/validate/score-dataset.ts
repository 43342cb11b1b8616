import { AudioDecodeError, type ChunkingOptions, type CropOptions } from '@refractor/audio';
import type { Refractor } from '@refractor/node';
import { isExpectedError } from '../context.js';
import type { ScoredEntry } from './report.js';
import type { LabeledSong, SkippedSong } from './types.js';
import { conceptCache } from '../concept-cache.js';

/**
 * Scores every song of a dataset in turn with its own concept, chunked and
 * confidence-weighted as `Refractor.scoreFile` does. A song whose audio does
 * not decode (or that fails in another way a user can act on) is skipped with
 * a message naming the file; anything else is a bug and propagates.
 *
 * @example
 * ```ts
 * const { scored, skipped } = await scoreDataset(refractor, dataset.songs, { chunkSizeS: 30, chunkStrideS: 5 }, (done) => bar.update(done));
 * ```
 */
export async function scoreDataset(
  refractor: Refractor,
  songs: readonly LabeledSong[],
  options: ChunkingOptions & CropOptions,
  onProgress: (done: number) => void = () => undefined,
): Promise<{ scored: ScoredEntry[]; skipped: SkippedSong[] }> {
  const scored: ScoredEntry[] = [];
  const skipped: SkippedSong[] = [];
  const conceptEmbedding = await conceptCache(refractor, songs.map((song) => song.concept));
  for (const [index, song] of songs.entries()) {
    try {
      const result = await refractor.scoreFile(song.audio, { ...options, conceptEmbedding: await conceptEmbedding(song.concept) });
      scored.push({ song, result });
    } catch (error) {
      if (!isExpectedError(error)) throw error;
      // AudioDecodeError messages already start with the file name.
      skipped.push(
        error instanceof AudioDecodeError
          ? { id: song.id, file: song.audio, reason: 'undecodable-audio', message: `audio does not decode: ${error.message}` }
          : { id: song.id, file: song.audio, reason: 'scoring-failed', message: `scoring failed: ${song.audio}: ${error.message}` },
      );
    }
    onProgress(index + 1);
  }
  return { scored, skipped };
}
