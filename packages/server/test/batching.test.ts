import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWav, sine } from '@refractor/test-helpers';
import { postRaw, startServer, type TestServer } from './helpers.js';

// Cross-request batching on a real server: concurrent HTTP clients' songs share
// CLAP runs, and each client must still get the record it gets alone. The
// reference is a second server with batching off, scoring one song at a time.
//
// Both servers run CLAP 16 chunks per song at a time (every song here has 7–13
// chunks), so every run, shared or not, holds several rows: the tiny CLAP's
// rows are then bit-identical whatever their neighbours (one row alone takes
// other kernels; see packages/node/test/cross-request-batching.test.ts), and
// the records must be byte-identical JSON.

const QUERY = 'chunk_size_s=5&chunk_stride_s=2&crop=random&seed=3&target=Indigo';
const CONCEPTS = ['rain on a tin roof', '', 'a song about forgetting the future', 'rain on a tin roof'];

/** A stereo WAV of 14–23 s (7–13 chunks of 5 s every 2 s): songs of different lengths end at different times. */
function song(index: number): Uint8Array {
  const rate = 44100;
  const seconds = 14 + 3 * index;
  const left = sine(180 + 70 * index, seconds, rate, 0.3);
  const right = sine(260 + 45 * index, seconds, rate, 0.2);
  for (let i = 0; i < left.length; i++) left[i]! += 0.15 * Math.sin((2 * Math.PI * (300 + index * 40 + i / 80) * i) / rate);
  return makeWav({ sampleRate: rate, channels: [left, right], bits: 16 });
}

const scoreUrl = (server: TestServer, index: number) => `${server.url}/v1/score?${QUERY}${CONCEPTS[index] ? `&concept=${encodeURIComponent(CONCEPTS[index]!)}` : ''}`;

/** `/metrics`' refractor_encoder_batch_size: runs counted under each `le` bucket, the run count and the chunk sum. */
async function batchSizes(server: TestServer): Promise<{ buckets: Map<string, number>; count: number; sum: number }> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const buckets = new Map<string, number>();
  for (const [, le, value] of text.matchAll(/^refractor_encoder_batch_size_bucket\{le="([^"]+)"\} (\d+)$/gm)) buckets.set(le!, Number(value));
  const count = Number(/^refractor_encoder_batch_size_count (\d+)$/m.exec(text)?.[1]);
  const sum = Number(/^refractor_encoder_batch_size_sum (\d+)$/m.exec(text)?.[1]);
  return { buckets, count, sum };
}

let songs: Uint8Array[];
let plain: TestServer;
let batched: TestServer;
const reference: string[] = [];

beforeAll(async () => {
  songs = [0, 1, 2, 3].map(song);
  [plain, batched] = await Promise.all([
    startServer({ batchSize: 16, crossRequestBatching: false, limits: { concurrency: 1 } }),
    // 64 chunks and a long wait: the four songs' chunks (40 in all) fit one run, so no song is split into a run of one row.
    startServer({ batchSize: 16, crossRequestBatching: { maxBatch: 64, maxWaitMs: 1000 }, limits: { concurrency: 8 } }),
  ]);
  for (const [i, bytes] of songs.entries()) {
    const response = await postRaw(scoreUrl(plain, i), bytes, 'audio/wav');
    expect(response.status).toBe(200);
    reference.push(await response.text());
  }
}, 120_000);
afterAll(async () => {
  await Promise.all([plain?.close(), batched?.close()]);
});

describe('cross-request batching over HTTP', () => {
  it('is "auto" by default: off on CPU (/v1/models says null), on with settings when asked', async () => {
    const models = async (server: TestServer) => ((await (await fetch(`${server.url}/v1/models`)).json()) as { cross_request_batching: unknown }).cross_request_batching;
    expect(await models(plain)).toBeNull();
    expect(await models(batched)).toEqual({ max_batch: 64, max_wait_ms: 1000 });
    const defaults = await startServer();
    try {
      expect(await models(defaults)).toBeNull(); // the default, 'auto', is off on cpu
    } finally {
      await defaults.close();
    }
  });

  it('gives concurrent clients the records each song gets alone, byte for byte, while their songs share CLAP runs', async () => {
    const before = await batchSizes(batched);
    const answers = await Promise.all(songs.map((bytes, i) => postRaw(scoreUrl(batched, i), bytes, 'audio/wav')));
    const texts = await Promise.all(answers.map((response) => response.text()));
    answers.forEach((response) => expect(response.status).toBe(200));
    texts.forEach((text, i) => expect(text, `song ${i}`).toBe(reference[i]));
    const after = await batchSizes(batched);
    const chunks = reference.reduce((sum, text) => sum + JSON.parse(text).chunk_count, 0);
    expect(after.sum - before.sum).toBe(chunks);
    // Runs above 16 chunks hold chunks of more than one song (each song submits at most 13).
    const shared = after.count - after.buckets.get('16')! - (before.count - before.buckets.get('16')!);
    expect(shared).toBeGreaterThan(0);
    expect(after.count - before.count).toBeLessThan(songs.length);
    expect([...after.buckets.keys()]).toEqual(['1', '2', '4', '8', '16', '32', '64', '+Inf']);
  }, 120_000);

  it('a client that disconnects mid-request, its chunks queued with theirs, fails neither the others nor their records', async () => {
    // A long wait, so the departing client's first 16 chunks are still queued when the others' arrive and it leaves.
    const server = await startServer({ batchSize: 16, crossRequestBatching: { maxBatch: 64, maxWaitMs: 3000 }, limits: { concurrency: 8 } });
    try {
      const long = makeWav({ sampleRate: 44100, channels: [sine(333, 60, 44100, 0.3)], bits: 16 });
      const { port } = new URL(server.url);
      // Two thirds of the upload (40 s: 18 chunks, so one submission of 16), then the socket is destroyed.
      const gone = new Promise<void>((resolve) => {
        const req = request({ host: '127.0.0.1', port, method: 'POST', path: `/v1/score?${QUERY}`, headers: { 'content-type': 'audio/wav', 'content-length': long.length } });
        req.on('error', () => resolve());
        req.write(long.subarray(0, Math.round((long.length * 2) / 3)));
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 2000);
      });
      const before = await batchSizes(server);
      const [, ...answers] = await Promise.all([gone, ...songs.map((bytes, i) => postRaw(scoreUrl(server, i), bytes, 'audio/wav'))]);
      const texts = await Promise.all(answers.map((response) => response.text()));
      texts.forEach((text, i) => expect(text, `song ${i}`).toBe(reference[i]));
      // The departed client's 16 chunks ran too (in a run shared with the others: the runs are fewer than the songs).
      const after = await batchSizes(server);
      const chunks = reference.reduce((sum, text) => sum + JSON.parse(text).chunk_count, 0);
      expect(after.sum - before.sum).toBe(chunks + 16);
      expect(after.count - before.count).toBeLessThan(songs.length + 1);
      // The server carries on: a later request is answered as before, and nothing was logged as a failure.
      const again = await postRaw(scoreUrl(server, 2), songs[2]!, 'audio/wav');
      expect(await again.text()).toBe(reference[2]);
      expect(server.logs.filter((line) => line.includes('request failed'))).toEqual([]);
    } finally {
      await server.close();
    }
  }, 120_000);
});
