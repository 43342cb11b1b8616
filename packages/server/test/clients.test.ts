import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWav, sine } from '@refractor/test-helpers';
import { CLIP, postRaw, startServer, wav, type TestServer } from './helpers.js';

// Misbehaving clients, on raw sockets. Each test ends with the same proof:
// no scoring slot is left held, and a normal upload still gets 200.

const clip = readFileSync(CLIP);
const TIMEOUT_MS = 3000;

/** A multipart body holding one file part, complete with its closing boundary. */
function multipart(bytes: Uint8Array, boundary = 'b0undary'): { body: Buffer; type: string } {
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="clip.ogg"\r\nContent-Type: audio/ogg\r\n\r\n`;
  return { body: Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]), type: `multipart/form-data; boundary=${boundary}` };
}

/** A raw connection to the server and everything that happens on it. */
interface Client {
  socket: Socket;
  /** All bytes received so far, as text. */
  received: () => string;
  /** Resolves once the server closed the connection: how (a clean FIN, or an error such as a reset). */
  closed: Promise<{ error?: string }>;
}

function client(server: TestServer): Client {
  const { hostname, port } = new URL(server.url);
  const socket = connect(Number(port), hostname);
  let text = '';
  let error: string | undefined;
  socket.on('data', (chunk) => (text += chunk.toString('latin1')));
  socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
  const closed = new Promise<{ error?: string }>((resolve) => socket.on('close', () => resolve(error ? { error } : {})));
  return { socket, received: () => text, closed };
}

/** Request headers for a POST. */
function head(path: string, headers: Record<string, string | number>): string {
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

/** Waits (bounded) until `check` holds. */
async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check()) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

async function gauge(server: TestServer, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
}

/** Songs scored by /v1/score so far. */
async function scored(server: TestServer): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^refractor_songs_scored_total\{endpoint="score"\} (\S+)$/m.exec(text)?.[1] ?? 0);
}

/** The proof after every misbehaving client: the slot came back and the server still scores. */
async function expectRecovered(server: TestServer): Promise<void> {
  await until(async () => (await gauge(server, 'refractor_scorings_in_flight')) === 0);
  expect(await gauge(server, 'refractor_scorings_in_flight')).toBe(0);
  expect(await gauge(server, 'refractor_scorings_queued')).toBe(0);
  const response = await postRaw(`${server.url}/v1/score`, wav(2, 440), 'audio/wav');
  expect(response.status).toBe(200);
  expect(((await response.json()) as { chunk_count: number }).chunk_count).toBe(1);
  expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
}

describe('misbehaving clients never keep a scoring slot', { timeout: 30_000 }, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ limits: { timeoutMs: TIMEOUT_MS, concurrency: 1, bodyBytes: 20_000_000 } });
  });
  afterAll(async () => server?.close());

  it('a complete multipart body whose Content-Length promises more: 503 at the deadline, and the slot comes back', async () => {
    // A short song: scored well before the deadline, the server then waits for the rest of the body.
    const { body, type } = multipart(wav(2, 440));
    const c = client(server);
    c.socket.write(head('/v1/score', { 'content-type': type, 'content-length': body.length + 100_000 }));
    c.socket.write(body);
    await until(() => /\r\n\r\n\{.*\}/s.test(c.received()), TIMEOUT_MS + 5000);
    expect(c.received()).toMatch(/^HTTP\/1\.1 503/);
    expect(c.received()).toMatch(/"error":"timeout"/);
    expect(c.received()).toMatch(/connection: close/i);
    // The server ends the connection itself, cleanly, once the answer is out.
    expect(await c.closed).toEqual({});
    await expectRecovered(server);
  });

  it('a raw body shorter than its Content-Length: the same', async () => {
    const c = client(server);
    c.socket.write(head('/v1/score', { 'content-type': 'audio/ogg', 'content-length': clip.length + 100_000 }));
    c.socket.write(clip);
    await until(() => /\r\n\r\n\{.*\}/s.test(c.received()), TIMEOUT_MS + 5000);
    expect(c.received()).toMatch(/^HTTP\/1\.1 503/);
    await c.closed;
    await expectRecovered(server);
  });

  it('a client that disconnects mid-body (raw and multipart)', async () => {
    for (const [type, body] of [
      ['audio/ogg', clip],
      [multipart(clip).type, multipart(clip).body],
    ] as const) {
      const c = client(server);
      c.socket.write(head('/v1/score', { 'content-type': type, 'content-length': body.length }));
      c.socket.write(body.subarray(0, 60_000));
      await until(async () => (await gauge(server, 'refractor_scorings_in_flight')) === 1, 5000);
      c.socket.destroy();
      await expectRecovered(server);
    }
  });

  it('a client that disconnects while its song is being scored', async () => {
    const song = makeWav({ sampleRate: 8000, channels: [sine(330, 1200, 8000, 0.3)], bits: 16 });
    const c = client(server);
    c.socket.write(head('/v1/score', { 'content-type': 'audio/wav', 'content-length': song.length }));
    await new Promise<void>((resolve) => c.socket.write(song, () => resolve()));
    await until(async () => (await gauge(server, 'refractor_scorings_in_flight')) === 1, 5000);
    c.socket.destroy();
    await expectRecovered(server);
    expect(server.logs.some((line) => /"statusCode":499|client-closed/.test(line))).toBe(true);
  });

  it('a client that trickles its headers (slowloris) is cut off by the headers timeout', async () => {
    const c = client(server);
    c.socket.write('POST /v1/score HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    let sent = 0;
    const trickle = setInterval(() => {
      if (!c.socket.destroyed) c.socket.write(`x-${sent++}: y\r\n`);
    }, 200);
    try {
      const closed = await Promise.race([c.closed, new Promise<'open'>((r) => setTimeout(() => r('open'), TIMEOUT_MS + 6000))]);
      expect(closed).not.toBe('open');
      expect(c.received()).toMatch(/^HTTP\/1\.1 408|^$/);
    } finally {
      clearInterval(trickle);
    }
    await expectRecovered(server);
  });

  it('a large non-audio upload gets a readable 422, then a clean close (no reset while it is still sending)', async () => {
    const c = client(server);
    // Chunked, as `curl -T -` sends a pipe: no Content-Length to refuse up front.
    c.socket.write(head('/v1/score', { 'content-type': 'audio/wav', 'transfer-encoding': 'chunked' }));
    const zeros = Buffer.alloc(256 * 1024);
    const chunk = Buffer.concat([Buffer.from(`${zeros.length.toString(16)}\r\n`), zeros, Buffer.from('\r\n')]);
    // Sends zeros as fast as the server takes them (up to 100 MB), until the answer has arrived.
    for (let sent = 0; sent < 100_000_000 && !/\r\n\r\n\{.*\}/s.test(c.received()) && !c.socket.destroyed; sent += zeros.length) {
      if (!c.socket.write(chunk)) await new Promise((r) => c.socket.once('drain', r).once('close', r));
    }
    await until(() => /\r\n\r\n\{.*\}/s.test(c.received()), 5000);
    expect(c.received()).toMatch(/^HTTP\/1\.1 422/);
    expect(c.received()).toMatch(/"error":"decode"/);
    expect(c.received()).toMatch(/connection: close/i);
    c.socket.end();
    expect(await c.closed).toEqual({});
    await expectRecovered(server);
  });

  it('an upload over the size limit gets a readable 413 while it is still sending, then a clean close', async () => {
    const c = client(server);
    const total = 50_000_000;
    c.socket.write(head('/v1/score', { 'content-type': 'audio/wav', 'content-length': total }));
    const zeros = Buffer.alloc(256 * 1024);
    for (let sent = 0; sent < total && !/\r\n\r\n\{.*\}/s.test(c.received()) && !c.socket.destroyed; sent += zeros.length) {
      if (!c.socket.write(zeros)) await new Promise((r) => c.socket.once('drain', r).once('close', r));
    }
    await until(() => /\r\n\r\n\{.*\}/s.test(c.received()), 5000);
    expect(c.received()).toMatch(/^HTTP\/1\.1 413/);
    expect(c.received()).toMatch(/"error":"too-large"/);
    c.socket.end();
    expect(await c.closed).toEqual({});
    await expectRecovered(server);
  });

  it('a client that never reads its answers holds no slot', async () => {
    const before = await scored(server);
    const scorer = client(server);
    scorer.socket.pause();
    const song = wav(2, 440);
    scorer.socket.write(head('/v1/score', { 'content-type': 'audio/wav', 'content-length': song.length }));
    scorer.socket.write(song);
    await until(async () => (await scored(server)) > before, 20_000);
    expect(await scored(server)).toBe(before + 1);
    await expectRecovered(server);
    scorer.socket.destroy();
  });
});

describe('closing with a client that never reads its answers', () => {
  it('close() ends once the scorings are done, not when the client reads', { timeout: 30_000 }, async () => {
    const server = await startServer({ limits: { timeoutMs: 60_000 } });
    const c = client(server);
    c.socket.pause();
    c.socket.write('GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'.repeat(400));
    await expectRecovered(server);
    // Without the stall check this waits for the 65 s socket timeout.
    await server.close();
    c.socket.destroy();
  });
});
