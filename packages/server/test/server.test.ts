import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CROP } from '@refractor/audio';
import { DEFAULT_CANDIDATE_BATCH, Refractor, candidateReport, songRecord, type CandidateItem, type CandidateResult } from '@refractor/node';
import { songSettingsDigest } from '@refractor/node/io';
import { endOfTrack, off, on, smf } from '@refractor/test-helpers';
import { CLIP, form, json, postRaw, startServer, wav, type TestServer } from './helpers.js';

let server: TestServer;
let library: Refractor;
const clip = readFileSync(CLIP);
const low = wav(12, 220);
const high = wav(45, 880);
const melody = smf(0, 96, [[on(0, 60), off(96, 60), on(0, 64, 90), off(96, 64), on(0, 67, 110), off(192, 67), endOfTrack()]]);
const chord = smf(0, 96, [[on(0, 48), on(0, 52), on(0, 55), off(384, 48), off(0, 52), off(0, 55), endOfTrack()]]);

/** The candidate JSON the library's own path gives (settings as the server reports them: file names only). */
function candidateReports(items: CandidateItem[], concept: string, crop = DEFAULT_CROP.crop, seed = DEFAULT_CROP.seed) {
  const concept_sha256 = createHash('sha256').update(concept).digest('hex');
  const settings = { models: 'tiny', test_only: true, base_model: 'refractor.onnx', concept_sha256, crop, seed, batch_size: DEFAULT_CANDIDATE_BATCH, targets: 'canonical' as const };
  return items.map((item) => (item.error ? { input: item.input, error: item.error.message } : candidateReport(item as CandidateItem & { result: CandidateResult }, settings)));
}

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
    expect(models).toMatchObject({ name: 'tiny', test_only: true, device: 'cpu', backend: 'onnxruntime-node (cpu)', batch_size: 1, cross_request_batching: null }); // batch `auto` is 1 on CPU, and cross-request batching `auto` is off there
    expect(models.load_seconds).toBeGreaterThan(0);
    const roles = models.files.map((f: { role: string }) => f.role).sort();
    expect(roles).toEqual(Object.keys(library.modelSet.files).sort());
    for (const file of models.files) {
      expect(file.file).not.toContain('/');
      expect(file.bytes).toBe(readFileSync(library.modelSet.files[file.role as keyof typeof library.modelSet.files]!).length);
    }
  });

  it('describes every endpoint in /openapi.json, query parameters included', async () => {
    const spec = await json(await fetch(`${server.url}/openapi.json`));
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths).sort()).toEqual(['/healthz', '/metrics', '/readyz', '/v1/embed', '/v1/models', '/v1/score', '/v1/score/batch']);
    const names = spec.paths['/v1/score'].post.parameters.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['concept', 'lyric', 'sounds_like', 'target', 'crop', 'seed', 'chunk_size_s', 'chunk_stride_s', 'chunk_size', 'chunk_stride', 'targets', 'color_rule']));
  });
});

/** Size and SHA-256 of bytes, computed here (not by the server's code). */
const fingerprintOf = (bytes: Uint8Array) => ({ size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });

