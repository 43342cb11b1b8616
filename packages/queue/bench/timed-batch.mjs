/**
 * What both queue benchmarks time: one score batch of already-hashed songs,
 * added and waited for until no job is pending. The batch is spelled out
 * (songBatch would hash the files again, inside the timing).
 *
 * @param {import('../dist/index.js').RefractorQueue} queue
 * @param {{ path: string, sha256: string }[]} hashed
 * @returns {Promise<number>} seconds from the add to the last result
 */
export async function timeScoreBatch(queue, hashed) {
  const settings = { chunk_size_s: 30, chunk_stride_s: 5, crop: 'start', seed: 0, concept: null, target: null };
  const started = performance.now();
  const { batch } = await queue.addBatch({
    task: 'score',
    settings,
    entries: hashed.map((input) => ({ data: { v: 1, task: 'score', input, settings }, item: { file: input.path } })),
  });
  for (;;) {
    const progress = await queue.progress(batch);
    if (progress.pending === 0) {
      if (progress.failed > 0) throw new Error(`${progress.failed} jobs failed`);
      return (performance.now() - started) / 1000;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
