/**
 * @refractor/web — the Refractor CDM in the browser with onnxruntime-web
 * (WebGPU, falling back to WASM): the same scoring code as Node
 * (@refractor/core's RefractorScorer, @refractor/audio's streaming decode and
 * CLAP features), model files fetched by URL with progress and kept in the
 * Cache Storage API, and a Web Worker to run it off the main thread.
 *
 * @packageDocumentation
 */
export { EXTERNAL_DATA_MIN_BYTES, sessionInput, type SessionInput } from './external-data.js';
export { createWebBackend, hasWebGpu, type WebBackend, type WebBackendOptions, type WebDevice } from './backend.js';
export {
  MANIFEST,
  MODEL_CACHE_NAME,
  MODEL_DIGEST_CACHE_NAME,
  PROGRESS_INTERVAL_MS,
  fetchModelFile,
  fetchModelJson,
  knownModelDigest,
  modelUrl,
  openModelStream,
  type FetchModelOptions,
  type FileProgress,
  type ModelLocation,
  type ModelStream,
} from './models.js';
export { TEXT_SESSION_OPTIONS, WebTextEncoder, type TextModelFile } from './text-encoder.js';
export { IndexedDbConceptStorage, CONCEPT_DB_NAME, hasIndexedDb } from './indexeddb-concept-storage.js';
export { webConceptIdentity } from './concepts.js';
export { conceptTokenizer } from './tokenizer.js';
export {
  RefractorWeb,
  type RefractorProgress,
  type RefractorWebLoadOptions,
  type WebScoreOptions,
  type WebScoreSettings,
  type WebScoredSong,
  type WebSongInput,
  type WebCandidate,
  type WebCandidateOptions,
} from './refractor-web.js';
export { createRefractorWorker, RefractorWorkerError, type RefractorWorkerClient, type RefractorWorkerOptions } from './client.js';
export type { WorkerCandidateItem, WorkerRequest, WorkerResponse, WorkerError, WorkerScoreOptions } from './protocol.js';
export { MemoryConceptStorage, type ConceptStorage, type ConceptModelIdentity, type ConceptLookup, type RefractorContract, type SongScoringOptions } from '@refractor/core';
