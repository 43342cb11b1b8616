/**
 * Decoding and CLAP feature extraction in a Web Worker of their own, started
 * by `RefractorWeb.scoreFile` where web Workers exist: the thread running
 * onnxruntime-web then only runs models, and chunk k+1's features are
 * computed while chunk k is encoded. Each chunk's features are transferred
 * (never copied) as they come; the worker stays at most a few chunks ahead
 * of the encoder (credits: one `more` message per chunk taken), so memory
 * stays bounded on long songs.
 *
 * Messages in: `start` (the file's bytes, transferred; the preprocessor
 * config and feature settings), then `more`. Out: `started`, `chunk`,
 * `done`, `error`. See ./features-worker-protocol.ts.
 */
import { errorOutcome } from '@refractor/core';
import { AudioDecodeError, ClapFeatureExtractor, openAudioStream, songChunkFeatures, type ChunkFeatures } from '@refractor/audio';
import type { FeaturesWorkerRequest, FeaturesWorkerResponse } from './features-worker-protocol.js';

const scope = self as unknown as { postMessage(message: unknown, transfer?: Transferable[]): void; onmessage: ((event: MessageEvent) => void) | null };
const post = (message: FeaturesWorkerResponse, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

let credits = 0;
let wake: (() => void) | undefined;

async function run(request: Extract<FeaturesWorkerRequest, { type: 'start' }>): Promise<void> {
  try {
    const extractor = new ClapFeatureExtractor(request.config);
    const stream = await openAudioStream([request.bytes], { name: request.settings.name });
    for await (const chunk of songChunkFeatures(stream, extractor, request.settings)) {
      while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
      credits -= 1;
      const own: ChunkFeatures = chunk.features.byteOffset === 0 && chunk.features.byteLength === chunk.features.buffer.byteLength ? chunk : { ...chunk, features: chunk.features.slice() };
      post({ type: 'chunk', chunk: own }, [own.features.buffer]);
    }
    post({ type: 'done' });
  } catch (error) {
    const { code, reason, message } = errorOutcome(error);
    const decode = error instanceof AudioDecodeError ? { file: error.file, kind: error.kind, detail: error.detail } : {};
    post({ type: 'error', error: { name: error instanceof Error ? error.name : 'Error', message, code, ...(reason !== undefined ? { reason } : {}), ...decode } });
  }
}

scope.onmessage = (event: MessageEvent<FeaturesWorkerRequest>) => {
  const request = event.data;
  if (request.type === 'start') {
    credits = request.ahead;
    void run(request);
  } else if (request.type === 'more') {
    credits += 1;
    wake?.();
    wake = undefined;
  }
};
post({ type: 'started' });
