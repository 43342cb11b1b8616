import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWav, sine, endOfTrack, off, on, smf } from '@refractor/test-helpers';
import { CLIP, form, startServer, type TestServer } from './helpers.js';

const TOKEN = 'openapi-test-token';
const auth = { authorization: `Bearer ${TOKEN}` };
const clip = readFileSync(CLIP);
const melody = smf(0, 96, [[on(0, 60), off(96, 60), on(0, 64, 90), off(192, 64), endOfTrack()]]);
const longSong = makeWav({ sampleRate: 8000, channels: [sine(330, 240, 8000, 0.3)], bits: 16 });

interface Exchange {
  method: string;
  path: string;
  status: number;
  contentType: string;
  body: string;
}

let server: TestServer;
let open: TestServer;
let document: any;
let resolved: any;
const exchanges: Exchange[] = [];

/** Sends a request with the token and keeps the exchange for the schema checks. */
async function send(path: string, init: RequestInit & { headers?: Record<string, string> } = {}, withToken = true): Promise<Exchange> {
  const response = await fetch(`${server.url}${path}`, { ...init, headers: { ...(withToken ? auth : {}), ...init.headers } });
  const exchange = {
    method: (init.method ?? 'GET').toLowerCase(),
    path: path.split('?')[0]!,
    status: response.status,
    contentType: (response.headers.get('content-type') ?? '').split(';')[0]!,
    body: await response.text(),
  };
  exchanges.push(exchange);
  return exchange;
}

