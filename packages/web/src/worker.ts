/**
 * A Web Worker running {@link RefractorWeb} off the main thread. Messages in:
 * `{ type: 'load', baseUrl, device, wasmPaths }`, then
 * `{ type: 'score', bytes, options }` (transfer `bytes.buffer`). Messages out:
 * `progress`, `loaded`, `result`, `error` (see ./protocol.ts).
 */
import { errorOutcome } from '@refractor/core';
import { RefractorWeb } from './refractor-web.js';
import type { WorkerError, WorkerRequest, WorkerResponse } from './protocol.js';
import type { RefractorProgress } from './refractor-web.js';

/** The dedicated worker scope (typed by hand: the DOM and WebWorker libs clash in one program). */
const scope = self as unknown as { postMessage(message: unknown): void; onmessage: ((event: MessageEvent) => void) | null };
let refractor: Promise<RefractorWeb> | undefined;
const post = (message: WorkerResponse) => scope.postMessage(message);

function toWorkerError(error: unknown): WorkerError {
  const { code, reason, message } = errorOutcome(error);
  return { name: error instanceof Error ? error.name : 'Error', message, code, ...(reason !== undefined ? { reason } : {}) };
}

// Messages are handled in order: a score waits for the load before it.
let queue: Promise<void> = Promise.resolve();

scope.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  queue = queue.then(() => handle(request));
};

async function handle(request: WorkerRequest): Promise<void> {
  const id = request.id;
  const onProgress = (progress: RefractorProgress) => post({ type: 'progress', id, progress });
  try {
    if (request.type === 'load') {
      const previous = refractor;
      refractor = RefractorWeb.load({
        ...(request.baseUrl ? { baseUrl: request.baseUrl } : {}),
        ...(request.device ? { device: request.device } : {}),
        ...(request.wasmPaths ? { wasmPaths: request.wasmPaths } : {}),
        ...(request.cache === undefined ? {} : { cache: request.cache }),
        ...(request.batchSize === undefined ? {} : { batchSize: request.batchSize }),
        ...(request.dtype === undefined ? {} : { dtype: request.dtype }),
        ...(request.baseModelUrl ? { baseModelUrl: request.baseModelUrl } : {}),
        ...(request.concepts ? { concepts: request.concepts } : {}),
        ...(request.keepTextEncoder === undefined ? {} : { keepTextEncoder: request.keepTextEncoder }),
        ...(request.conceptStorage === false ? { conceptStorage: false as const } : {}),
        ...(request.textEncoderWorker === false ? { textEncoderWorker: false as const } : {}),
        ...(request.featuresWorker === undefined ? {} : { featuresWorker: request.featuresWorker }),
        ...(request.sessionOptions ? { sessionOptions: request.sessionOptions } : {}),
        onProgress,
      });
      refractor.catch(() => undefined);
      const loaded = await refractor;
      await previous?.then((r) => r.close()).catch(() => undefined);
      post({ type: 'loaded', id, backend: loaded.backend.name, device: loaded.backend.device, testOnly: loaded.modelSet.testOnly });
    } else if (request.type === 'score') {
      if (!refractor) throw new Error('load the models first (a {type: "load"} message)');
      const loaded = await refractor;
      const result = await loaded.scoreFile(request.bytes, { ...request.options, onProgress });
      post({ type: 'result', id, result });
    } else if (request.type === 'candidates') {
      if (!refractor) throw new Error('load the models first (a {type: "load"} message)');
      const items = await (await refractor).scoreCandidates(request.candidates, request.options ?? {});
      post({ type: 'candidates', id, items: items.map(({ error, ...item }) => ({ ...item, ...(error ? { error: toWorkerError(error) } : {}) })) });
    } else {
      throw new Error(`unknown message type ${JSON.stringify((request as { type?: unknown }).type)}`);
    }
  } catch (error) {
    post({ type: 'error', id, error: toWorkerError(error) });
  }
}
