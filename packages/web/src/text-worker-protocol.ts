import type { InferenceSession } from 'onnxruntime-web';
import type { FetchModelOptions, FileProgress } from './models.js';
import type { WorkerError } from './protocol.js';

/** The text files the text-encoder worker fetches, with their fetch options (no callbacks: progress comes back as messages). */
export interface TextWorkerFiles {
  model: { url: string; options: Omit<FetchModelOptions, 'onProgress' | 'signal'> };
  tokenizer: { url: string; options: Omit<FetchModelOptions, 'onProgress' | 'signal'> };
  tokenizerConfig: { url: string; options: Omit<FetchModelOptions, 'onProgress' | 'signal'> };
}

/** Messages to the text-encoder worker (./text-worker.ts). */
export type TextWorkerRequest =
  | {
      type: 'open';
      /** The backend to build there: the device the parent resolved (never `auto`), its wasm paths and threads. */
      backend: { device: 'webgpu' | 'wasm'; wasmPaths?: string | { wasm?: string; mjs?: string }; numThreads?: number; sessionOptions?: InferenceSession.SessionOptions };
      files: TextWorkerFiles;
      /** The texts this opening is for: only their tokens' embedding rows are kept (none: the whole table). */
      texts: string[];
    }
  | { type: 'embed'; id: number; text: string };

/** Messages from the text-encoder worker. */
export type TextWorkerResponse =
  /** The script runs (sent first): a worker that errors before this never started, and the parent embeds in its own thread instead. */
  | { type: 'started' }
  | { type: 'progress'; progress: FileProgress }
  /** The files are here; the session is being created. */
  | { type: 'opening' }
  /** The session is open; `digests` are the content digests taken while fetching (for the concept identity of base-URL sets). */
  | { type: 'opened'; digests: Record<string, string> }
  | { type: 'embedded'; id: number; vector: Float32Array }
  | { type: 'error'; id?: number; error: WorkerError };
