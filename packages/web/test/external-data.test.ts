/**
 * onnxruntime-web (its WASM backend, in Node) opens a model split by
 * `sessionInput` — a small graph plus the original bytes as external data —
 * and computes exactly what it computes from the whole model. The threshold
 * is lowered to 0 so the tiny models take the path the real encoders take.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { rowSubsetTokenizer, splitModelStream } from '@refractor/core';
import { EXTERNAL_DATA_MIN_BYTES, sessionInput } from '../src/external-data.js';
import { conceptTokenizer } from '../src/tokenizer.js';

const require = createRequire(import.meta.url);
const tiny = join(require.resolve('@refractor/tiny-models/package.json'), '..');
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

async function run(bytes: Uint8Array, split: boolean, feeds: Record<string, ort.Tensor>): Promise<Float32Array> {
  const input = split ? sessionInput(bytes, 0) : { model: bytes, options: {} };
  if (split) {
    expect(input.options.externalData?.length, 'the model was split').toBe(1);
    expect(input.model.length).toBeLessThan(bytes.length / 4);
  }
  const session = await ort.InferenceSession.create(input.model, { executionProviders: ['wasm'], ...input.options });
  try {
    const out = await session.run(feeds);
    return Float32Array.from(out[session.outputNames[0]!]!.data as Float32Array);
  } finally {
    await session.release();
  }
}

describe('sessionInput (external data in place) in onnxruntime-web', () => {
  it('gives the same outputs, bit for bit, as the whole model (tiny CLAP and text encoder)', { timeout: 60_000 }, async () => {
    const clap = new Uint8Array(readFileSync(join(tiny, 'clap/onnx/audio_model.onnx')));
    const features = Float32Array.from({ length: 1001 * 64 }, (_, i) => Math.sin(i * 0.01));
    const clapFeeds = { input_features: new ort.Tensor('float32', features, [1, 1, 1001, 64]) };
    const [whole, split] = [await run(clap, false, clapFeeds), await run(clap, true, clapFeeds)];
    expect(whole.length).toBe(512);
    expect(Buffer.from(split.buffer).equals(Buffer.from(whole.buffer))).toBe(true);

    const text = new Uint8Array(readFileSync(join(tiny, 'text/onnx/model.onnx')));
    const ids = new ort.Tensor('int64', BigInt64Array.from([1n, 300n, 450n, 2n]), [1, 4]);
    const ones = new ort.Tensor('int64', BigInt64Array.from([1n, 1n, 1n, 1n]), [1, 4]);
    const textFeeds = { input_ids: ids, attention_mask: ones, token_type_ids: new ort.Tensor('int64', new BigInt64Array(4), [1, 4]) };
    const [textWhole, textSplit] = [await run(text, false, textFeeds), await run(text, true, textFeeds)];
    expect(Buffer.from(textSplit.buffer).equals(Buffer.from(textWhole.buffer))).toBe(true);
  });

  it('passes small models and bytes that are not a model as they are', () => {
    const cdm = new Uint8Array(readFileSync(join(tiny, 'refractor_cdm.onnx')));
    expect(cdm.length).toBeLessThan(EXTERNAL_DATA_MIN_BYTES);
    expect(sessionInput(cdm).model).toBe(cdm);
    const junk = Uint8Array.from([0x0b, 1, 2, 3]);
    expect(sessionInput(junk, 0)).toEqual({ model: junk, options: {} });
  });
});

describe('the row-subset text encoder (splitModelStream with keepRows) in onnxruntime-web', () => {
  it('fed remapped ids, computes bitwise what the whole text encoder computes, from buffers handed over as external data', { timeout: 60_000 }, async () => {
    const bytes = new Uint8Array(readFileSync(join(tiny, 'text/onnx/model.onnx')));
    const tokenizer = conceptTokenizer(JSON.parse(readFileSync(join(tiny, 'text/tokenizer.json'), 'utf8')), JSON.parse(readFileSync(join(tiny, 'text/tokenizer_config.json'), 'utf8')));
    const texts = ['A song about forgetting the future', 'Rain on a tin roof'];
    async function* chunks() {
      for (let at = 0; at < bytes.length; at += 65_536) yield bytes.slice(at, at + 65_536);
    }
    const split = await splitModelStream(chunks(), { keepRows: { input: 'input_ids', ids: texts.flatMap((text) => tokenizer.encode(text).ids) } });
    expect(split.rows!.length).toBeLessThan(50);
    expect(split.bytesDropped).toBeGreaterThan(bytes.length / 3); // the tiny table is ~47 % of its file (53 % for DeBERTa)
    const subset = rowSubsetTokenizer(tokenizer, split.rows!);
    const [whole, part] = [await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] }), await ort.InferenceSession.create(split.graph, { executionProviders: ['wasm'], externalData: split.externalData })];
    const feeds = (ids: readonly number[]) => {
      const int64 = (values: readonly number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);
      return { input_ids: int64(ids), attention_mask: int64(ids.map(() => 1)), token_type_ids: int64(ids.map(() => 0)) };
    };
    try {
      for (const text of texts) {
        const expected = (await whole.run(feeds(tokenizer.encode(text).ids))).last_hidden_state!.data as Float32Array;
        const actual = (await part.run(feeds(subset.encode(text).ids))).last_hidden_state!.data as Float32Array;
        expect(Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength)), text).toBe(true);
      }
    } finally {
      await Promise.all([whole.release(), part.release()]);
    }
  });
});
