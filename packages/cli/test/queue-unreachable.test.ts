import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefractorQueue } from '@refractor/queue';
import { makeWav, sine } from '@refractor/test-helpers';
import { REDIS_SKIP_REASON, startRedisServer, type RedisServer } from '@refractor/test-helpers/redis-server';
import { spawnWorker, waitFor } from './queue-helpers.js';
import { runRefractorAsync } from './run-cli.js';

// The queue commands against a Redis that does not answer (a real
// redis-server, closed or SIGSTOPped), the health endpoint of a real
// `refractor worker`, and `queue status` naming the inputs Redis lost.

const work = mkdtempSync(join(tmpdir(), 'refractor-unreachable-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const skip = REDIS_SKIP_REASON !== undefined;
describe.skipIf(skip)(`queue commands when Redis does not answer${skip ? ` (SKIPPED: ${REDIS_SKIP_REASON})` : ''}`, () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    redis?.thaw();
    await redis?.dispose();
  });

  it('exit with status 3 and code queue-unreachable, the password hidden: nothing listening, or a silent Redis', { timeout: 60_000 }, async () => {
    const closed = await startRedisServer();
    const port = closed.port;
    await closed.dispose();
    const refused = await runRefractorAsync(['queue', 'status', '--redis', `redis://app:s3cret@127.0.0.1:${port}`, '--redis-timeout', '1000']);
    expect(refused.status, refused.stderr).toBe(3);
    expect(refused.stderr).toContain(`cannot reach Redis at redis://app:***@127.0.0.1:${port}`);
    expect(refused.stderr).not.toContain('s3cret');

    const song = join(work, 'a.wav');
    writeFileSync(song, makeWav({ sampleRate: 22050, channels: [sine(440, 1, 22050)], bits: 16 }));
    redis.freeze();
    try {
      const start = performance.now();
      const silent = await runRefractorAsync(['queue', 'add', song, '--redis', redis.url, '--queue', 'silent', '--redis-timeout', '1500'], { timeoutMs: 30_000 });
      expect(silent.status, silent.stderr).toBe(3);
      expect(silent.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: .*timed out/i);
      expect(performance.now() - start).toBeLessThan(20_000);
    } finally {
      redis.thaw();
    }
    // Redis answers again: the same add works, once.
    const add = await runRefractorAsync(['queue', 'add', song, '--redis', redis.url, '--queue', 'silent']);
    expect(add.status, add.stderr).toBe(0);
    expect(add.stderr).toMatch(/: 1 input, 1 job \(1 new, 0 already queued or done\)/);
  });

  it('queue status names the inputs whose job Redis lost, and the same add queues exactly those', { timeout: 60_000 }, async () => {
    const songs = [0, 1, 2].map((i) => {
      const path = join(work, `s${i}.wav`);
      writeFileSync(path, makeWav({ sampleRate: 22050, channels: [sine(300 + 40 * i, 1, 22050)], bits: 16 }));
      return path;
    });
    const flags = ['--redis', redis.url, '--queue', 'lost'];
    const add = await runRefractorAsync(['queue', 'add', ...songs, ...flags]);
    expect(add.status, add.stderr).toBe(0);
    const batch = add.stdout.trim();
    const queue = await RefractorQueue.open(redis.url, { queue: 'lost' });
    // Redis loses the second input's job (as one without persistence does in a restart).
    const outcomes = [];
    for await (const outcome of queue.outcomes(batch)) outcomes.push(outcome);
    expect(await queue.queue.remove(outcomes[1]!.item.job!)).toBe(1);
    await queue.close();

    const status = await runRefractorAsync(['queue', 'status', '--batch', batch, ...flags]);
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout).toContain('2 pending, 1 missing');
    expect(status.stdout).toContain(`    missing: ${songs[1]}`);
    const again = await runRefractorAsync(['queue', 'add', ...songs, ...flags]);
    expect(again.stderr).toContain(`batch already queued ${batch}: 3 inputs, 3 jobs (1 new, 2 already queued or done)`);
    const after = await runRefractorAsync(['queue', 'status', '--batch', batch, '--json', ...flags]);
    expect(JSON.parse(after.stdout).batches[0]).toMatchObject({ pending: 3, missing: 0, missingInputs: [] });
  });

  it('refractor worker --health-port serves /readyz and /livez', { timeout: 60_000 }, async () => {
    const worker = spawnWorker(['--redis', redis.url, '--queue', 'probe', '--models', 'tiny', '--offline', '--health-port', '0', '--health-ready-within', '1000']);
    try {
      await waitFor('the worker to be ready', () => /health on http:\/\/127\.0\.0\.1:\d+\/healthz/.test(worker.log()), 30_000);
      const port = Number(/health on http:\/\/127\.0\.0\.1:(\d+)\//.exec(worker.log())![1]);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/livez`)).status).toBe(200);
      redis.freeze();
      await waitFor('/readyz to answer 503', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 503, 10_000);
      redis.thaw();
      await waitFor('/readyz to answer 200 again', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 30_000);
    } finally {
      redis.thaw();
      expect((await worker.stop(10_000)).code).toBe(0);
    }
  });
});
