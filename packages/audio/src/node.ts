import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { downmix } from './downmix.js';
import { AudioDecodeError, UNNAMED_INPUT } from './errors.js';
import type { ClapFeatureConfig } from './features/index.js';
import type { FromWorker, SerializedError, ToWorker } from './featurize-protocol.js';
import { oggTruncation, type OggTruncation } from './ogg-end.js';
import type { PcmBlock } from './pcm.js';
import type { ChunkFeatures, SongFeatureOptions, SongFeatureSummary } from './song-features.js';

export { decodeAudioFile, openAudioFile, type OpenFileOptions } from './audio-file.js';

/** Options for {@link songChunkFeaturesInWorker}. */
export interface WorkerFeatureOptions extends SongFeatureOptions {
  /** The CLAP checkpoint's preprocessor settings. */
  config: ClapFeatureConfig;
  /** Mono blocks handed to the worker and not yet processed, at most (bounds memory; default 4). */
  maxBlocksInFlight?: number;
}

/**
 * {@link songChunkFeatures} on two cores (Node only): the calling thread
 * decodes and downmixes while a worker thread resamples, windows and computes
 * log-mel. Same chunks, same order, same values; bounded memory (the worker
 * acknowledges blocks, and decoding waits when it falls behind).
 *
 * @example
 * ```ts
 * for await (const chunk of songChunkFeaturesInWorker(await openAudioFile('song.ogg'), { config: LARGER_CLAP_MUSIC_PREPROCESSOR })) {
 *   console.log(chunk.index, chunk.features.length);
 * }
 * ```
 */
export async function* songChunkFeaturesInWorker(
  blocks: AsyncIterable<PcmBlock>,
  options: WorkerFeatureOptions,
  onSummary?: (summary: SongFeatureSummary) => void,
): AsyncGenerator<ChunkFeatures> {
  const { config, maxBlocksInFlight = 4, ...featureOptions } = options;
  const job = new FeatureWorkerJob();
  try {
    let started = false;
    let inFlight = 0;
    for await (const block of blocks) {
      if (!started) {
        job.send({ type: 'start', config, sourceSampleRate: block.sampleRate, options: featureOptions });
        started = true;
      }
      const mono = downmix(block.channels);
      // A mono block is the decoder's own array: copy it rather than detach it.
      job.send({ type: 'push', mono }, block.channels.length > 1 ? [mono.buffer as ArrayBuffer] : []);
      inFlight += 1;
      while (inFlight >= maxBlocksInFlight || job.ready) {
        const message = await job.receive();
        inFlight -= 1;
        yield* message.chunks;
      }
    }
    if (!started) throw new AudioDecodeError(options.name ?? UNNAMED_INPUT, 'no-audio', 'the input decodes to 0 samples');
    job.send({ type: 'finish' });
    for (;;) {
      const message = await job.receive();
      yield* message.chunks;
      if (message.type === 'done') {
        job.finished = true;
        onSummary?.(message.summary);
        return;
      }
    }
  } finally {
    await job.end();
  }
}

/** Options for {@link songFileFeaturesInWorker}. */
export interface FileWorkerFeatureOptions extends SongFeatureOptions {
  /** The CLAP checkpoint's preprocessor settings. */
  config: ClapFeatureConfig;
  /** Chunks the worker may have computed and not yet handed over, at most (bounds memory; default 4). */
  chunksAhead?: number;
  /** Called once at the end with the song's summary and the milliseconds the worker spent opening and decoding it. */
  onSummary?: (summary: SongFeatureSummary, decodeMs: number) => void;
}

/**
 * {@link songChunkFeatures} of an audio file, all of it on a worker thread
 * (Node only): the worker reads (given a path) or takes a copy of (given its
 * bytes), decodes, downmixes, resamples and computes log-mel the file, and
 * hands over each chunk's features. The calling thread is left
 * free for the encoder: onnxruntime-node runs a model synchronously on the
 * thread that calls it, so decoding there (as {@link songChunkFeaturesInWorker}
 * does) waits for each run and delays the next. Same chunks, same order, same
 * values; bounded memory (the worker stays at most `chunksAhead` chunks ahead
 * of the consumer). Errors are the same `AudioDecodeError`s, naming the file
 * (for bytes, `options.name`).
 *
 * @example
 * ```ts
 * for await (const chunk of songFileFeaturesInWorker('song.ogg', { config: LARGER_CLAP_MUSIC_PREPROCESSOR, name: 'song.ogg' })) {
 *   console.log(chunk.index, chunk.features.length);
 * }
 * ```
 */
