/**
 * WebTextEncoder, as the browser opens DeBERTa: streamed over HTTP (a real
 * server on 127.0.0.1) into a split model keeping only the rows of its
 * texts' tokens, then reopened with more rows for a text it was not opened
 * for. Every embedding is compared bit for bit with the whole model's,
 * computed here through the same scorer.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefractorScorer } from '@refractor/core';
import type { InferenceSession } from 'onnxruntime-web';
import { createWebBackend, type WebBackend } from '../src/backend.js';
import { TEXT_SESSION_OPTIONS, WebTextEncoder } from '../src/text-encoder.js';
import { conceptTokenizer } from '../src/tokenizer.js';
import { startStaticServer, type StaticServer } from './browser/server.js';

const require = createRequire(import.meta.url);
const tiny = join(require.resolve('@refractor/tiny-models/package.json'), '..');
const tokenizer = conceptTokenizer(JSON.parse(readFileSync(join(tiny, 'text/tokenizer.json'), 'utf8')), JSON.parse(readFileSync(join(tiny, 'text/tokenizer_config.json'), 'utf8')));

let server: StaticServer;
let backend: WebBackend;
let whole: InferenceSession;
beforeAll(async () => {
  server = await startStaticServer(mkdtempSync(join(tmpdir(), 'refractor-web-text-')), { '/models/tiny/': tiny });
  backend = await createWebBackend({ device: 'wasm' });
  // The same session options as the encoder's own, so that only the row subset differs.
  whole = await backend.createSession(new Uint8Array(readFileSync(join(tiny, 'text/onnx/model.onnx'))), TEXT_SESSION_OPTIONS);
}, 60_000);
afterAll(async () => {
  await whole?.release();
  await server?.close();
});

/** The whole model's embedding of `text`, through the scorer Node and the browser share. */
function expected(text: string): Promise<Float32Array> {
  const none = {} as InferenceSession;
  return new RefractorScorer(backend, { clap: none, cdm: none, text: whole, tokenizer }).prepareConcept(text);
}

const bits = (vector: Float32Array) => Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);

describe('WebTextEncoder', () => {
  it('opened for some texts keeps only their rows, embeds them bitwise as the whole model does, and reopens for a text with other tokens', { timeout: 60_000 }, async () => {
    const file = { url: `${server.origin}/models/tiny/text/onnx/model.onnx`, options: { cache: false } };
    let openings = 0;
    const texts = ['A song about forgetting the future', 'Rain on a tin roof'];
    const encoder = await WebTextEncoder.open(backend, file, tokenizer, texts, () => openings++);
    try {
      const rows = encoder.rows!;
      expect([...rows]).toEqual([...new Set(texts.flatMap((text) => tokenizer.encode(text).ids))].sort((a, b) => a - b));
      for (const text of texts) expect(bits(await encoder.embed(text)).equals(bits(await expected(text))), text).toBe(true);
      expect(openings).toBe(1);
      const other = 'zebra quartz xylophone';
      expect(tokenizer.encode(other).ids.some((id) => !rows.includes(id))).toBe(true);
      expect(bits(await encoder.embed(other)).equals(bits(await expected(other)))).toBe(true);
      expect(openings).toBe(2);
      expect(encoder.rows!.length).toBeGreaterThan(rows.length);
      // The first texts still embed the same after the reopening.
      expect(bits(await encoder.embed(texts[0]!)).equals(bits(await expected(texts[0]!)))).toBe(true);
    } finally {
      await encoder.release();
    }
  });

  it('opened for no text keeps the whole table', { timeout: 60_000 }, async () => {
    const encoder = await WebTextEncoder.open(backend, { url: `${server.origin}/models/tiny/text/onnx/model.onnx`, options: { cache: false } }, tokenizer, []);
    try {
      expect(encoder.rows).toBeUndefined();
      const text = 'zebra quartz xylophone';
      expect(bits(await encoder.embed(text)).equals(bits(await expected(text)))).toBe(true);
    } finally {
      await encoder.release();
    }
  });
});
