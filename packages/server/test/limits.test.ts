import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWav, sine } from '@refractor/test-helpers';
import { CLIP, form, json, postRaw, startServer, wav, type TestServer } from './helpers.js';

const clip = readFileSync(CLIP);

/** A mono 16-bit WAV: small bytes for a long duration. */
function longWav(seconds: number, sampleRate = 8000): Uint8Array {
  return makeWav({ sampleRate, channels: [sine(330, seconds, sampleRate, 0.3)], bits: 16 });
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends a request chunk by chunk with node:http (no Content-Length unless given) and resolves on the response. */
function rawRequest(url: string, options: { headers: Record<string, string | number>; chunks: Uint8Array[] }): Promise<RawResponse> {
  const { hostname, port, pathname, search } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: hostname, port, path: pathname + search, method: 'POST', headers: options.headers }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (text: string) => (body += text));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    request.on('error', reject);
    const write = (i: number) => {
      if (i === options.chunks.length) return void request.end();
      // Writing after the server answered and closed is fine: the response is what matters.
      if (request.destroyed) return;
      request.write(options.chunks[i], () => setImmediate(() => write(i + 1)));
    };
    write(0);
  });
}

async function metric(server: TestServer, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return Number(match?.[1]);
}

describe('size, duration, field and header limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ limits: { bodyBytes: 400_000, audioSeconds: 20, fields: 2, headerBytes: 2048 } });
  });
  afterAll(async () => server?.close());

  const big = wav(5, 440); // ~880 KB

  it('refuses a body over the limit with 413 from its Content-Length, before reading it', async () => {
    const response = await postRaw(`${server.url}/v1/score`, big, 'audio/wav');
    expect(response.status).toBe(413);
    expect(await json(response)).toMatchObject({ error: 'too-large' });
  });

  it('stops a chunked upload with 413 as soon as it crosses the limit', async () => {
    const chunks = Array.from({ length: 14 }, (_, i) => big.subarray(i * 64_000, (i + 1) * 64_000));
    const response = await rawRequest(`${server.url}/v1/score`, { headers: { 'content-type': 'audio/wav', 'transfer-encoding': 'chunked' }, chunks });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'too-large' });
  });

  it('refuses a multipart upload over the limit with 413', async () => {
    const response = await fetch(`${server.url}/v1/score`, { method: 'POST', body: form({}, [['file', big, 'big.wav']]) }).catch((error) => error);
    // The server answers before the client has finished sending; the answer is 413 when the client reads it.
    if (response instanceof Response) {
      expect(response.status).toBe(413);
      expect(await json(response)).toMatchObject({ error: 'too-large', field: 'file' });
    } else {
      expect(String(response.cause?.code ?? response)).toMatch(/EPIPE|ECONNRESET|UND_ERR_SOCKET/);
    }
  });

  it('refuses audio longer than the limit with 413 while decoding', async () => {
    const response = await postRaw(`${server.url}/v1/score`, clip, 'audio/ogg');
    expect(response.status).toBe(413);
    expect(await json(response)).toMatchObject({ error: 'too-long' });
    expect((await postRaw(`${server.url}/v1/score`, wav(2, 440), 'audio/wav')).status).toBe(200);
  });

  it('refuses too many form fields with 413, and oversized headers with 431', async () => {
    const response = await fetch(`${server.url}/v1/score`, { method: 'POST', body: form({ concept: 'a', target: 'red', crop: 'start' }, [['file', wav(1, 440), 'a.wav']]) });
    expect(response.status).toBe(413);
    expect(await json(response)).toMatchObject({ error: 'too-many-fields' });
    const headers = await fetch(`${server.url}/healthz`, { headers: { 'x-padding': 'p'.repeat(4000) } });
    expect(headers.status).toBe(431);
  });
});

describe('concurrency and the bounded queue', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ limits: { concurrency: 1, queue: 1 } });
  });
  afterAll(async () => server?.close());

  it('runs one, queues one and refuses the rest with 429 and Retry-After', async () => {
    const song = longWav(240);
    const responses = await Promise.all(Array.from({ length: 4 }, () => postRaw(`${server.url}/v1/score`, song, 'audio/wav')));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 429, 429]);
    for (const response of responses.filter((r) => r.status === 429)) {
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await json(response)).toMatchObject({ error: 'busy' });
    }
    for (const response of responses.filter((r) => r.status === 200)) expect((await json(response)).chunk_count).toBe(48);
    expect(await metric(server, 'refractor_scorings_in_flight')).toBe(0);
    expect(await metric(server, 'refractor_scorings_queued')).toBe(0);
  });
});

describe('per-request timeout', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ limits: { timeoutMs: 1500 } });
  });
  afterAll(async () => server?.close());

  it('answers 503 with Retry-After when scoring takes too long, stops the work and keeps serving', async () => {
    const response = await postRaw(`${server.url}/v1/score`, longWav(1800), 'audio/wav');
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await json(response)).toMatchObject({ error: 'timeout' });
    // The abandoned scoring notices the abort and gives its slot back.
    for (let i = 0; i < 100 && (await metric(server, 'refractor_scorings_in_flight')) !== 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await metric(server, 'refractor_scorings_in_flight')).toBe(0);
    expect((await postRaw(`${server.url}/v1/score`, wav(2, 440), 'audio/wav')).status).toBe(200);
  });
});

describe('bearer token and CORS', () => {
  let guarded: TestServer;
  let open: TestServer;
  beforeAll(async () => {
    [guarded, open] = await Promise.all([startServer({ token: 's3cret-token', cors: 'http://app.test' }), startServer()]);
  });
  afterAll(async () => Promise.all([guarded?.close(), open?.close()]));

  it('demands the token everywhere but the probes, compared exactly', async () => {
    const song = wav(1, 440);
    for (const auth of [undefined, 'Bearer wrong', 'Bearer s3cret-token-but-longer', 'Bearer s3cret-toke', 's3cret-token']) {
      const response = await postRaw(`${guarded.url}/v1/score`, song, 'audio/wav', auth ? { authorization: auth } : {});
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await json(response)).toMatchObject({ error: 'unauthorized' });
    }
    expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${guarded.url}/v1/models`)).status).toBe(401);
    expect((await fetch(`${guarded.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${guarded.url}/readyz`)).status).toBe(200);
    const ok = await postRaw(`${guarded.url}/v1/score`, song, 'audio/wav', { authorization: 'Bearer s3cret-token' });
    expect(ok.status).toBe(200);
  });

  it('answers CORS only for the configured origin, and not at all by default', async () => {
    const preflight = await fetch(`${guarded.url}/v1/score`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://app.test');
    const other = await fetch(`${guarded.url}/healthz`, { headers: { origin: 'http://evil.test' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const plain = await fetch(`${open.url}/healthz`, { headers: { origin: 'http://app.test' } });
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
  });
});
