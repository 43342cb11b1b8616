import type { ChunkingOptions, CropOptions } from '@refractor/audio';
import type { Refractor, ScoreSettings } from '@refractor/node';
import { skippedFor } from '../extract/skipped.js';
import { songOutcome, type SongOutcome } from './report.js';
import type { LabeledSong, SkippedSong } from '@refractor/node/io';

/** What scoring one labeled song gave: its outcome, or why it was skipped (with the error). */
export type SongScoring =
  | { song: LabeledSong; outcome: SongOutcome; settings: ScoreSettings }
  | { song: LabeledSong; skipped: SkippedSong; error: Error };

/**
 * Scores songs of a dataset in turn, each with its own concept, chunked and
 * confidence-weighted as `Refractor.scoreFile` does, handing each result to
 * `onSong` as soon as it is ready (so it can be written out at once). A song
 * whose audio does not decode (or that fails in another way a user can act
 * on) is skipped with a message naming the file; anything else is a bug and
 * propagates.
 *
 * @example
 * ```ts
 * await scoreDataset(refractor, dataset.songs, { chunkSizeS: 30, chunkStrideS: 5 }, async (entry) => entries.push(entry));
 * ```
 */
export async function scoreDataset(
  refractor: Refractor,
  songs: readonly LabeledSong[],
  options: ChunkingOptions & CropOptions & { targets?: string; colorRule?: string },
  onSong: (entry: SongScoring, index: number) => Promise<void>,
): Promise<void> {
  const conceptEmbedding = await refractor.conceptLookup(songs.map((song) => song.concept));
  for (const [index, song] of songs.entries()) {
    let entry: SongScoring;
    try {
      const result = await refractor.scoreFile(song.audio, { ...options, concept: song.concept, conceptEmbedding: await conceptEmbedding(song.concept) });
      entry = { song, outcome: songOutcome({ song, result }), settings: result.settings };
    } catch (error) {
      const skipped: SkippedSong = skippedFor(song, error, 'scoring');
      entry = { song, skipped, error: error as Error };
    }
    await onSong(entry, index);
  }
}
