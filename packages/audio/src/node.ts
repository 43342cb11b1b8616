import { open, readFile, stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { decodeAudio, openAudioStream, type AudioStream, type DecodedAudio } from './decode.js';
import { downmix } from './downmix.js';
import { AudioDecodeError, UNNAMED_INPUT } from './errors.js';
import type { ClapFeatureConfig } from './features/index.js';
import type { FromWorker, SerializedError, ToWorker } from './featurize-protocol.js';
import { oggTruncation, type OggTruncation } from './ogg-end.js';
import type { PcmBlock } from './pcm.js';
import type { ChunkFeatures, SongFeatureOptions, SongFeatureSummary } from './song-features.js';

/** Bytes read per step. 64 KiB measured fastest for the WASM decoders (they concatenate their output per call), and keeps memory flat. */
const READ_CHUNK_BYTES = 64 * 1024;

/**
 * Checks that `path` is a readable regular file, turning file-system errors
 * into {@link AudioDecodeError}s that name the file.
 */
async function checkFile(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new AudioDecodeError(path, 'not-a-file', info.isDirectory() ? 'is a directory' : 'is not a regular file');
    return info.size;
  } catch (error) {
    if (error instanceof AudioDecodeError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String((error as Error).message);
    throw new AudioDecodeError(path, 'unreadable', reason, { cause: error });
  }
}

/** Options for {@link openAudioFile}. */
export interface OpenFileOptions {
  /** Called after each read with the bytes read so far and the file size (for progress bars). */
  onBytesRead?: (bytesRead: number, totalBytes: number) => void;
}

/** Reads a file in fixed-size chunks (fresh buffers: decoders may keep references). */
async function* readChunks(path: string, totalBytes: number, options: OpenFileOptions): AsyncGenerator<Uint8Array> {
  let bytesRead = 0;
  const handle = await open(path, 'r');
  try {
    for (;;) {
      const buffer = new Uint8Array(READ_CHUNK_BYTES);
      const read = (await handle.read(buffer, 0, READ_CHUNK_BYTES, null)).bytesRead;
      if (read === 0) return;
      bytesRead += read;
      options.onBytesRead?.(bytesRead, totalBytes);
      yield read === READ_CHUNK_BYTES ? buffer : buffer.subarray(0, read);
    }
  } finally {
    await handle.close();
  }
}

/**
 * Opens an audio file for streaming decode (Node only): memory stays bounded
 * whatever the file's length.
 *
 * @example
 * ```ts
 * const stream = await openAudioFile('song.flac');
 * for await (const block of stream) { … }
 * ```
 */
export async function openAudioFile(path: string, options: OpenFileOptions = {}): Promise<AudioStream> {
  const size = await checkFile(path);
  if (size === 0) throw new AudioDecodeError(path, 'empty', 'the file holds 0 bytes');
  return openAudioStream(readChunks(path, size, options), { name: path });
}

/**
 * Decodes a whole file into memory (Node only). Prefer {@link openAudioFile}
 * for long files.
 */
export async function decodeAudioFile(path: string): Promise<DecodedAudio> {
  const size = await checkFile(path);
  if (size === 0) throw new AudioDecodeError(path, 'empty', 'the file holds 0 bytes');
  return decodeAudio(new Uint8Array(await readFile(path)), { name: path });
}

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
  const worker = takeFeatureWorker();
  const inbox = new MessageInbox<FromWorker>();
  const onMessage = (message: FromWorker) => inbox.put(message);
  const onError = (error: Error) => inbox.put({ type: 'error', error: { kind: 'other', name: error.name, message: error.message, stack: error.stack } });
  worker.on('message', onMessage);
  worker.on('error', onError);
  let finished = false;
  const send = (message: ToWorker, transfer: ArrayBuffer[] = []) => worker.postMessage(message, transfer);
  const receive = async (): Promise<Extract<FromWorker, { type: 'chunks' | 'done' }>> => {
    const message = await inbox.take();
    if (message.type === 'error') throw rebuildError(message.error);
    return message;
  };
  try {
    let started = false;
    let inFlight = 0;
    for await (const block of blocks) {
      if (!started) {
        send({ type: 'start', config, sourceSampleRate: block.sampleRate, options: featureOptions });
        started = true;
      }
      const mono = downmix(block.channels);
      // A mono block is the decoder's own array: copy it rather than detach it.
      send({ type: 'push', mono }, block.channels.length > 1 ? [mono.buffer as ArrayBuffer] : []);
      inFlight += 1;
      while (inFlight >= maxBlocksInFlight || inbox.ready) {
        const message = await receive();
        inFlight -= 1;
        yield* message.chunks;
      }
    }
    if (!started) throw new AudioDecodeError(options.name ?? UNNAMED_INPUT, 'no-audio', 'the input decodes to 0 samples');
    send({ type: 'finish' });
    for (;;) {
      const message = await receive();
      yield* message.chunks;
      if (message.type === 'done') {
        finished = true;
        onSummary?.(message.summary);
        return;
      }
    }
  } finally {
    worker.off('message', onMessage);
    worker.off('error', onError);
    // Only a worker that finished its song cleanly has nothing of it left in flight.
    if (finished && !inbox.ready) returnFeatureWorker(worker);
    else await worker.terminate();
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
