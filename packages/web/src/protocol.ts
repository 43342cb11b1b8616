import type { CandidateResult, RefractorErrorCode } from '@refractor/core';
import type { RefractorProgress, WebCandidate, WebCandidateOptions, WebScoreOptions, WebScoredSong } from './refractor-web.js';
import type { WebDevice } from './backend.js';
import type { DtypeChoice } from '@refractor/core';
import type { InferenceSession } from 'onnxruntime-web';

/** Messages to the Refractor worker. */
export type WorkerRequest =
  | {
      type: 'load';
      id?: number;
      /** Base URL of a set directory (absolute: the worker's own URL is not the page's); none: the hub. */
      baseUrl?: string;
      device?: WebDevice;
      /** Absolute URL prefix of onnxruntime-web's wasm files. */
      wasmPaths?: string;
      cache?: boolean;
      batchSize?: number | 'auto';
      dtype?: DtypeChoice;
      /** Absolute URL of a base model (refractor.onnx), for MIDI candidates. */
      baseModelUrl?: string;
      /** The run's concepts, embedded first (see `RefractorWebLoadOptions.concepts`). */
      concepts?: string[];
      keepTextEncoder?: boolean;
      /** False: concept embeddings in memory only (default: IndexedDB). */
      conceptStorage?: false;
      /** False: the text encoder runs in the Refractor worker itself instead of a worker of its own. */
      textEncoderWorker?: false;
      /** Decoding and features in a worker of their own (true), in the Refractor worker itself (false), or the default: a worker when a core is spare. */
      featuresWorker?: boolean;
      /** onnxruntime-web session options for every session (see `WebBackendOptions.sessionOptions`). */
      sessionOptions?: InferenceSession.SessionOptions;
    }
  | { type: 'score'; id?: number; bytes: Uint8Array; options?: WorkerScoreOptions }
  | { type: 'candidates'; id?: number; candidates: WebCandidate[]; options?: WebCandidateOptions };

/** {@link WebScoreOptions} as they cross the worker boundary: no callbacks (progress comes back as messages). */
export type WorkerScoreOptions = Omit<WebScoreOptions, 'onProgress' | 'onChunk' | 'onScored'>;

/** A candidate's outcome as it crosses the worker boundary (errors as plain data). */
export interface WorkerCandidateItem {
  input: string;
  result?: CandidateResult;
  error?: WorkerError;
  rank?: number;
}

/** An error as it crosses the worker boundary. */
export interface WorkerError {
  /** `AudioDecodeError`, `RefractorError`, `InvalidValueError`, `Error`, … */
  name: string;
  message: string;
  /** The error's stable code (core's `RefractorErrorCode`: `decode`, `midi`, `invalid-value`, …; `failed` for anything else). */
  code: RefractorErrorCode;
  /** A finer code where the error has one (the decoder's `truncated`, …). */
  reason?: string;
}

/** Messages from the Refractor worker. */
export type WorkerResponse =
  | { type: 'progress'; id?: number; progress: RefractorProgress }
  | { type: 'loaded'; id?: number; backend: string; device: 'webgpu' | 'wasm'; testOnly: boolean }
  | { type: 'result'; id?: number; result: WebScoredSong }
  | { type: 'candidates'; id?: number; items: WorkerCandidateItem[] }
  | { type: 'error'; id?: number; error: WorkerError };