describe('POST /v1/score', () => {
  it('answers a raw body with exactly what the library gives for the same file', async () => {
    const response = await postRaw(`${server.url}/v1/score?concept=${encodeURIComponent('A song about rain')}&target=indigo&crop=center&name=clip.ogg`, clip, 'audio/ogg');
    expect(response.status).toBe(200);
    const body = await json(response);
    const song = await library.scoreFile(CLIP, { concept: 'A song about rain', target: 'Indigo', crop: 'center' });
    const settingsDigest = songSettingsDigest({ ...song.settings, concept: 'A song about rain', target: 'Indigo' });
    // The song record every door gives (refractor score --format jsonl too): the report, color, the bytes' fingerprint, the settings digest.
    expect(body).toEqual(songRecord('clip.ogg', song, { input: fingerprintOf(clip), settingsDigest }));
    expect(body.color).toBe(song.predicted_color);
    expect(body.chunk_count).toBe(8);
  });

  it('takes targets and color_rule (card, targets: the card\'s numbers), as the library does', async () => {
    const response = await postRaw(`${server.url}/v1/score?target=B&targets=card&color_rule=targets&name=clip.ogg`, clip, 'audio/ogg');
    expect(response.status).toBe(200);
    const body = await json(response);
    const song = await library.scoreFile(CLIP, { target: 'Blue', targets: 'card', colorRule: 'targets' });
    const settingsDigest = songSettingsDigest({ ...song.settings, target: 'Blue' });
    expect(body).toEqual(songRecord('clip.ogg', song, { input: fingerprintOf(clip), settingsDigest }));
    expect(body.color).toBe(song.predicted_color_by_targets);
    expect(body.settings).toMatchObject({ targets: 'card', color_rule: 'targets' });
    const canonical = await library.scoreFile(CLIP, { target: 'Blue' });
    expect(canonical.chromatic_match).not.toBe(body.chromatic_match);
    // The digest tells the tables apart: a cache keyed on it cannot mix them.
    expect(songSettingsDigest({ ...canonical.settings, target: 'Blue' })).not.toBe(settingsDigest);
    const bad = await postRaw(`${server.url}/v1/score?targets=legacy`, clip, 'audio/ogg');
    expect(bad.status).toBe(400);
    expect(await json(bad)).toMatchObject({ error: 'invalid-field', field: 'targets' });
  });

  it('answers a multipart upload (fields first) the same way, named by its file name', async () => {
    const response = await fetch(`${server.url}/v1/score?crop=random`, {
      method: 'POST',
      body: form({ concept: 'Bright and loud', seed: '7', color_rule: 'probs', chunk_size_s: '10', chunk_stride: '10' /* the deprecated alias still works */ }, [['file', high, 'high.wav']]),
    });
    expect(response.status).toBe(200);
    const body = await json(response);
    const song = await library.scoreFile(high, { concept: 'Bright and loud', crop: 'random', seed: 7, chunkSizeS: 10, chunkStrideS: 10, colorRule: 'probs' });
    const settingsDigest = songSettingsDigest({ ...song.settings, concept: 'Bright and loud' });
    expect(body).toEqual(songRecord('high.wav', song, { input: fingerprintOf(high), settingsDigest }));
    expect(body.color).toBe(song.predicted_color_by_probs);
    expect(body.predicted_color).toBe(song.predicted_color_by_probs);
    expect(body.settings).toMatchObject({ color_rule: 'probs', targets: 'canonical' });
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

describe('MIDI and candidate batches (the base model)', () => {
  it('scores a MIDI upload with the base model, as the library does', async () => {
    const response = await postRaw(`${server.url}/v1/score?concept=rain&lyric=${encodeURIComponent('la la la')}&name=melody.mid`, melody, 'audio/midi');
    expect(response.status).toBe(200);
    const body = await json(response);
    const items = await library.scoreCandidates([{ id: 'melody.mid', midi: melody, lyric: 'la la la' }], { concept: 'rain' });
    expect(body).toEqual(candidateReports(items, 'rain')[0]);
    expect(body.model).toBe('base');
  });

  it('ranks MIDI and audio candidates as `refractor score --rank` (stable, 0-based), equal to the library; bad ones get an error and no rank', async () => {
    const response = await fetch(`${server.url}/v1/score/batch`, {
      method: 'POST',
      body: form({ concept: 'Evolving melody', sounds_like: ['a moody piano trio', 'bright synth pop'], crop: 'center' }, [
        ['candidate', melody, 'melody.mid'],
        ['candidate', 'definitely not audio', 'broken.mp3'],
        ['candidate', low, 'low.wav'],
        ['candidate', chord, 'chord.mid'],
        ['candidate', Uint8Array.from([...melody.subarray(0, 20)]), 'cut.mid'],
        ['candidate', melody, 'melody-again.mid'],
        ['candidate', clip, 'clip.ogg'],
      ]),
    });
    expect(response.status).toBe(200);
    const { results } = await json(response);
    const items = await library.scoreCandidates(
      [
        { id: 'melody.mid', midi: melody },
        { id: 'low.wav', audio: low },
        { id: 'chord.mid', midi: chord },
        { id: 'cut.mid', midi: melody.subarray(0, 20) },
        { id: 'melody-again.mid', midi: melody },
        { id: 'clip.ogg', audio: clip },
      ],
      { concept: 'Evolving melody', soundsLike: ['a moody piano trio', 'bright synth pop'], crop: 'center', rank: true },
    );
    const expected = candidateReports(items, 'Evolving melody', 'center');
    const scored = results.filter((entry: { result?: unknown }) => entry.result);
    expect(scored.map((entry: { result: unknown }) => entry.result)).toEqual(expected.filter((e) => !('error' in e)));
    expect(scored.map((entry: { rank: number }) => entry.rank)).toEqual([0, 1, 2, 3, 4]);
    const confidences = scored.map((entry: { result: { confidence: number } }) => entry.result.confidence);
    expect(confidences).toEqual([...confidences].sort((a, b) => b - a));
    // Equal confidences keep upload order (a stable sort).
    const twins = scored.filter((e: { input: string }) => e.input.startsWith('melody')).map((e: { input: string }) => e.input);
    expect(twins).toEqual(['melody.mid', 'melody-again.mid']);
    expect(new Set(scored.map((e: { result: { model: string } }) => e.result.model))).toEqual(new Set(['base', 'cdm']));
    const failures = results.filter((entry: { result?: unknown }) => !entry.result);
    expect(failures).toEqual([
      { input: 'cut.mid', error: expect.objectContaining({ error: 'midi' }) },
      { input: 'broken.mp3', error: expect.objectContaining({ error: 'decode', field: 'candidate' }) },
    ]);
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
    expect(lines.some((line) => line.reqId === 'log-check-1' && line.error === 'decode')).toBe(true);
    expect(server.logs.join('\n')).not.toContain(secret);
  });
});
