import type { AudioErrorCode, ChunkFeatures, ClapFeatureConfig, SongFeatureOptions } from '@refractor/audio';
import type { WorkerError } from './protocol.js';

/** Messages to the features worker (./features-worker.ts). */
export type FeaturesWorkerRequest =
  | {
      type: 'start';
      /** The whole file (transfer its buffer). */
      bytes: Uint8Array;
      config: ClapFeatureConfig;
      settings: SongFeatureOptions & { name: string };
      /** How many chunks the worker may compute before the first is taken. */
      ahead: number;
    }
  /** One more chunk may be computed (sent as each chunk is taken). */
  | { type: 'more' };

/** Messages from the features worker. */
export type FeaturesWorkerResponse =
  /** The script runs (sent first): a worker that errors before this never started, and features are computed in the caller's thread. */
  | { type: 'started' }
  /** One chunk's features; `chunk.features.buffer` is transferred. */
  | { type: 'chunk'; chunk: ChunkFeatures }
  | { type: 'done' }
  /** Decode/feature failures; an `AudioDecodeError` also carries its fields so the caller throws the same error. */
  | { type: 'error'; error: WorkerError & { file?: string; kind?: AudioErrorCode; detail?: string } };
