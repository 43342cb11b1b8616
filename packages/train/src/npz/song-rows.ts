import type { EmbeddingsFile } from './embeddings.js';

/** What {@link songRows} needs from a scorer: per-chunk CLAP embeddings of an audio file (`Refractor.embedChunks` of @refractor/node). */
export interface ChunkEmbedder<Options> {
  embedChunks(audio: string, options: Options): Promise<{ embeddings: Float32Array; chunks: readonly unknown[] }>;
}

/** The song a cache's rows belong to. */
export interface RowSong {
  id: string;
  /** The audio file. */
  audio: string;
  /** The song's color (canonical name). */
  color: string;
}

/**
 * One song's rows of the training cache: its per-chunk CLAP embeddings, each
 * with the song's concept embedding, color and id (as the original cached
 * them). The embedder is @refractor/node's `Refractor` (or anything with its
 * `embedChunks`), so training code needs no dependency on the scorer.
 *
 * @example
 * ```ts
 * const refractor = await Refractor.load({ models: 'tiny' });
 * const concept = await refractor.prepareConcept('A song about leaving');
 * const rows = await songRows(refractor, { id: '07', audio: '07_main.wav', color: 'Indigo' }, concept, { chunkSizeS: 30, chunkStrideS: 5 });
 * writeEmbeddings(concatEmbeddings([rows, moreRows]));
 * ```
 */
export async function songRows<Options>(embedder: ChunkEmbedder<Options>, song: RowSong, concept: Float32Array, options: Options): Promise<EmbeddingsFile> {
  const { embeddings, chunks } = await embedder.embedChunks(song.audio, options);
  const conceptEmbs = new Float32Array(chunks.length * concept.length);
  for (let row = 0; row < chunks.length; row++) conceptEmbs.set(concept, row * concept.length);
  return {
    clapEmbs: embeddings,
    conceptEmbs,
    colors: chunks.map(() => song.color),
    songIds: chunks.map(() => song.id),
  };
}
