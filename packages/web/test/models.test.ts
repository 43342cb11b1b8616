import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_FILE_ROLES } from '@refractor/core';
import { MANIFEST, boundedTee, fetchModelFile, knownModelDigest, modelUrl, openModelStream, type FileProgress } from '../src/models.js';

describe('modelUrl', () => {
  it('joins a set directory base URL with the role layout', () => {
    expect(modelUrl('/models/tiny/', 'cdm')).toBe('/models/tiny/refractor_cdm.onnx');
    expect(modelUrl('https://example.org/sets/tiny', 'clap.model')).toBe('https://example.org/sets/tiny/clap/onnx/audio_model.onnx');
    for (const [role, path] of Object.entries(MODEL_FILE_ROLES)) expect(modelUrl('/m/', role as keyof typeof MODEL_FILE_ROLES)).toBe(`/m/${path}`);
  });

  it('defaults to the hub resolve URLs of the manifest set', () => {
    const f = MANIFEST.sets.default!.files['text.model'];
    expect(modelUrl(undefined, 'text.model')).toBe(`https://huggingface.co/${f.repo}/resolve/${f.revision}/${f.path}`);
    expect(modelUrl(undefined, 'cdm')).toBe('https://huggingface.co/earthlyframes/refractor_cdm/resolve/main/refractor_cdm.onnx');
    expect(() => modelUrl(undefined, 'cdm', { set: 'nope' })).toThrow(/no model set "nope"/);
  });
});

describe('openModelStream and fetchModelFile over HTTP (a real server on 127.0.0.1)', () => {
  // 9.5 MiB: two whole 4 MiB digest blocks and a short one, arriving in chunks that straddle them.
  const file = Uint8Array.from({ length: 9.5 * 1024 * 1024 }, (_, i) => (i * 2654435761) >>> 24);
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/lies') {
        // Promises more bytes than it sends, then hangs up.
        response.writeHead(200, { 'content-length': String(file.length) });
        response.end(Buffer.from(file.subarray(0, 1000)));
        request.socket.destroy();
        return;
      }
      response.writeHead(200, { 'content-length': String(file.length) });
      let at = 0;
      const next = () => {
        while (at < file.length) {
          const end = Math.min(file.length, at + 100_003);
          const more = response.write(Buffer.from(file.subarray(at, end)));
          at = end;
          if (!more) return void response.once('drain', next);
        }
        response.end();
      };
      next();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** The digest computed independently: node:crypto SHA-256 of each 4 MiB block, then of their digests and the length. */
  function expectedDigest(bytes: Uint8Array): string {
    const parts: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += 4 * 1024 * 1024) parts.push(createHash('sha256').update(bytes.subarray(at, at + 4 * 1024 * 1024)).digest());
    const length = Buffer.alloc(8);
    length.writeBigUInt64BE(BigInt(bytes.length));
    return `sha256x4m:${createHash('sha256').update(Buffer.concat([...parts, length])).digest('hex')}`;
  }

  it('streams the file in chunks with progress in bytes, and takes its block digest on the way', async () => {
    const events: FileProgress[] = [];
    const stream = await openModelStream('text.model', `${base}/model.onnx`, { cache: false, digest: true, onProgress: (p) => events.push(p) });
    expect(stream.total).toBe(file.length);
    const chunks: Uint8Array[] = [];
    for await (const chunk of stream.chunks) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(Buffer.from(file))).toBe(true);
    expect(events[0]).toMatchObject({ loaded: 0, total: file.length, cached: false });
    expect(events.at(-1)).toMatchObject({ loaded: file.length, total: file.length });
    expect(await knownModelDigest(`${base}/model.onnx`, { cache: false })).toBe(expectedDigest(file));

    const whole = await fetchModelFile('text.model', `${base}/again.onnx`, { cache: false, digest: true });
    expect(Buffer.from(whole).equals(Buffer.from(file))).toBe(true);
    expect(await knownModelDigest(`${base}/again.onnx`, { cache: false })).toBe(expectedDigest(file));
  });

  it('names the file when the server sends fewer bytes than it promised, or not the manifest size', async () => {
    await expect(fetchModelFile('text.model', `${base}/lies`, { cache: false })).rejects.toThrow(/\/lies: cannot download model file text\.model/);
    await expect(fetchModelFile('text.model', `${base}/model.onnx`, { cache: false, size: file.length + 1 })).rejects.toThrow(
      new RegExp(`model file text\\.model is ${file.length} bytes; the manifest says ${file.length + 1}`),
    );
  });
});

describe('boundedTee', () => {
  /** A source of `count` chunks of `size` bytes (chunk i filled with i), counting how many were pulled. */
  function source(count: number, size: number, failAt?: number) {
    const state = { pulled: 0, cancelled: false };
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (state.pulled === failAt) return controller.error(new Error('the link dropped'));
          if (state.pulled === count) return controller.close();
          controller.enqueue(new Uint8Array(size).fill(state.pulled++ % 256));
        },
        cancel() {
          state.cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    return { stream, state };
  }
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
    return Buffer.concat(chunks);
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

  it('gives both branches the same bytes, and never reads the source further ahead of the second than the backlog', async () => {
    const { stream, state } = source(100, 1000);
    const [mine, theirs] = boundedTee(stream, 10_000);
    const reader = mine.getReader();
    const got: Uint8Array[] = [];
    // Read the first branch alone: it stalls once the second holds the backlog (10 chunks, plus the one in hand).
    const reading = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        got.push(value);
      }
    })();
    await settle();
    expect(state.pulled).toBeGreaterThanOrEqual(10);
    expect(state.pulled).toBeLessThanOrEqual(12);
    expect(got.length).toBe(state.pulled);
    // Reading the second lets the first go on to the end.
    const [second] = await Promise.all([drain(theirs), reading]);
    const expected = Buffer.concat(Array.from({ length: 100 }, (_, i) => new Uint8Array(1000).fill(i)));
    expect(second.equals(expected)).toBe(true);
    expect(Buffer.concat(got).equals(expected)).toBe(true);
  });

  it('lets the first branch run on once the second is cancelled (a cache that refuses the write)', async () => {
    const { stream } = source(50, 1000);
    const [mine, theirs] = boundedTee(stream, 2000);
    await theirs.cancel();
    expect((await drain(mine)).length).toBe(50_000);
  });

  it('fails both branches when the source fails, and fails the second and cancels the source when the first is cancelled', async () => {
    const failing = source(50, 1000, 5);
    const [a, b] = boundedTee(failing.stream, 1 << 20);
    await expect(drain(a)).rejects.toThrow(/the link dropped/);
    await expect(drain(b)).rejects.toThrow(/the link dropped/);

    const abandoned = source(50, 1000);
    const [mine, theirs] = boundedTee(abandoned.stream, 1 << 20);
    const reader = mine.getReader();
    await reader.read();
    await reader.cancel(new Error('the model did not parse'));
    expect(abandoned.state.cancelled).toBe(true);
    await expect(drain(theirs)).rejects.toThrow(/the model did not parse/);
  });
});
