import type { AudioErrorCode } from './errors.js';
import type { ClapFeatureConfig } from './features/index.js';
import type { ChunkFeatures, SongFeatureOptions, SongFeatureSummary } from './song-features.js';

/** Messages to the featurizing worker. */
export type ToWorker =
  | { type: 'start'; config: ClapFeatureConfig; sourceSampleRate: number; options: SongFeatureOptions }
  | { type: 'push'; mono: Float32Array }
  | { type: 'finish' };

/** Errors cross the thread boundary as data and are rebuilt on the other side. */
export type SerializedError =
  | { kind: 'audio'; file: string; code: AudioErrorCode; reason: string }
  | { kind: 'other'; name: string; message: string; stack?: string | undefined };

/** Messages from the worker: one `chunks` per `push`, then `done` (or `error` at any point). */
export type FromWorker =
  | { type: 'chunks'; chunks: ChunkFeatures[] }
  | { type: 'done'; chunks: ChunkFeatures[]; summary: SongFeatureSummary }
  | { type: 'error'; error: SerializedError };
