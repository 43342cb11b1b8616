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
import { MODEL_CONTRACTS, RefractorScorer, errorOutcome, openCheckedSession, type ConceptTokenizer } from '@refractor/core';
import type { InferenceSession } from 'onnxruntime-web';
import { createWebBackend, type WebBackend } from './backend.js';
import { fetchModelFile, fetchModelJson, knownModelDigest, type FileProgress } from './models.js';
import { conceptTokenizer } from './tokenizer.js';
import { releaseModelBytes } from './external-data.js';
import type { TextWorkerFiles, TextWorkerRequest, TextWorkerResponse } from './text-worker-protocol.js';
import type { WorkerError } from './protocol.js';

const scope = self as unknown as { postMessage(message: unknown, transfer?: Transferable[]): void; onmessage: ((event: MessageEvent) => void) | null };
const post = (message: TextWorkerResponse, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

let open: Promise<{ backend: WebBackend; session: InferenceSession; tokenizer: ConceptTokenizer }> | undefined;
let queue: Promise<void> = Promise.resolve();

function toWorkerError(error: unknown): WorkerError {
  const { code, reason, message } = errorOutcome(error);
  return { name: error instanceof Error ? error.name : 'Error', message, code, ...(reason !== undefined ? { reason } : {}) };
}

/** Fetches and opens the encoder in a function of its own, so the model's bytes are garbage once the session holds them. */
async function openSession(backend: WebBackend, files: TextWorkerFiles): Promise<InferenceSession> {
  const bytes = await fetchModelFile('text.model', files.model.url, { ...files.model.options, onProgress });
  post({ type: 'opening' });
  const session = await openCheckedSession(backend, bytes, MODEL_CONTRACTS.text, files.model.url);
  releaseModelBytes(bytes);
  return session;
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
      const session = await openSession(backend, files);
      return { backend, session, tokenizer: conceptTokenizer(json as object, config as object) };
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
      const { backend, session, tokenizer } = await open;
      // The scorer's concept path reads only the text encoder and tokenizer.
      const vector = await new RefractorScorer(backend, { clap: NO_SESSION, cdm: NO_SESSION, text: session, tokenizer }).prepareConcept(request.text);
      const own = vector.byteOffset === 0 && vector.byteLength === vector.buffer.byteLength ? vector : vector.slice();
      post({ type: 'embedded', id: request.id, vector: own }, [own.buffer]);
    } catch (error) {
      post({ type: 'error', id: request.id, error: toWorkerError(error) });
    }
  }
}

/** Stands in for the audio sessions: only concepts are embedded here; any use is a bug and says so. */
const NO_SESSION = new Proxy({} as InferenceSession, {
  get(_target, property) {
    throw new Error(`internal: the text worker used an audio session (${String(property)})`);
  },
});

scope.onmessage = (event: MessageEvent<TextWorkerRequest>) => {
  const request = event.data;
  queue = queue.then(() => handle(request));
};
post({ type: 'started' });
