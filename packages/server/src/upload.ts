import type { AudioStream } from '@refractor/audio';
import { ApiError } from './errors.js';

/** Bytes read so far across all the parts of one request (the body limit covers the whole body). */
export interface ByteBudget {
  used: number;
  readonly limit: number;
}

/**
 * An upload's bytes as `Uint8Array` chunks, read only as fast as decoding
 * takes them (backpressure keeps memory flat), with the body limit enforced
 * while streaming: the chunk that crosses it raises `413` instead of being
 * kept. Read errors from the socket or the multipart parser become `400`.
 */
export async function* uploadBytes(body: AsyncIterable<Uint8Array>, budget: ByteBudget, signal: AbortSignal, field?: string): AsyncGenerator<Uint8Array> {
  // No iterator.return() on the way out: destroying a request stream would
  // reset the socket before the 4xx that explains the failure is written.
  const iterator = body[Symbol.asyncIterator]();
  const aborted = abortion(signal);
  for (;;) {
    let next: IteratorResult<Uint8Array>;
    try {
      next = await Promise.race([iterator.next(), aborted]);
    } catch (error) {
      throw signal.aborted ? signal.reason : readError(error, budget, field);
    }
    if (next.done) return;
    budget.used += next.value.length;
    if (budget.used > budget.limit) throw tooLarge(budget.limit, field);
    // A copy: parsers may reuse the memory behind a chunk, and decoders keep references.
    yield new Uint8Array(next.value);
  }
}

const abortions = new WeakMap<AbortSignal, Promise<never>>();

/**
 * A promise that rejects with the signal's reason when it aborts (and never
 * otherwise): race every wait on the client against it. One per signal, so
 * a request of many parts adds one abort listener, not one per wait.
 */
export function abortion(signal: AbortSignal): Promise<never> {
  let promise = abortions.get(signal);
  if (!promise) {
    promise = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    promise.catch(() => undefined);
    abortions.set(signal, promise);
  }
  return promise;
}

/** The `413` for a body over the limit. */
export function tooLarge(limit: number, field?: string): ApiError {
  return new ApiError('too-large', `the upload is larger than the server's ${limit}-byte limit`, field, { connection: 'close' });
}

function readError(error: unknown, budget: ByteBudget, field?: string): ApiError {
  const status = (error as { statusCode?: number }).statusCode;
  if (status === 413) return tooLarge(budget.limit, field);
  if (error instanceof ApiError) return error;
  return new ApiError('malformed-body', `the request body could not be read: ${(error as Error).message}`, field);
}

/** The first `count` bytes of a source (fewer if it ends) and a source that replays them before the rest. */
export async function peekBytes(source: AsyncIterable<Uint8Array>, count: number): Promise<{ head: Uint8Array; source: AsyncIterable<Uint8Array> }> {
  const iterator = source[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let done = false;
  while (length < count) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    chunks.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(chunks).subarray(0, count);
  const replay = (async function* () {
    yield* chunks;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  })();
  return { head: new Uint8Array(head), source: replay };
}

/**
 * A decoded stream that stops with `413` once it holds more than
 * `maxSeconds` of audio, and with the abort reason when `signal` aborts
 * (timeout, client gone), so no CPU is spent on answers nobody will read.
 */
export function limitDuration(stream: AudioStream, options: { maxSeconds: number; signal: AbortSignal; name: string; field?: string }): AudioStream & { name: string } {
  const { maxSeconds, signal, field } = options;
  return {
    format: stream.format,
    name: options.name,
    async *[Symbol.asyncIterator]() {
      let seconds = 0;
      for await (const block of stream) {
        if (signal.aborted) throw signal.reason;
        seconds += (block.channels[0]?.length ?? 0) / block.sampleRate;
        if (seconds > maxSeconds) {
          throw new ApiError('too-long', `the audio is longer than the server's ${maxSeconds} s limit`, field, { connection: 'close' });
        }
        yield block;
      }
    },
  };
}