beforeAll(async () => {
  [server, open] = await Promise.all([startServer({ token: TOKEN, limits: { bodyBytes: 4_000_000, concurrency: 1, queue: 0 } }), startServer()]);
  document = await (await fetch(`${server.url}/openapi.json`, { headers: auth })).json();
  resolved = await SwaggerParser.dereference(structuredClone(document));
});
afterAll(async () => {
  await Promise.all([server?.close(), open?.close()]);
});

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document (checked by an independent validator)', async () => {
    expect(document.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(document))).resolves.toBeTruthy();
    const plain: any = await (await fetch(`${open.url}/openapi.json`)).json();
    await expect(SwaggerParser.validate(structuredClone(plain))).resolves.toBeTruthy();
  });

  it('declares the bearer scheme only when a token is set, and leaves the probes open', async () => {
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.security).toEqual([{ bearer: [] }]);
    expect(document.paths['/healthz'].get.security).toEqual([]);
    expect(document.paths['/readyz'].get.security).toEqual([]);
    expect(document.paths['/v1/score'].post.responses['401']).toBeDefined();
    const plain: any = await (await fetch(`${open.url}/openapi.json`)).json();
    expect(plain.components.securitySchemes).toBeUndefined();
    expect(plain.security).toBeUndefined();
    expect(plain.paths['/v1/score'].post.responses['401']).toBeUndefined();
  });

  it('has the record and error schemas, request bodies for raw audio, multipart and JSON, and an error schema with examples for each failure', () => {
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['Error', 'ScoreRecord', 'CandidateRecord', 'BatchResult', 'ChunkEmbeddings', 'ModelSet']));
    const score = document.paths['/v1/score'].post;
    expect(Object.keys(score.requestBody.content)).toEqual(expect.arrayContaining(['audio/*', 'application/octet-stream', 'audio/midi', 'multipart/form-data']));
    expect(Object.keys(score.requestBody.content['multipart/form-data'].schema.properties)).toEqual(expect.arrayContaining(['concept', 'target', 'chunk_size', 'file']));
    expect(Object.keys(document.paths['/v1/score/batch'].post.requestBody.content)).toEqual(['multipart/form-data']);
    expect(document.paths['/v1/embed'].post.requestBody.content['application/json'].schema.required).toEqual(['concept']);
    expect(Object.keys(score.responses).sort()).toEqual(['200', '400', '401', '413', '415', '422', '429', '500', '501', '503']);
    for (const [status, response] of Object.entries<any>(score.responses)) {
      if (status === '200') continue;
      expect(response.content['application/json'].schema.$ref).toBe('#/components/schemas/Error');
      expect(Object.keys(response.content['application/json'].examples).length).toBeGreaterThan(0);
    }
    expect(score.responses['429'].headers['Retry-After']).toBeDefined();
  });

  it('describes every answer to real requests, good and bad: each status is declared and each body matches its schema', { timeout: 60_000 }, async () => {
    await send('/healthz', {}, false);
    await send('/readyz', {}, false);
    await send('/metrics');
    await send('/metrics', {}, false); // 401
    await send('/v1/models');
    const audio = { method: 'POST', body: clip, headers: { 'content-type': 'audio/ogg' } };
    await send('/v1/score', audio);
    await send('/v1/score?target=Red&color_rule=probs', audio);
    await send('/v1/score', { method: 'POST', body: form({ concept: 'rain' }, [['file', clip, 'clip.ogg']]) });
    await send('/v1/score?concept=rain', { method: 'POST', body: melody, headers: { 'content-type': 'audio/midi' } });
    await send('/v1/score?colour=red', audio); // 400 unknown field
    await send('/v1/score?seed=-1', audio); // 400 invalid field
    await send('/v1/score', { method: 'POST', headers: { 'content-type': 'audio/ogg' } }); // 400 empty
    await send('/v1/score', { method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain' } }); // 415
    await send('/v1/score', { method: 'POST', body: 'not audio at all', headers: { 'content-type': 'audio/mpeg' } }); // 422
    await send('/v1/score', { method: 'POST', body: new Uint8Array(4_100_000), headers: { 'content-type': 'audio/wav' } }); // 413
    await send('/v1/score/batch', { method: 'POST', body: form({ concept: 'rain' }, [['a', melody, 'a.mid'], ['b', 'junk', 'b.ogg'], ['c', clip, 'c.ogg']]) });
    await send('/v1/score/batch', audio); // 415
    await send('/v1/embed', audio);
    await send('/v1/embed', { method: 'POST', body: JSON.stringify({ concept: 'rain' }), headers: { 'content-type': 'application/json' } });
    await send('/v1/embed', { method: 'POST', body: melody, headers: { 'content-type': 'audio/midi' } }); // 415
    // One slot, no queue: two at once give a 200 and a 429.
    await Promise.all([0, 1].map(() => send('/v1/score', { method: 'POST', body: longSong, headers: { 'content-type': 'audio/wav' } })));

    const statuses = new Set(exchanges.map((e) => e.status));
    for (const status of [200, 400, 401, 413, 415, 422, 429]) expect(statuses).toContain(status);
    const ajv = new Ajv2020({ strict: true, strictTypes: false, allErrors: true });
    addFormats(ajv);
    for (const exchange of exchanges) {
      const where = `${exchange.method.toUpperCase()} ${exchange.path} → ${exchange.status}`;
      const response = resolved.paths[exchange.path]?.[exchange.method]?.responses?.[String(exchange.status)];
      expect(response, `${where} is not declared`).toBeDefined();
      const media = response.content?.[exchange.contentType];
      expect(media, `${where}: ${exchange.contentType} is not declared`).toBeDefined();
      const body = exchange.contentType === 'application/json' ? JSON.parse(exchange.body) : exchange.body;
      const validate = ajv.compile(media.schema);
      expect(validate(body), `${where}: ${ajv.errorsText(validate.errors)}\n${exchange.body.slice(0, 300)}`).toBe(true);
    }
  });

  it('its record schemas reject what the server never sends (they are not catch-alls)', () => {
    const ajv = new Ajv2020({ strict: true, strictTypes: false });
    const score = ajv.compile(resolved.components.schemas.ScoreRecord);
    const good = JSON.parse(exchanges.find((e) => e.path === '/v1/score' && e.status === 200)!.body);
    expect(score(good)).toBe(true);
    expect(score({ ...good, extra: 1 })).toBe(false);
    expect(score({ ...good, predicted_color: 'Mauve' })).toBe(false);
    const error = ajv.compile(resolved.components.schemas.Error);
    expect(error({ error: 'x' })).toBe(false);
  });
});
