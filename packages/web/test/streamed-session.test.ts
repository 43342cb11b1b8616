/**
 * Weights freed while onnxruntime-web creates the session: `readOnceExternalData`
 * releases each external file once the next one is read (so once its bytes
 * are in the WASM heap), and `openStreamedSession` reads a model over HTTP (a
 * real server on 127.0.0.1) and opens it that way. The outputs are compared
 * bit for bit with the whole model opened from one buffer.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitModelStream } from '@refractor/core';
import * as ort from 'onnxruntime-web';
import { createWebBackend, type WebBackend } from '../src/backend.js';
import { readOnceExternalData } from '../src/external-data.js';
import { openStreamedSession } from '../src/streamed-session.js';
import { startStaticServer, type StaticServer } from './browser/server.js';

const require = createRequire(import.meta.url);
const tiny = join(require.resolve('@refractor/tiny-models/package.json'), '..');
const clapBytes = new Uint8Array(readFileSync(join(tiny, 'clap/onnx/audio_model.onnx')));
const textBytes = new Uint8Array(readFileSync(join(tiny, 'text/onnx/model.onnx')));
const features = Float32Array.from({ length: 1001 * 64 }, (_, i) => Math.sin(i * 0.013));
const feeds = () => ({ input_features: new ort.Tensor('float32', features, [1, 1, 1001, 64]) });
const int64 = (values: number[]) => new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), [1, values.length]);
const textFeeds = () => ({ input_ids: int64([1, 300, 450, 2]), attention_mask: int64([1, 1, 1, 1]), token_type_ids: int64([0, 0, 0, 0]) });
const bits = (data: ort.Tensor['data']) => Buffer.from((data as Float32Array).buffer.slice(0));

async function* chunked(bytes: Uint8Array, size = 4096): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.slice(at, at + size);
}

let server: StaticServer;
let backend: WebBackend;
let expected: Buffer;
let expectedText: Buffer;
beforeAll(async () => {
  server = await startStaticServer(mkdtempSync(join(tmpdir(), 'refractor-web-streamed-')), { '/models/tiny/': tiny });
  backend = await createWebBackend({ device: 'wasm' });
  const whole = await backend.createSession(clapBytes);
  expected = bits((await whole.run(feeds()))[whole.outputNames[0]!]!.data);
  await whole.release();
  const wholeText = await backend.createSession(textBytes);
  expectedText = bits((await wholeText.run(textFeeds()))[wholeText.outputNames[0]!]!.data);
  await wholeText.release();
}, 60_000);
afterAll(async () => {
  await server?.close();
});

async function outputBits(session: ort.InferenceSession, inputs: Record<string, ort.Tensor> = feeds()): Promise<Buffer> {
  try {
    return bits((await session.run(inputs))[session.outputNames[0]!]!.data);
  } finally {
    await session.release();
  }
}

describe('readOnceExternalData', () => {
  it('frees every weight but the last while the session is created, and the session computes what the whole model does (tiny text encoder, 3 files)', { timeout: 60_000 }, async () => {
    const split = await splitModelStream(chunked(textBytes), { minTensorBytes: 64 });
    expect(split.externalData.length).toBeGreaterThanOrEqual(3);
    const external = readOnceExternalData(split.externalData);
    const session = await backend.createSession(split.graph, { externalData: external.files });
    // onnxruntime read each file once, one after another: every file but the last was freed before create resolved.
    expect(external.rereadAfterRelease).toBe(false);
    expect(external.releasedEarly).toBe(split.externalData.length - 1);
    expect(split.externalData.filter(({ data }) => data.byteLength > 0).length).toBe(1);
    external.releaseAll();
    expect(split.externalData.every(({ data }) => data.byteLength === 0)).toBe(true);
    expect((await outputBits(session, textFeeds())).equals(expectedText)).toBe(true);
  });

  it('with release off, frees nothing until releaseAll', { timeout: 60_000 }, async () => {
    const split = await splitModelStream(chunked(textBytes), { minTensorBytes: 64 });
    const external = readOnceExternalData(split.externalData, false);
    const session = await backend.createSession(split.graph, { externalData: external.files });
    expect(external.releasedEarly).toBe(0);
    expect(split.externalData.every(({ data }) => data.byteLength > 0)).toBe(true);
    external.releaseAll();
    expect((await outputBits(session, textFeeds())).equals(expectedText)).toBe(true);
  });

  it('notices a file read again after it was freed, and never frees a buffer that several files share before the end', () => {
    const a = new Uint8Array(8);
    const b = new Uint8Array(8);
    const external = readOnceExternalData([{ path: 'a', data: a }, { path: 'b', data: b }]);
    const [fileA, fileB] = external.files.map(({ data }) => data);
    expect(fileA!.byteLength).toBe(8);
    fileA!.subarray(0, 8);
    fileB!.subarray(0, 8);
    expect(a.byteLength, 'a is freed once b is read').toBe(0);
    expect(external.rereadAfterRelease).toBe(false);
    expect(fileA!.byteLength).toBe(0);
    expect(external.rereadAfterRelease).toBe(true);

    const shared = new Uint8Array(16);
    const halves = readOnceExternalData([{ path: 'x', data: shared.subarray(0, 8) }, { path: 'y', data: shared.subarray(8) }, { path: 'z', data: new Uint8Array(4) }]);
    for (const { data } of halves.files) data.subarray(0, 4);
    expect(halves.releasedEarly).toBe(0);
    expect(shared.byteLength).toBe(16);
    halves.releaseAll();
    expect(shared.byteLength).toBe(0);
  });
});

describe('openStreamedSession', () => {
  const file = () => ({ role: 'clap.model' as const, url: `${server.origin}/models/tiny/clap/onnx/audio_model.onnx`, options: { cache: false } });

  it('opens a model read over HTTP with its weights freed as they are copied, bitwise as the whole model', { timeout: 60_000 }, async () => {
    let openings = 0;
    const { session } = await openStreamedSession(backend, file(), { onOpening: () => openings++ });
    expect(openings).toBe(1);
    expect((await outputBits(session)).equals(expected)).toBe(true);
  });

  it('reads the file again and keeps every buffer when onnxruntime goes back to a freed one', { timeout: 60_000 }, async () => {
    // Stands in for an onnxruntime that reads the first weight again after the others: the first pass must fail and
    // say so, the second (nothing freed early) must open.
    const passes: { released: number; reread: boolean }[] = [];
    const rereading: WebBackend = {
      ...backend,
      async createSession(model, options) {
        const files = (options?.externalData ?? []) as readonly { data: Uint8Array }[];
        for (const { data } of files) data.subarray(0, 1);
        const emptied = files.filter(({ data }) => data.byteLength === 0).length;
        passes.push({ released: emptied, reread: files[0]!.data.byteLength === 0 });
        return backend.createSession(model, options);
      },
    };
    let openings = 0;
    const { session } = await openStreamedSession(rereading, file(), { onOpening: () => openings++ });
    expect(openings).toBe(2);
    expect(passes[0]!.released).toBeGreaterThan(0);
    expect(passes[1]).toEqual({ released: 0, reread: false });
    expect((await outputBits(session)).equals(expected)).toBe(true);
  });

  it('names the file when the bytes are not a model', { timeout: 60_000 }, async () => {
    const notModel = { role: 'clap.model' as const, url: `${server.origin}/models/tiny/clap/config.json`, options: { cache: false } };
    await expect(openStreamedSession(backend, notModel)).rejects.toThrow();
  });
});
