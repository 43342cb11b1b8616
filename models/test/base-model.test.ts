import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASE_CONTRACT, MODEL_CONTRACTS, checkModelContract } from '@refractor/core';
import { tinyBaseModel } from '../scripts/make-tiny-models.mjs';
import { TINY_DIR, declaredTensor, ort, rng } from './helpers.js';
import onnxProto from 'onnx-proto';

const BASE_PATH = join(TINY_DIR, 'refractor.onnx');
const N = BASE_CONTRACT.inputs;
type Feeds = Record<string, ort.Tensor>;

/** A batch of 3 candidates with every modality present and seeded values. */
function feedsFor(withSoundsLike: boolean, seed = 7): Feeds {
  const next = rng(seed);
  const floats = (n: number, scale: number) => Float32Array.from({ length: n }, () => (next() - 0.5) * scale);
  const b = 3;
  const roll = new Float32Array(b * 128 * 256);
  for (let i = 0; i < 600; i++) roll[Math.floor(next() * roll.length)] = next();
  const feeds: Feeds = {
    [N.pianoRoll]: new ort.Tensor('float32', roll, [b, 1, 128, 256]),
    [N.audio]: new ort.Tensor('float32', floats(b * 512, 0.1), [b, 512]),
    [N.concept]: new ort.Tensor('float32', floats(b * 768, 0.5), [b, 768]),
    [N.lyric]: new ort.Tensor('float32', floats(b * 768, 0.5), [b, 768]),
    [N.hasAudio]: new ort.Tensor('bool', Uint8Array.from([1, 1, 1]), [b]),
    [N.hasMidi]: new ort.Tensor('bool', Uint8Array.from([1, 1, 1]), [b]),
    [N.hasLyric]: new ort.Tensor('bool', Uint8Array.from([1, 1, 1]), [b]),
  };
  if (withSoundsLike) {
    feeds[N.soundsLike] = new ort.Tensor('float32', floats(b * 768, 0.5), [b, 768]);
    feeds[N.hasSoundsLike] = new ort.Tensor('bool', Uint8Array.from([1, 1, 1]), [b]);
  }
  return feeds;
}

/** Every output value, concatenated. */
async function outputsOf(session: ort.InferenceSession, feeds: Feeds): Promise<number[]> {
  const out = await session.run(feeds);
  return ['temporal', 'spatial', 'ontological', 'confidence'].flatMap((name) => Array.from(out[name]!.data as Float32Array));
}

/** Replaces one input's values in a copy of the feeds. */
function changed(feeds: Feeds, name: string, mutate: (values: Float32Array | Uint8Array) => void): Feeds {
  const t = feeds[name]!;
  const data = (t.data as Float32Array | Uint8Array).slice();
  mutate(data);
  return { ...feeds, [name]: new ort.Tensor(t.type as 'float32', data as Float32Array, t.dims) };
}

const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

describe.each([
  ['with the sounds-like pair (models/tiny/refractor.onnx)', true],
  ['without it (an older export, generated for the test)', false],
] as const)('tiny base model %s', (_, withSoundsLike) => {
  const bytes = withSoundsLike ? new Uint8Array(readFileSync(BASE_PATH)) : tinyBaseModel({ soundsLike: false });
  const inputs = MODEL_CONTRACTS.base.inputs.filter((c) => withSoundsLike || !c.optional);

  it('is ONNX IR 8, opset 17, declares the contract tensors, and passes checkModelContract', async () => {
    const model = onnxProto.onnx.ModelProto.decode(bytes);
    expect(Number(model.irVersion)).toBe(8);
    expect(model.opsetImport!.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    const declared = model.graph!.input!.map((v) => ({ name: v.name, ...declaredTensor(v) }));
    expect(declared.map((d) => d.name)).toEqual(inputs.map((c) => c.name));
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputMetadata.map((m) => (m.isTensor ? [m.name, m.type, [...m.shape]] : []))).toEqual(inputs.map((c) => [c.name, c.type, [...c.dims]]));
    expect(() => checkModelContract(session, MODEL_CONTRACTS.base, 'refractor.onnx')).not.toThrow();
    await session.release();
  });

  it('gives softmax rows and a sigmoid confidence, and each row depends only on its own candidate', async () => {
    const session = await ort.InferenceSession.create(bytes);
    const feeds = feedsFor(withSoundsLike);
    const out = await session.run(feeds);
    for (const axis of ['temporal', 'spatial', 'ontological']) {
      const v = out[axis]!.data as Float32Array;
      expect(out[axis]!.dims).toEqual([3, 3]);
      for (let r = 0; r < 3; r++) expect(v[r * 3]! + v[r * 3 + 1]! + v[r * 3 + 2]!).toBeCloseTo(1, 6);
    }
    const confidence = Array.from(out.confidence!.data as Float32Array);
    expect(out.confidence!.dims).toEqual([3, 1]);
    for (const c of confidence) expect(c > 0 && c < 1).toBe(true);
    // Candidates differ, so do their answers.
    expect(new Set(confidence).size).toBe(3);
    await session.release();
  });

  it('every input moves the output: the roll, each embedding and each has_* flag', async () => {
    const session = await ort.InferenceSession.create(bytes);
    const feeds = feedsFor(withSoundsLike);
    const before = await outputsOf(session, feeds);
    const moves: Record<string, number> = {};
    for (const { name, type } of inputs) {
      const after = await outputsOf(
        session,
        changed(feeds, name, (values) => {
          if (type === 'bool') values[0] = 0;
          else if (name === N.pianoRoll) values[60 * 256 + 10] = 1; // one cell of the first candidate
          else for (let i = 0; i < values.length / 3; i++) values[i] = (values[i]! as number) + 0.5;
        }),
      );
      moves[name] = maxDiff(before, after);
    }
    for (const { name } of inputs) expect(moves[name], name).toBeGreaterThan(1e-5);
    await session.release();
  });
});

describe('tiny base model size', () => {
  it('stays small', () => {
    expect(readFileSync(BASE_PATH).length).toBeLessThan(300 * 1024);
  });
});
