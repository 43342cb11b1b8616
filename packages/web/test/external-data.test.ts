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
import { EXTERNAL_DATA_MIN_BYTES, sessionInput } from '../src/external-data.js';

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
