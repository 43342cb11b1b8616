import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Refractor, songReport } from '@refractor/node';
import { CLIP, form, json, postRaw, startServer, wav, type TestServer } from './helpers.js';

let server: TestServer;
let library: Refractor;
const clip = readFileSync(CLIP);
const low = wav(12, 220);
const high = wav(45, 880);

beforeAll(async () => {
  [server, library] = await Promise.all([startServer(), Refractor.load({ models: 'tiny', offline: true })]);
});
afterAll(async () => {
  await Promise.all([server?.close(), library?.close()]);
});

describe('health, readiness, models, metrics, OpenAPI', () => {
  it('answers /healthz and /readyz, each with a request id (the client\'s when it is sane)', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const ready = await fetch(`${server.url}/readyz`, { headers: { 'x-request-id': 'job-42.a' } });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', models: 'tiny' });
    expect(ready.headers.get('x-request-id')).toBe('job-42.a');
    const odd = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'no spaces <allowed>' } });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('lists the loaded set: file names (no server paths), sizes, backend', async () => {
    const models = await json(await fetch(`${server.url}/v1/models`));
    expect(models).toMatchObject({ name: 'tiny', test_only: true, device: 'cpu', backend: 'onnxruntime-node (cpu)', batch_size: 16 });
    expect(models.load_seconds).toBeGreaterThan(0);
    const roles = models.files.map((f: { role: string }) => f.role).sort();
    expect(roles).toEqual(Object.keys(library.modelSet.files).sort());
    for (const file of models.files) {
      expect(file.file).not.toContain('/');
      expect(file.bytes).toBe(readFileSync(library.modelSet.files[file.role as keyof typeof library.modelSet.files]).length);
    }
  });

  it('describes every endpoint in /openapi.json, query parameters included', async () => {
    const spec = await json(await fetch(`${server.url}/openapi.json`));
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths).sort()).toEqual(['/healthz', '/metrics', '/readyz', '/v1/embed', '/v1/models', '/v1/score', '/v1/score/batch']);
    const names = spec.paths['/v1/score'].post.parameters.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['concept', 'lyric', 'sounds_like', 'target', 'crop', 'seed', 'chunk_size', 'chunk_stride', 'color_rule']));
  });
});

describe('POST /v1/score', () => {
  it('answers a raw body with exactly what the library gives for the same file', async () => {
    const response = await postRaw(`${server.url}/v1/score?concept=${encodeURIComponent('A song about rain')}&target=indigo&crop=center&name=clip.ogg`, clip, 'audio/ogg');
    expect(response.status).toBe(200);
    const body = await json(response);
    const expected = songReport('clip.ogg', await library.scoreFile(CLIP, { concept: 'A song about rain', target: 'Indigo', crop: 'center' }));
    expect(body).toEqual({ ...expected, color: expected.predicted_color });
    expect(body.chunk_count).toBe(8);
  });

  it('answers a multipart upload (fields first) the same way, named by its file name', async () => {
    const response = await fetch(`${server.url}/v1/score?crop=random`, {
      method: 'POST',
      body: form({ concept: 'Bright and loud', seed: '7', color_rule: 'probs', chunk_size: '10', chunk_stride: '10' }, [['file', high, 'high.wav']]),
    });
    expect(response.status).toBe(200);
    const body = await json(response);
    const expected = songReport('high.wav', await library.scoreFile(high, { concept: 'Bright and loud', crop: 'random', seed: 7, chunkSizeS: 10, chunkStrideS: 10 }));
    expect(body).toEqual({ ...expected, color: expected.predicted_color_by_probs });
    expect(body.chunks.map((c: { start_s: number }) => c.start_s)).toEqual([0, 10, 20, 30, 40]);
    expect(body.settings).toMatchObject({ crop: 'random', seed: 7, chunk_size_s: 10 });
  });

  it('accepts application/octet-stream and any audio/* type, sniffing the format from the bytes', async () => {
    for (const type of ['application/octet-stream', 'audio/wav', 'audio/x-anything']) {
      const response = await postRaw(`${server.url}/v1/score`, low, type);
      expect(response.status).toBe(200);
      expect((await json(response)).file).toBe('upload');
    }
  });
});

