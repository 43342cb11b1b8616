import { RefractorError } from '@refractor/core';
import type { WorkerCandidateItem, WorkerRequest, WorkerResponse, WorkerError, WorkerScoreOptions } from './protocol.js';
import type { RefractorProgress, WebCandidate, WebCandidateOptions, WebScoredSong } from './refractor-web.js';

/**
 * An error from the worker: a {@link RefractorError} with the original's
 * stable `code` and `reason` (classify by those) and, for display, its name
 * (e.g. `AudioDecodeError`) as `workerName`.
 */
export class RefractorWorkerError extends RefractorError {
  override readonly name = 'RefractorWorkerError';
  /** The name of the error thrown in the worker. */
  readonly workerName: string;
  constructor(error: WorkerError) {
    super(error.message, { code: error.code ?? 'failed', reason: error.reason });
    this.workerName = error.name;
  }
}

/** Options for {@link createRefractorWorker}. */
export interface RefractorWorkerOptions {
  /**
   * A worker to talk to (default: a module worker on this package's worker.js).
   * @defaultValue a module worker on this package's `worker.js`
   */
  worker?: Worker;
  /** Called with every progress message. */
  onProgress?: (progress: RefractorProgress) => void;
}

/** The main-thread side of the Refractor worker. */
export interface RefractorWorkerClient {
  /** Loads (or reloads) the models; resolves with the backend's name. */
  load(options?: Omit<Extract<WorkerRequest, { type: 'load' }>, 'type' | 'id'>): Promise<{ backend: string; device: 'webgpu' | 'wasm'; testOnly: boolean }>;
  /** Scores one file's bytes; the buffer is transferred (the caller's copy is emptied). */
  score(bytes: Uint8Array, options?: WorkerScoreOptions): Promise<WebScoredSong>;
  /** Scores candidates (MIDI/audio bytes, lyric) against one concept; needs `baseModelUrl` for MIDI. Errors come back per item. */
  scoreCandidates(candidates: WebCandidate[], options?: WebCandidateOptions): Promise<WorkerCandidateItem[]>;
  terminate(): void;
  readonly worker: Worker;
}

/**
 * Starts the Refractor worker and wraps its messages in promises. Relative
 * `baseUrl`/`wasmPaths` are resolved against the page before they are sent.
 *
 * @example
 * ```ts
 * const refractor = createRefractorWorker({ onProgress: (p) => console.log(p) });
 * await refractor.load({ baseUrl: '/models/tiny/', device: 'auto', wasmPaths: '/ort/' });
 * const song = await refractor.score(new Uint8Array(await file.arrayBuffer()), { name: file.name });
 * ```
 */
export function createRefractorWorker(options: RefractorWorkerOptions = {}): RefractorWorkerClient {
  const worker = options.worker ?? new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  let nextId = 1;
  const pending = new Map<number, { resolve: (message: WorkerResponse) => void; reject: (error: Error) => void }>();
  worker.onmessage = (event: MessageEvent<WorkerResponse>) => {
    const message = event.data;
    if (message.type === 'progress') {
      options.onProgress?.(message.progress);
      return;
    }
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id!);
    if (message.type === 'error') waiter.reject(new RefractorWorkerError(message.error));
    else waiter.resolve(message);
  };
  worker.onerror = (event: ErrorEvent) => {
    const error = new Error(`Refractor worker failed: ${event.message || 'could not start the worker script'}`);
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };
  const request = (message: WorkerRequest, transfer: Transferable[] = []) =>
    new Promise<WorkerResponse>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...message, id }, transfer);
    });
  const absolute = (url: string | undefined) => (url ? new URL(url, globalThis.location?.href).href : undefined);
  return {
    worker,
    async load(loadOptions = {}) {
      const baseUrl = absolute(loadOptions.baseUrl);
      const wasmPaths = absolute(loadOptions.wasmPaths);
      const baseModelUrl = absolute(loadOptions.baseModelUrl);
      const message = await request({ type: 'load', ...loadOptions, ...(baseUrl ? { baseUrl } : {}), ...(wasmPaths ? { wasmPaths } : {}), ...(baseModelUrl ? { baseModelUrl } : {}) });
      if (message.type !== 'loaded') throw new Error(`unexpected worker reply ${message.type}`);
      return { backend: message.backend, device: message.device, testOnly: message.testOnly };
    },
    async score(bytes, scoreOptions = {}) {
      const message = await request({ type: 'score', bytes, options: scoreOptions }, [bytes.buffer]);
      if (message.type !== 'result') throw new Error(`unexpected worker reply ${message.type}`);
      return message.result;
    },
    async scoreCandidates(candidates, candidateOptions = {}) {
      const message = await request({ type: 'candidates', candidates, options: candidateOptions });
      if (message.type !== 'candidates') throw new Error(`unexpected worker reply ${message.type}`);
      return message.items;
    },
    terminate() {
      worker.terminate();
    },
  };
}
