import { InvalidValueError } from './errors.js';

/**
 * Pulls an async sequence ahead of its consumer into a bounded queue, starting
 * at once: work behind the sequence (decoding, features) runs while the
 * consumer is busy elsewhere (opening a model, waiting on an encoder run), but
 * never more than `capacity` items ahead, so memory stays bounded and items
 * are produced no faster than they are consumed. Order, values and errors are
 * the source's: an error is thrown where the consumer would have met it.
 * Ending the loop early stops the pulling and closes the source.
 *
 * @example
 * ```ts
 * const chunks = prefetch(songChunkFeatures(stream, extractor), 8); // decoding starts now
 * const session = await openSession(); // meanwhile, up to 8 chunks get ready
 * for await (const chunk of chunks) await encode(session, chunk);
 * ```
 */
export function prefetch<T>(source: AsyncIterable<T> | Iterable<T>, capacity: number): AsyncIterableIterator<T> {
  if (!Number.isInteger(capacity) || capacity < 1) throw new InvalidValueError('capacity', capacity, 'an integer >= 1');
  const iterator = Symbol.asyncIterator in source ? (source as AsyncIterable<T>)[Symbol.asyncIterator]() : toAsync((source as Iterable<T>)[Symbol.iterator]());
  const queue: IteratorResult<T>[] = [];
  let failure: { error: unknown } | undefined;
  let pulling = false;
  let stopped = false;
  let sourceDone = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const pump = async () => {
    if (pulling) return;
    pulling = true;
    try {
      while (!stopped && !sourceDone && !failure && queue.length < capacity) {
        const result = await iterator.next();
        if (stopped) break;
        sourceDone = result.done === true;
        queue.push(result);
        notify();
      }
    } catch (error) {
      failure = { error };
      notify();
    } finally {
      pulling = false;
    }
  };
  void pump();

  const self: AsyncIterableIterator<T> = {
    async next(): Promise<IteratorResult<T>> {
      for (;;) {
        const item = queue.shift();
        if (item) {
          if (item.done) stopped = true;
          else void pump(); // room again: keep the producer going
          return item;
        }
        if (failure) {
          const { error } = failure;
          throw error;
        }
        if (stopped) return { done: true, value: undefined };
        const waiting = new Promise<void>((resolve) => (wake = resolve));
        void pump();
        await waiting;
      }
    },
    async return(): Promise<IteratorResult<T>> {
      stopped = true;
      queue.length = 0;
      notify();
      await iterator.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return self;
    },
  };
  return self;
}

function toAsync<T>(iterator: Iterator<T>): AsyncIterator<T> {
  return {
    next: async () => iterator.next(),
    return: async () => iterator.return?.() ?? { done: true, value: undefined },
  };
}
