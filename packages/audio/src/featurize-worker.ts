// Worker side of songChunkFeaturesInWorker and songFileFeaturesInWorker: hosts a ChunkFeaturizer
// so resampling and log-mel (and, for a file, reading and decoding too) run beside the thread
// that runs the encoder.
import { parentPort } from 'node:worker_threads';
import { downmix } from './downmix.js';
import { AudioDecodeError, UNNAMED_INPUT } from './errors.js';
import { ClapFeatureExtractor } from './features/index.js';
import { openAudioFile } from './audio-file.js';
import { openAudioStream } from './decode.js';
import { ChunkFeaturizer, type ChunkFeatures } from './song-features.js';
import type { FromWorker, ToWorker } from './featurize-protocol.js';

let featurizer: ChunkFeaturizer | undefined;
const port = parentPort!;

/** Chunks the parent will still take without waiting (file jobs), and the file loop waiting for more. */
let credits = 0;
let wake: (() => void) | undefined;

function post(message: FromWorker, chunks: ChunkFeatures[] = []): void {
  port.postMessage(message, chunks.map((chunk) => chunk.features.buffer as ArrayBuffer));
}

function postError(error: unknown): void {
  const e = error as Error;
  post({
    type: 'error',
    error:
      error instanceof AudioDecodeError
        ? { kind: 'audio', file: error.file, code: error.kind, reason: error.detail }
        : { kind: 'other', name: e.name, message: e.message, stack: e.stack },
  });
}

/** Reads (or takes), decodes, downmixes and featurizes a file, never more than the parent's credits ahead. */
async function featurizeFile(job: Extract<ToWorker, { type: 'file' }>): Promise<void> {
  credits = job.chunksAhead;
  let started = performance.now();
  const name = job.options.name ?? UNNAMED_INPUT;
  const stream = 'path' in job.source ? await openAudioFile(job.source.path) : await openAudioStream([job.source.bytes], { name });
  const blocks = stream[Symbol.asyncIterator]();
  let decodeMs = performance.now() - started;
  let song: ChunkFeaturizer | undefined;
  for (;;) {
    while (credits <= 0) await new Promise<void>((resolve) => (wake = resolve));
    started = performance.now();
    const next = await blocks.next();
    decodeMs += performance.now() - started;
    if (next.done) break;
    song ??= new ChunkFeaturizer(new ClapFeatureExtractor(job.config), next.value.sampleRate, job.options);
    const chunks = song.push(downmix(next.value.channels));
    credits -= chunks.length;
    if (chunks.length > 0) post({ type: 'chunks', chunks }, chunks);
  }
  if (!song) throw new AudioDecodeError(name, 'no-audio', 'the input decodes to 0 samples');
  const { chunks, summary } = song.finish();
  post({ type: 'done', chunks, summary, decodeMs }, chunks);
}

port.on('message', (message: ToWorker) => {
  try {
    if (message.type === 'start') {
      featurizer = new ChunkFeaturizer(new ClapFeatureExtractor(message.config), message.sourceSampleRate, message.options);
    } else if (message.type === 'push') {
      const chunks = featurizer!.push(message.mono);
      post({ type: 'chunks', chunks }, chunks);
    } else if (message.type === 'finish') {
      const { chunks, summary } = featurizer!.finish();
      post({ type: 'done', chunks, summary }, chunks);
    } else if (message.type === 'file') {
      featurizeFile(message).catch(postError);
    } else {
      credits += message.chunks;
      const resolve = wake;
      wake = undefined;
      resolve?.();
    }
  } catch (error) {
    postError(error);
  }
});
