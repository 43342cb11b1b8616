/**
 * The text encoder's own Web Worker, started by `RefractorWeb` (through
 * `webConceptEmbedder`) to embed a run's concepts and terminated as soon as
 * they are embedded. A WASM heap never shrinks: a text encoder opened in the
 * thread that later opens CLAP would leave its ~735 MB of weights (the real
 * DeBERTa) as freed but resident heap pages under CLAP's. In a worker of its
 * own the whole heap goes back to the OS when the worker ends.
 *
 * Messages in: `open` (backend settings, the three text files' URLs and fetch
 * options), then `embed` per text. Out: `started`, `progress` (downloads),
 * `opening`, `opened` (with the digests taken while fetching), `embedded`
 * (the vector, transferred), `error`. See ./text-worker-protocol.ts.
 */
import { errorOutcome } from '@refractor/core';
import { createWebBackend } from './backend.js';
import { fetchModelJson, knownModelDigest, type FileProgress } from './models.js';
import { conceptTokenizer } from './tokenizer.js';
import { WebTextEncoder } from './text-encoder.js';
import type { TextWorkerRequest, TextWorkerResponse } from './text-worker-protocol.js';
import type { WorkerError } from './protocol.js';

const scope = self as unknown as { postMessage(message: unknown, transfer?: Transferable[]): void; onmessage: ((event: MessageEvent) => void) | null };
const post = (message: TextWorkerResponse, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

let open: Promise<WebTextEncoder> | undefined;
let queue: Promise<void> = Promise.resolve();

function toWorkerError(error: unknown): WorkerError {
  const { code, reason, message } = errorOutcome(error);
  return { name: error instanceof Error ? error.name : 'Error', message, code, ...(reason !== undefined ? { reason } : {}) };
}

const onProgress = (progress: FileProgress) => post({ type: 'progress', progress });

async function handle(request: TextWorkerRequest): Promise<void> {
  if (request.type === 'open') {
    const { files } = request;
    open = (async () => {
      const backend = await createWebBackend({
        device: request.backend.device,
        ...(request.backend.wasmPaths === undefined ? {} : { wasmPaths: request.backend.wasmPaths }),
        ...(request.backend.numThreads === undefined ? {} : { numThreads: request.backend.numThreads }),
        ...(request.backend.sessionOptions === undefined ? {} : { sessionOptions: request.backend.sessionOptions }),
      });
      const [json, config] = await Promise.all([
        fetchModelJson('text.tokenizer', files.tokenizer.url, { ...files.tokenizer.options, onProgress }),
        fetchModelJson('text.tokenizer_config', files.tokenizerConfig.url, { ...files.tokenizerConfig.options, onProgress }),
      ]);
      const model = { url: files.model.url, options: { ...files.model.options, onProgress } };
      return WebTextEncoder.open(backend, model, conceptTokenizer(json as object, config as object), request.texts, () => post({ type: 'opening' }));
    })();
    try {
      await open;
      const digests: Record<string, string> = {};
      for (const file of [files.model, files.tokenizer, files.tokenizerConfig]) {
        const digest = await knownModelDigest(file.url, { cache: file.options.cache ?? true });
        if (digest) digests[file.url] = digest;
      }
      post({ type: 'opened', digests });
    } catch (error) {
      post({ type: 'error', error: toWorkerError(error) });
    }
    return;
  }
  if (request.type === 'embed') {
    try {
      if (!open) throw new Error('internal: the text worker was asked to embed before it was opened');
      const vector = await (await open).embed(request.text);
      const own = vector.byteOffset === 0 && vector.byteLength === vector.buffer.byteLength ? vector : vector.slice();
      post({ type: 'embedded', id: request.id, vector: own }, [own.buffer]);
    } catch (error) {
      post({ type: 'error', id: request.id, error: toWorkerError(error) });
    }
  }
}

scope.onmessage = (event: MessageEvent<TextWorkerRequest>) => {
  const request = event.data;
  queue = queue.then(() => handle(request));
};
post({ type: 'started' });
