// Worker side of songChunkFeaturesInWorker: hosts a ChunkFeaturizer so
// resampling and log-mel run on a second core while the main thread decodes.
import { parentPort } from 'node:worker_threads';
import { AudioDecodeError } from './errors.js';
import { ClapFeatureExtractor } from './features/index.js';
import { ChunkFeaturizer, type ChunkFeatures } from './song-features.js';
import type { FromWorker, ToWorker } from './featurize-protocol.js';

let featurizer: ChunkFeaturizer | undefined;
const port = parentPort!;

function post(message: FromWorker, chunks: ChunkFeatures[] = []): void {
  port.postMessage(message, chunks.map((chunk) => chunk.features.buffer as ArrayBuffer));
}

port.on('message', (message: ToWorker) => {
  try {
    if (message.type === 'start') {
      featurizer = new ChunkFeaturizer(new ClapFeatureExtractor(message.config), message.sourceSampleRate, message.options);
    } else if (message.type === 'push') {
      const chunks = featurizer!.push(message.mono);
      post({ type: 'chunks', chunks }, chunks);
    } else {
      const { chunks, summary } = featurizer!.finish();
      post({ type: 'done', chunks, summary }, chunks);
    }
  } catch (error) {
    const e = error as Error;
    post({
      type: 'error',
      error:
        error instanceof AudioDecodeError
          ? { kind: 'audio', file: error.file, code: error.kind, reason: error.detail }
          : { kind: 'other', name: e.name, message: e.message, stack: e.stack },
    });
  }
});
