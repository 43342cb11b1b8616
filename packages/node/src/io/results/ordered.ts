/**
 * Runs `work` over `items` with up to `concurrency` at once and hands the
 * results to `emit` strictly in input order. The reorder buffer is bounded:
 * an item starts only while it is fewer than `concurrency` places ahead of
 * the oldest result not yet emitted, so at most `concurrency - 1` finished
 * results wait for a slow one. `work` should turn expected failures into
 * results; a rejection stops the run (after the results before it are emitted).
 *
 * @example
 * ```ts
 * await mapInOrder(files, 2, (file) => scoreOne(file), (record) => sink.write(record));
 * ```
 */
export async function mapInOrder<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
  emit: (result: R, index: number) => Promise<void>,
): Promise<void> {
  const window = Math.max(1, Math.floor(concurrency));
  const running = new Map<number, Promise<R>>();
  let started = 0;
  for (let index = 0; index < items.length; index++) {
    while (started < items.length && started < index + window) {
      const promise = work(items[started]!, started);
      // Observed here so a failure further ahead is not "unhandled" while an earlier item finishes; it is rethrown when its turn comes.
      promise.catch(() => undefined);
      running.set(started, promise);
      started += 1;
    }
    const result = await running.get(index)!;
    running.delete(index);
    await emit(result, index);
  }
}