describe('POST /v1/score/batch', () => {
  it('ranks candidates by confidence (stable, 0-based) with each result equal to the library\'s; bad ones get an error and no rank', async () => {
    const response = await fetch(`${server.url}/v1/score/batch`, {
      method: 'POST',
      body: form({ concept: 'Evolving melody', target: 'R' }, [
        ['candidate', low, 'low.wav'],
        ['candidate', 'definitely not audio', 'broken.mp3'],
        ['candidate', high, 'high.wav'],
        ['candidate', clip, 'clip.ogg'],
        ['candidate', low, 'low-again.wav'],
      ]),
    });
    expect(response.status).toBe(200);
    const { results } = await json(response);
    expect(results).toHaveLength(5);
    const expected = new Map<string, number>();
    for (const [name, bytes] of [['low.wav', low], ['high.wav', high], ['clip.ogg', clip], ['low-again.wav', low]] as const) {
      const report = songReport(name, await library.scoreFile(bytes, { concept: 'Evolving melody', target: 'Red' }));
      const entry = results.find((e: { input: string }) => e.input === name);
      expect(entry.result).toEqual({ ...report, color: report.predicted_color });
      expected.set(name, report.confidence);
    }
    const ranked = results.slice(0, 4);
    expect(ranked.map((e: { rank: number }) => e.rank)).toEqual([0, 1, 2, 3]);
    const confidences = ranked.map((e: { result: { confidence: number } }) => e.result.confidence);
    expect(confidences).toEqual([...confidences].sort((a, b) => b - a));
    // Equal confidences keep upload order (a stable sort).
    const lows = ranked.filter((e: { input: string }) => e.input.startsWith('low')).map((e: { input: string }) => e.input);
    expect(lows).toEqual(['low.wav', 'low-again.wav']);
    expect(results[4]).toMatchObject({ input: 'broken.mp3', error: { error: 'unreadable-audio', field: 'candidate' } });
    expect(results[4].rank).toBeUndefined();
  });
});

describe('POST /v1/embed', () => {
  it("gives the chunks' CLAP embeddings exactly as the library, and the concept embedding", async () => {
    const response = await postRaw(`${server.url}/v1/embed?concept=rain&crop=center`, high, 'audio/wav');
    expect(response.status).toBe(200);
    const body = await json(response);
    const { embeddings, chunks } = await library.embedChunks(high, { crop: 'center' });
    expect(body.dim).toBe(512);
    expect(body.chunks.map((c: { start_s: number; end_s: number }) => ({ start_s: c.start_s, end_s: c.end_s }))).toEqual(chunks);
    expect(body.chunks.flatMap((c: { embedding: number[] }) => c.embedding)).toEqual(Array.from(embeddings));
    expect(body.concept_embedding).toEqual(Array.from(await library.prepareConcept('rain')));
    expect(body.settings).toMatchObject({ models: 'tiny', crop: 'center', chunk_size_s: 30, chunk_stride_s: 5 });
  });

  it('embeds a concept alone from a JSON body', async () => {
    const response = await postRaw(`${server.url}/v1/embed`, JSON.stringify({ concept: 'A song about forgetting the future' }), 'application/json');
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.concept_embedding).toHaveLength(768);
    expect(body.concept_embedding).toEqual(Array.from(await library.prepareConcept('A song about forgetting the future')));
  });
});

describe('metrics and logs', () => {
  it('exports requests by route and status, latency, chunks, in-flight and queued scorings, model load time and RSS', async () => {
    await postRaw(`${server.url}/v1/score`, low, 'audio/wav');
    const response = await fetch(`${server.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^refractor_http_requests_total\{route="\/v1\/score",method="POST",status="200"\} \d+/m);
    expect(text).toMatch(/^refractor_http_request_duration_seconds_bucket\{le="\+Inf",route="\/v1\/score"\} \d+/m);
    expect(text).toMatch(/^refractor_chunks_scored_total\{endpoint="score"\} \d+/m);
    expect(text).toMatch(/^refractor_scorings_in_flight 0$/m);
    expect(text).toMatch(/^refractor_scorings_queued 0$/m);
    expect(text).toMatch(/^refractor_model_load_seconds [\d.e-]+$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it('logs every request with its id, and never the upload, the query string or the concept', async () => {
    const secret = 'zebra-umbrella-concept';
    await postRaw(`${server.url}/v1/score?concept=${secret}`, `RIFF-not-really ${secret}-bytes`, 'audio/wav', { 'x-request-id': 'log-check-1' });
    await fetch(`${server.url}/v1/score`, { method: 'POST', body: form({ concept: secret }, [['file', `${secret} text`, `${secret}.mp3`]]) });
    const lines = server.logs.map((line) => JSON.parse(line));
    expect(lines.some((line) => line.reqId === 'log-check-1' && line.req?.path === '/v1/score')).toBe(true);
    expect(lines.some((line) => line.reqId === 'log-check-1' && line.error === 'unreadable-audio')).toBe(true);
    expect(server.logs.join('\n')).not.toContain(secret);
  });
});
