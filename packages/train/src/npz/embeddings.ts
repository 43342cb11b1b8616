import { CDM_CONTRACT } from '@refractor/core';
import { NpzFormatError } from './errors.js';
import type { NpyArray } from './npy.js';
import { readNpz, writeNpz, type WriteNpzOptions } from './npz.js';

const { audioEmbeddingDim, conceptEmbeddingDim } = CDM_CONTRACT;

/**
 * The original training cache: one row per chunk, with the song's concept
 * embedding, color and id repeated on each of its rows. Stored as an .npz with
 * `clap_embs` (N, 512) and `concept_embs` (N, 768) float32, `colors` (N,) and
 * `song_ids` (N,) strings.
 */
export interface EmbeddingsFile {
  /** N × 512 CLAP embeddings, row-major. */
  clapEmbs: Float32Array;
  /** N × 768 concept embeddings, row-major (zeros for songs without a concept). */
  conceptEmbs: Float32Array;
  /** The color of each row's song. */
  colors: string[];
  /** The id of each row's song. */
  songIds: string[];
}

/**
 * The rows in a cache (one per chunk).
 *
 * @example
 * ```ts
 * embeddingRows(readEmbeddings(bytes, 'embeddings.npz')); // N
 * ```
 */
export function embeddingRows(file: EmbeddingsFile): number {
  return file.colors.length;
}

function floatMatrix(arrays: Record<string, NpyArray>, key: string, columns: number, source: string): { data: Float32Array; rows: number } {
  const array = arrays[key]!;
  if (array.dtype !== 'float32' || array.shape.length !== 2 || array.shape[1] !== columns) {
    const got = array.dtype === 'float32' ? `float32 of shape (${array.shape.join(', ')})` : `a string array of shape (${array.shape.join(', ')})`;
    throw new NpzFormatError(`${source}: ${key}: is ${got}; expected float32 of shape (N, ${columns})`);
  }
  return { data: array.data, rows: array.shape[0]! };
}

function stringVector(arrays: Record<string, NpyArray>, key: string, source: string): string[] {
  const array = arrays[key]!;
  if (array.dtype !== 'unicode' || array.shape.length !== 1) {
    const got = array.dtype === 'unicode' ? `strings of shape (${array.shape.join(', ')})` : `float32 of shape (${array.shape.join(', ')})`;
    throw new NpzFormatError(`${source}: ${key}: is ${got}; expected strings (<U… or |S…) of shape (N,)`);
  }
  return array.data;
}

/**
 * Reads a training cache written by the original tool (or {@link writeEmbeddings}),
 * checking the four keys, their dtypes and that every array has the same N.
 *
 * @example
 * ```ts
 * const cache = readEmbeddings(readFileSync('embeddings.npz'), 'embeddings.npz');
 * console.log(cache.colors.length, 'rows; first song', cache.songIds[0]);
 * ```
 */
export function readEmbeddings(bytes: Uint8Array, source = 'embeddings.npz'): EmbeddingsFile {
  const arrays = readNpz(bytes, source);
  const missing = ['clap_embs', 'concept_embs', 'colors', 'song_ids'].filter((key) => !(key in arrays));
  if (missing.length > 0) {
    const present = Object.keys(arrays);
    throw new NpzFormatError(
      `${source}: missing ${missing.join(', ')}; expected the arrays clap_embs, concept_embs, colors and song_ids ` +
        `(found ${present.length ? present.join(', ') : 'none'})`,
    );
  }
  const clap = floatMatrix(arrays, 'clap_embs', audioEmbeddingDim, source);
  const concept = floatMatrix(arrays, 'concept_embs', conceptEmbeddingDim, source);
  const colors = stringVector(arrays, 'colors', source);
  const songIds = stringVector(arrays, 'song_ids', source);
  const counts = { clap_embs: clap.rows, concept_embs: concept.rows, colors: colors.length, song_ids: songIds.length };
  if (new Set(Object.values(counts)).size !== 1) {
    throw new NpzFormatError(
      `${source}: arrays disagree on N (${Object.entries(counts)
        .map(([key, n]) => `${key} ${n}`)
        .join(', ')}); expected one row per chunk in each`,
    );
  }
  return { clapEmbs: clap.data, conceptEmbs: concept.data, colors, songIds };
}

/**
 * Writes a training cache as the original did (`np.savez` with `clap_embs`,
 * `concept_embs`, `colors`, `song_ids`), after checking the sizes agree.
 *
 * @example
 * ```ts
 * writeFileSync('embeddings.npz', writeEmbeddings({ clapEmbs, conceptEmbs, colors: ['Red'], songIds: ['song-1'] }));
 * ```
 */
export function writeEmbeddings(file: EmbeddingsFile, options: WriteNpzOptions = {}): Uint8Array {
  const rows = file.colors.length;
  if (file.songIds.length !== rows || file.clapEmbs.length !== rows * audioEmbeddingDim || file.conceptEmbs.length !== rows * conceptEmbeddingDim) {
    throw new NpzFormatError(
      `embeddings: ${rows} colors, ${file.songIds.length} song ids, ${file.clapEmbs.length / audioEmbeddingDim} CLAP rows and ` +
        `${file.conceptEmbs.length / conceptEmbeddingDim} concept rows; expected the same N in each (${audioEmbeddingDim} and ${conceptEmbeddingDim} values per row)`,
    );
  }
  return writeNpz(
    {
      clap_embs: { dtype: 'float32', shape: [rows, audioEmbeddingDim], data: file.clapEmbs },
      concept_embs: { dtype: 'float32', shape: [rows, conceptEmbeddingDim], data: file.conceptEmbs },
      colors: { dtype: 'unicode', shape: [rows], data: file.colors },
      song_ids: { dtype: 'unicode', shape: [rows], data: file.songIds },
    },
    options,
  );
}
