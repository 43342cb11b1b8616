import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWav, sine } from '@refractor/test-helpers';
import { REDIS_SKIP_REASON, startRedisServer, type RedisServer } from '@refractor/test-helpers/redis-server';
import { RefractorQueue, songBatch, type SongJobSettings } from '../src/index.js';
import { startWorker, type RefractorWorker } from '../src/worker.js';

// A worker running several jobs at once with cross-request batching on puts
// their chunks into shared CLAP runs; its records must be those of a worker
// without batching, one job at a time, byte for byte. Both run CLAP 16 chunks
// per song at a time (every song has 7–13 chunks), so every run holds several
// rows and the tiny CLAP's rows are bit-identical whatever their neighbours
// (see packages/node/test/cross-request-batching.test.ts).

const work = mkdtempSync(join(tmpdir(), 'refractor-queue-batching-'));
const settings: SongJobSettings = { chunk_size_s: 5, chunk_stride_s: 2, crop: 'random', seed: 3, concept: 'rain on a tin roof', target: 'Indigo' };

function song(index: number): string {
  const rate = 44100;
  const seconds = 14 + 3 * index;
  const left = sine(180 + 70 * index, seconds, rate, 0.3);
  for (let i = 0; i < left.length; i++) left[i]! += 0.15 * Math.sin((2 * Math.PI * (300 + index * 40 + i / 80) * i) / rate);
  const path = join(work, `song-${index}.wav`);
  writeFileSync(path, makeWav({ sampleRate: rate, channels: [left, sine(260 + 45 * index, seconds, rate, 0.2)], bits: 16 }));
  return path;
}

/** Queues the songs on `queue` and reads back their records as JSON lines, in input order. */
async function records(redis: RedisServer, queue: string, songs: string[]): Promise<string[]> {
  const client = await RefractorQueue.open(redis.url, { queue });
  try {
    const { batch } = await client.addBatch(await songBatch(songs, settings));
    for (let progress = await client.progress(batch); progress!.pending > 0; progress = await client.progress(batch)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const lines: string[] = [];
    for await (const record of client.records(batch)) lines.push(JSON.stringify(record));
    return lines;
  } finally {
    await client.close();
  }
}

let redis: RedisServer;
let songs: string[];
const workers: RefractorWorker[] = [];
beforeAll(async () => {
  if (REDIS_SKIP_REASON) return;
  redis = await startRedisServer();
  songs = [0, 1, 2, 3].map(song);
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.close()));
  await redis?.dispose();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(REDIS_SKIP_REASON !== undefined)(`a worker with cross-request batching${REDIS_SKIP_REASON ? ` (SKIPPED: ${REDIS_SKIP_REASON})` : ''}`, () => {
  it('runs four jobs at once in shared CLAP runs and writes the records of a worker without it, byte for byte', { timeout: 180_000 }, async () => {
    const load = { models: 'tiny', offline: true, batchSize: 16 } as const;
    workers.push(await startWorker({ ...load, crossRequestBatching: false }, { redis: redis.url, queue: 'plain', concurrency: 1 }));
    const expected = await records(redis, 'plain', songs);
    expect(expected).toHaveLength(4);
    expect(expected.every((line) => JSON.parse(line).predicted_color)).toBe(true);

    const debug: string[] = [];
    // 64 chunks, 1 s: the four songs' chunks (40) fit one run, so no song's submission is split.
    const batched = await startWorker({ ...load, crossRequestBatching: { maxBatch: 64, maxWaitMs: 1000 } }, { redis: redis.url, queue: 'batched', concurrency: 4, debug: (line) => debug.push(line) });
    workers.push(batched);
    expect(await records(redis, 'batched', songs)).toEqual(expected);
    // The debug lines give the run sizes; a run above 16 chunks held chunks of more than one job (each submits at most 13).
    const sizes = debug.flatMap((line) => [...(/sizes ([^)]*)\)/.exec(line)?.[1] ?? '').matchAll(/(\d+)×(\d+)/g)].map((m) => Number(m[1])));
    expect(debug[0]).toMatch(/^encoder: \d+ CLAP runs?, \d+ chunks \(mean [\d.]+; sizes [\d×, ]+\); cross-request batching on \(max 64 chunks, 1000 ms\)$/);
    expect(Math.max(...sizes)).toBeGreaterThan(16);
  });
});
