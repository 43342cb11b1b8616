/** NumPy .npy/.npz reading and writing, and the original training cache format. */
export { NpzFormatError } from './errors.js';
export { buildNpyHeader, parseNpyHeader, type NpyHeader } from './npy-header.js';
export { encodeNpy, parseNpy, type NpyArray } from './npy.js';
export { readNpz, writeNpz, type WriteNpzOptions } from './npz.js';
export { embeddingRows, readEmbeddings, writeEmbeddings, type EmbeddingsFile } from './embeddings.js';
export { concatEmbeddings } from './concat.js';
export { songRows, type ChunkEmbedder, type RowSong } from './song-rows.js';