export async function* songFileFeaturesInWorker(file: string | Uint8Array, options: FileWorkerFeatureOptions): AsyncGenerator<ChunkFeatures> {
  const { config, chunksAhead = 4, onSummary, ...featureOptions } = options;
  const job = new FeatureWorkerJob();
  try {
    // The worker gets its own copy of the bytes (one copy, moved over; the caller's array stays usable).
    const bytes = typeof file === 'string' ? undefined : file.slice();
    const source = bytes ? { bytes } : { path: file as string };
    const transfer = bytes ? [bytes.buffer as ArrayBuffer] : [];
    job.send({ type: 'file', source, config, options: { ...(typeof file === 'string' ? { name: file } : {}), ...featureOptions }, chunksAhead }, transfer);
    for (;;) {
      const message = await job.receive();
      for (const chunk of message.chunks) {
        yield chunk;
        job.send({ type: 'credit', chunks: 1 });
      }
      if (message.type === 'done') {
        job.finished = true;
        onSummary?.(message.summary, message.decodeMs ?? 0);
        return;
      }
    }
  } finally {
    await job.end();
  }
}

/** One song's use of a pooled feature worker: its messages in order, and its return to the pool. */
class FeatureWorkerJob {
  private readonly worker = takeFeatureWorker();
  private readonly inbox = new MessageInbox<FromWorker>();
  private readonly onMessage = (message: FromWorker) => this.inbox.put(message);
  private readonly onError = (error: Error) => this.inbox.put({ type: 'error', error: { kind: 'other', name: error.name, message: error.message, stack: error.stack } });
  /** Set once the worker has sent `done`: only then is nothing of this song left in flight. */
  finished = false;

  constructor() {
    this.worker.on('message', this.onMessage);
    this.worker.on('error', this.onError);
  }

  /** True when a message is waiting. */
  get ready(): boolean {
    return this.inbox.ready;
  }

  send(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  /** The next chunks (or the end); a worker error is rethrown here. */
  async receive(): Promise<Extract<FromWorker, { type: 'chunks' | 'done' }>> {
    const message = await this.inbox.take();
    if (message.type === 'error') throw rebuildError(message.error);
    return message;
  }

  /** Gives the worker back to the pool when it finished cleanly, else ends it (it may still be working on this song). */
  async end(): Promise<void> {
    this.worker.off('message', this.onMessage);
    this.worker.off('error', this.onError);
    if (this.finished && !this.inbox.ready) returnFeatureWorker(this.worker);
    else await this.worker.terminate();
  }
}

/**
 * Idle feature workers, kept between songs (at most {@link MAX_IDLE_WORKERS}). Why not one worker
 * per song, as before: each new worker's isolate compiles the feature code again (the first song
 * of a fresh worker costs ~1.5× the CPU of later ones), and ending a worker while V8 still compiles
 * for it in the background can abort the whole process in Node 20 ("NodePlatform::ForIsolate …
 * Assertion failed"), which short test songs hit often. Idle workers are unref'd: they never keep
 * the process alive.
 */
const idleWorkers: Worker[] = [];
const MAX_IDLE_WORKERS = 4;

function takeFeatureWorker(): Worker {
  const worker = idleWorkers.pop() ?? startFeatureWorker();
  worker.ref();
  return worker;
}

function startFeatureWorker(): Worker {
  const worker = new Worker(new URL('./featurize-worker.js', import.meta.url));
  // A worker that dies while idle is dropped from the pool.
  worker.on('exit', () => {
    const at = idleWorkers.indexOf(worker);
    if (at >= 0) idleWorkers.splice(at, 1);
  });
  return worker;
}

function returnFeatureWorker(worker: Worker): void {
  if (idleWorkers.length >= MAX_IDLE_WORKERS) {
    void worker.terminate();
    return;
  }
  worker.unref();
  idleWorkers.push(worker);
}

function rebuildError(error: SerializedError): Error {
  if (error.kind === 'audio') return new AudioDecodeError(error.file, error.code, error.reason);
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  if (error.stack) rebuilt.stack = error.stack;
  return rebuilt;
}

/** Messages in arrival order, awaited one at a time. */
class MessageInbox<T> {
  private readonly items: T[] = [];
  private waiting: ((item: T) => void) | undefined;

  get ready(): boolean {
    return this.items.length > 0;
  }

  put(item: T): void {
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve(item);
    } else this.items.push(item);
  }

  take(): Promise<T> {
    if (this.items.length) return Promise.resolve(this.items.shift()!);
    return new Promise((resolve) => (this.waiting = resolve));
  }
}

/**
 * Whether the Ogg file at `path` (Vorbis, Opus) was cut short: see
 * {@link oggTruncation}. Reads only the page headers. Undefined for a whole
 * Ogg file and for files that are not Ogg.
 *
 * @example
 * ```ts
 * const cut = await oggFileTruncation('song.ogg');
 * if (cut) console.warn(`song.ogg is truncated: ${cut.reason}`);
 * ```
 */
export async function oggFileTruncation(path: string): Promise<OggTruncation | undefined> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    return await oggTruncation(size, async (offset, length) => {
      const buffer = new Uint8Array(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    });
  } finally {
    await handle.close();
  }
}
