import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Refractor } from '@refractor/node';
import { makeWav, sine } from '@refractor/test-helpers';
import { REDIS_SKIP_REASON, startRedisServer, type RedisServer } from '@refractor/test-helpers/redis-server';
import { QueueUnreachableError, RefractorQueue, queueError, redact, songBatch, type SongJobSettings } from '../src/index.js';
import { startWorker, type RefractorWorker } from '../src/worker.js';

// A Redis that does not answer, with a real redis-server: SIGSTOPped, it keeps
// its connections and answers nothing, as a partition looks to a client; a
// closed port refuses at once. Nothing is mocked.

const settings: SongJobSettings = { chunk_size_s: 30, chunk_stride_s: 5, crop: 'start', seed: 0, concept: null, target: null };
const work = mkdtempSync(join(tmpdir(), 'refractor-reach-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A port on which nothing listens (a server that was just closed there). */
async function closedPort(): Promise<number> {
  const redis = await startRedisServer();
  const port = redis.port;
  await redis.dispose();
  return port;
}

const get = async (port: number, path: string) => {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return performance.now() - start;
}

describe('redact', () => {
  it('hides the password of a Redis URL, and only that', () => {
    expect(redact('redis://app:s3cret@10.0.0.5:6379/0')).toBe('redis://app:***@10.0.0.5:6379/0');
    expect(redact('rediss://:s3cret@host:6380')).toBe('rediss://:***@host:6380');
    expect(redact('redis://s3cret@host')).toBe('redis://***@host');
    expect(redact('redis://10.0.0.5:6379')).toBe('redis://10.0.0.5:6379');
  });

  it('maps "no answer" errors to queue-unreachable and leaves the rest alone', () => {
    const mapped = queueError(new Error('Command timed out'), 'redis://u:pw@h:1');
    expect(mapped).toBeInstanceOf(QueueUnreachableError);
    expect((mapped as QueueUnreachableError).code).toBe('queue-unreachable');
    expect((mapped as Error).message).toBe('cannot reach Redis at redis://u:***@h:1: Command timed out');
    const reply = new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
    expect(queueError(reply, 'redis://h:1')).toBe(reply);
  });
});

const skip = REDIS_SKIP_REASON !== undefined;
describe.skipIf(skip)(`a Redis that does not answer${skip ? ` (SKIPPED: ${REDIS_SKIP_REASON})` : ''}`, () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    redis?.thaw();
    await redis?.dispose();
  });

  it('open() fails with queue-unreachable, the password hidden, when nothing listens', async () => {
    const port = await closedPort();
    const error = await RefractorQueue.open(`redis://app:s3cret@127.0.0.1:${port}`, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueUnreachableError);
    expect((error as QueueUnreachableError).code).toBe('queue-unreachable');
    expect((error as Error).message).toContain(`redis://app:***@127.0.0.1:${port}`);
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('a command fails with queue-unreachable after the time limit when Redis stops answering, and close() does not hang', { timeout: 30_000 }, async () => {
    const queue = await RefractorQueue.open(redis.url, { queue: 'frozen', timeoutMs: 1500 });
    expect((await queue.status()).counts.waiting).toBe(0);
    redis.freeze();
    try {
      const start = performance.now();
      const error = await queue.status().catch((e: unknown) => e);
      const took = performance.now() - start;
      expect(error).toBeInstanceOf(QueueUnreachableError);
      expect((error as Error).message).toMatch(/timed out/i);
      // The limit, not the kernel's quarter of an hour.
      expect(took).toBeGreaterThan(1000);
      expect(took).toBeLessThan(10_000);
      const closing = performance.now();
      await queue.close();
      expect(performance.now() - closing).toBeLessThan(6000);
    } finally {
      redis.thaw();
    }
    // Redis answers again: a new client works.
    const again = await RefractorQueue.open(redis.url, { queue: 'frozen', timeoutMs: 1500 });
    expect((await again.status()).queue).toBe('frozen');
    await again.close();
  });

  it('progress counts the inputs whose job is gone as missing; adding the batch again queues exactly those', async () => {
    const files = [0, 1, 2].map((i) => {
      const path = join(work, `m${i}.wav`);
      writeFileSync(path, makeWav({ sampleRate: 22050, channels: [sine(220 + 50 * i, 1, 22050)], bits: 16 }));
      return path;
    });
    const queue = await RefractorQueue.open(redis.url, { queue: 'missing' });
    try {
      const batch = await songBatch(files, settings);
      const first = await queue.addBatch(batch);
      expect(first).toMatchObject({ added: 3, jobs: 3, existing: false });
      expect(await queue.progress(first.batch)).toMatchObject({ pending: 3, missing: 0, missingInputs: [] });
      // Redis loses one job (as a Redis without persistence does in a restart).
      const lost = batch.entries[1]!.data!;
      const { jobIdFor } = await import('../src/jobs.js');
      expect(await queue.queue.remove(jobIdFor(lost))).toBe(1);
      expect(await queue.progress(first.batch)).toMatchObject({ pending: 2, failed: 0, missing: 1, missingInputs: [files[1]] });
      const again = await queue.addBatch(await songBatch(files, settings));
      expect(again).toMatchObject({ batch: first.batch, existing: true, added: 1 });
      expect(await queue.progress(first.batch)).toMatchObject({ pending: 3, missing: 0 });
      // And once more: nothing new.
      expect((await queue.addBatch(await songBatch(files, settings))).added).toBe(0);
      expect((await queue.status()).counts.waiting).toBe(3);
    } finally {
      await queue.close();
    }
  });

  describe('the worker health endpoint', () => {
    let refractor: Refractor;
    let worker: RefractorWorker | undefined;
    beforeAll(async () => {
      refractor = await Refractor.load({ models: 'tiny', offline: true });
    });
    afterAll(async () => {
      redis.thaw();
      await worker?.close();
      await refractor?.close();
    });

    it('is ready and live with Redis; not ready, then not live, while Redis is silent; both again after; close() does not hang on a silent Redis', { timeout: 60_000 }, async () => {
      worker = await startWorker(refractor, { redis: redis.url, queue: 'health', healthPort: 0, healthReadyWithinMs: 1000, healthLiveWithinMs: 3000, redisTimeoutMs: 1000 });
      const port = worker.health().port!;
      expect(port).toBeGreaterThan(0);
      expect(await get(port, '/readyz')).toMatchObject({ status: 200, body: { ready: true, live: true, active: 0 } });
      expect((await get(port, '/livez')).status).toBe(200);
      expect((await get(port, '/healthz')).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404);

      redis.freeze();
      const notReady = await until('/readyz to answer 503', async () => (await get(port, '/readyz')).status === 503, 10_000);
      // Within the window (1 s) and a PING interval or two.
      expect(notReady).toBeLessThan(4000);
      await until('/livez to answer 503', async () => (await get(port, '/livez')).status === 503, 10_000);
      expect((await get(port, '/healthz')).status).toBe(503);
      expect(worker.health()).toMatchObject({ ready: false, live: false });

      redis.thaw();
      // Back within the time the connection needs to come back (socket dropped, reconnect).
      await until('/healthz to answer 200 again', async () => (await get(port, '/healthz')).status === 200, 30_000);

      redis.freeze();
      await until('/readyz to answer 503', async () => (await get(port, '/readyz')).status === 503, 10_000);
      const closing = performance.now();
      await worker.close();
      worker = undefined;
      // Gives up on the silent Redis after its time limit (1 s) instead of waiting for it.
      expect(performance.now() - closing).toBeLessThan(8000);
      await expect(fetch(`http://127.0.0.1:${port}/readyz`)).rejects.toThrow();
      redis.thaw();
    });
  });
});
