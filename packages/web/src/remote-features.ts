import { AudioDecodeError, type ChunkFeatures, type ClapFeatureConfig, type SongFeatureOptions } from '@refractor/audio';
import { RefractorWorkerError } from './client.js';
import type { FeaturesWorkerRequest, FeaturesWorkerResponse } from './features-worker-protocol.js';

/** How many chunks the features worker may be ahead of the encoder: enough to hide its time, few enough to bound memory (~256 KB each). */
export const FEATURES_AHEAD = 2;

/**
 * True where `Worker` is the web's (a page or a worker scope). Not in Node,
 * where onnxruntime-web's own loader sets a global `Worker` to
 * worker_threads' (which neither loads these scripts nor reports failures
 * through `onerror`).
 */
export function hasWebWorkers(): boolean {
  const g = globalThis as { Worker?: unknown; document?: unknown; WorkerGlobalScope?: unknown };
  return typeof g.Worker === 'function' && (g.document !== undefined || g.WorkerGlobalScope !== undefined);
}

/** The default features worker: this package's features-worker.js, next to this module (the pattern bundlers recognise). */
export function defaultFeaturesWorker(): Worker {
  return new Worker(new URL('./features-worker.js', import.meta.url), { type: 'module' });
}

/**
 * A song's chunk features computed in a worker of their own (decode, resample,
 * log-mel: @refractor/audio's `songChunkFeatures`, the same code as in this
 * thread), each chunk's buffer transferred as it is ready, the worker at most
 * {@link FEATURES_AHEAD} chunks ahead. Undefined when the worker cannot start
 * (its script was not shipped): the caller computes them in its own thread.
 * The bytes' buffer is transferred to the worker. The worker ends with the
 * sequence (done, failed, or closed early by the consumer).
 */
export async function remoteChunkFeatures(
  start: () => Worker,
  bytes: Uint8Array,
  config: ClapFeatureConfig,
  settings: SongFeatureOptions & { name: string },
): Promise<AsyncIterableIterator<ChunkFeatures> | undefined> {
  let worker: Worker;
  try {
    worker = start();
  } catch {
    return undefined;
  }
  const ready: (ChunkFeatures | null)[] = [];
  let failure: Error | undefined;
  let ended = false;
  let notify: (() => void) | undefined;
  const wakeUp = () => {
    notify?.();
    notify = undefined;
  };
  const started = await new Promise<boolean>((resolve) => {
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault?.();
      resolve(false);
      failure ??= new Error(`the features worker failed: ${event.message || 'unknown error'}`);
      wakeUp();
    };
    worker.onmessage = (event: MessageEvent<FeaturesWorkerResponse>) => {
      const message = event.data;
      if (message.type === 'started') resolve(true);
      else if (message.type === 'chunk') ready.push(message.chunk);
      else if (message.type === 'done') ready.push(null);
      else if (message.type === 'error') {
        const e = message.error;
        // The worker sends `file`, `kind` and `detail` only for an AudioDecodeError: rebuilt, it is the error the in-thread path throws.
        failure = e.file !== undefined && e.kind !== undefined && e.detail !== undefined ? new AudioDecodeError(e.file, e.kind, e.detail, undefined, e.code === 'midi' ? 'midi' : 'decode') : new RefractorWorkerError(e);
      }
      wakeUp();
    };
  });
  if (!started) {
    worker.terminate();
    return undefined;
  }
  worker.postMessage({ type: 'start', bytes, config, settings, ahead: FEATURES_AHEAD } satisfies FeaturesWorkerRequest, [bytes.buffer]);
  const finish = () => {
    ended = true;
    worker.terminate();
  };
  const iterator: AsyncIterableIterator<ChunkFeatures> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      if (ended) return { done: true, value: undefined };
      while (ready.length === 0 && !failure) await new Promise<void>((resolve) => (notify = resolve));
      // Chunks that came before a failure are still the song's: hand them out first, as the in-thread sequence would.
      if (ready.length === 0) {
        finish();
        throw failure!;
      }
      const chunk = ready.shift()!;
      if (chunk === null) {
        finish();
        return { done: true, value: undefined };
      }
      worker.postMessage({ type: 'more' } satisfies FeaturesWorkerRequest);
      return { done: false, value: chunk };
    },
    async return() {
      finish();
      return { done: true, value: undefined };
    },
  };
  return iterator;
}
