import type { AudioErrorCode } from './errors.js';
import type { ClapFeatureConfig } from './features/index.js';
import type { ChunkFeatures, SongFeatureOptions, SongFeatureSummary } from './song-features.js';

/** Messages to the featurizing worker. */
export type ToWorker =
  | { type: 'start'; config: ClapFeatureConfig; sourceSampleRate: number; options: SongFeatureOptions }
  | { type: 'push'; mono: Float32Array }
  | { type: 'finish' }
  /** Read (a path) or take (bytes), decode and featurize a whole file here, at most `chunksAhead` chunks ahead of the `credit`s the parent sends. */
  | { type: 'file'; source: { path: string } | { bytes: Uint8Array }; config: ClapFeatureConfig; options: SongFeatureOptions; chunksAhead: number }
  /** The parent took `chunks` more chunks: the worker may send that many more. */
  | { type: 'credit'; chunks: number };

/** Errors cross the thread boundary as data and are rebuilt on the other side. */
export type SerializedError =
  | { kind: 'audio'; file: string; code: AudioErrorCode; reason: string }
  | { kind: 'other'; name: string; message: string; stack?: string | undefined };

/** Messages from the worker: one `chunks` per `push`, then `done` (or `error` at any point). */
export type FromWorker =
  | { type: 'chunks'; chunks: ChunkFeatures[] }
  | { type: 'done'; chunks: ChunkFeatures[]; summary: SongFeatureSummary; /** For `file`: ms spent opening and decoding. */ decodeMs?: number }
  | { type: 'error'; error: SerializedError };
