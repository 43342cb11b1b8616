/**
 * The song-level stratified train/validation split: chunks of one song never
 * straddle the split (they are near-duplicates), and every color with at least
 * two songs is represented in validation.
 */
import { COLOR_NAMES, RefractorError } from '@refractor/core';
import type { SeededRng } from './rng.js';

/** Which songs train and which validate, with the warnings the split raised. */
export interface SongSplit {
  trainSongs: string[];
  valSongs: string[];
  warnings: string[];
}

/**
 * The color of each song (every chunk of a song must carry the same label).
 * Songs are listed in first-appearance order.
 */
export function songColors(labels: ArrayLike<number>, songIds: readonly string[]): Map<string, number> {
  const colors = new Map<string, number>();
  for (let i = 0; i < songIds.length; i++) {
    const id = songIds[i]!;
    const label = labels[i]!;
    const known = colors.get(id);
    if (known === undefined) colors.set(id, label);
    else if (known !== label) {
      throw new RefractorError(`song ${JSON.stringify(id)} has chunks labeled ${COLOR_NAMES[known]} and ${COLOR_NAMES[label]}; a song has one color`);
    }
  }
  return colors;
}

/**
 * Splits songs per color: the color's songs (sorted, so row order does not
 * matter) are shuffled with `rng`; the first n_val = max(1, round(valFrac·n))
 * validate, capped at n − 1 so a color keeps a training song. A color with a
 * single song trains only (and a warning says so).
 *
 * @example
 * ```ts
 * const { trainSongs, valSongs } = splitSongs(labels, songIds, 0.2, streamFor(42, 'split'));
 * ```
 */
export function splitSongs(labels: ArrayLike<number>, songIds: readonly string[], valFrac: number, rng: SeededRng): SongSplit {
  if (!(valFrac > 0 && valFrac < 1)) throw new RefractorError(`valFrac is ${valFrac}; expected a number in (0, 1)`);
  const colors = songColors(labels, songIds);
  const trainSongs: string[] = [];
  const valSongs: string[] = [];
  const warnings: string[] = [];
  COLOR_NAMES.forEach((name, color) => {
    const songs = [...colors].filter(([, c]) => c === color).map(([id]) => id).sort();
    if (songs.length === 0) return;
    if (songs.length === 1) {
      warnings.push(`${name} has a single song (${songs[0]}); it trains only, so ${name} is not validated`);
      trainSongs.push(songs[0]!);
      return;
    }
    rng.shuffle(songs);
    const nVal = Math.min(Math.max(1, Math.round(valFrac * songs.length)), songs.length - 1);
    valSongs.push(...songs.slice(0, nVal));
    trainSongs.push(...songs.slice(nVal));
  });
  return { trainSongs, valSongs, warnings };
}
