/**
 * core's splitModelStream, checked with onnx-proto (an independent protobuf
 * decoder) for structure and with onnxruntime-node for outputs: the split
 * model, its external buffers written beside it as files, computes bitwise
 * what the whole model computes, and the row-subset text encoder, fed
 * remapped ids, bitwise what the whole text encoder computes.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { rowSubsetTokenizer, splitModelStream, truncatingTokenizer, type StreamSplitModel } from '@refractor/core';

const { onnx } = onnxProto;
const require = createRequire(import.meta.url);
const tiny = join(require.resolve('@refractor/tiny-models/package.json'), '..');
const scratch = mkdtempSync(join(tmpdir(), 'refractor-split-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The bytes in chunks of `size` (the last one shorter), as a download would deliver them. */
async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.slice(at, at + size);
}

/** The protobuf with every tensor's data (and dims, compared on their own) hidden. */
function skeleton(model: InstanceType<typeof onnx.ModelProto>) {
  const json = onnx.ModelProto.toObject(model, { longs: String, bytes: () => '' }) as { graph: { initializer: Array<Record<string, unknown>> } };
  for (const tensor of json.graph.initializer) {
    for (const key of ['rawData', 'externalData', 'dataLocation', 'dims']) delete tensor[key];
  }
  return json;
}

/** Writes a split model as onnxruntime-node reads external data: files at their paths beside the graph. */
function writeSplit(split: StreamSplitModel, name: string): string {
  const dir = join(scratch, name);
  for (const { path, data } of split.externalData) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), data);
  }
  writeFileSync(join(dir, 'model.onnx'), split.graph);
  return join(dir, 'model.onnx');
}

const tokenizer = truncatingTokenizer(
  new Tokenizer(JSON.parse(readFileSync(join(tiny, 'text/tokenizer.json'), 'utf8')), JSON.parse(readFileSync(join(tiny, 'text/tokenizer_config.json'), 'utf8'))),
  512,
);
const TEXTS = ['A song about forgetting the future', 'Rain on a tin roof', 'rain'];

async function hidden(session: ort.InferenceSession, ids: readonly number[]): Promise<Float32Array> {
  const int64 = (values: readonly number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);
  const feeds: Record<string, ort.Tensor> = { input_ids: int64(ids), attention_mask: int64(ids.map(() => 1)) };
  if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = int64(ids.map(() => 0));
  return (await session.run(feeds)).last_hidden_state!.data as Float32Array;
}

describe('splitModelStream', () => {
  for (const file of ['text/onnx/model.onnx', 'clap/onnx/audio_model.onnx', 'refractor_cdm.onnx', 'refractor.onnx']) {
    it(`splits ${file} streamed in any chunk size into the same graph and the same tensor bytes`, { timeout: 60_000 }, async () => {
      const source = new Uint8Array(readFileSync(join(tiny, file)));
      const original = onnx.ModelProto.decode(source);
      const big = (original.graph?.initializer ?? []).filter((tensor) => (tensor.rawData?.length ?? 0) >= 1024);
      expect(big.length).toBeGreaterThan(0);
      let first: StreamSplitModel | undefined;
      for (const size of [113, 4096, source.length]) {
        const split = await splitModelStream(chunked(source, size));
        expect(split.bytesRead).toBe(source.length);
        expect(split.bytesDropped).toBe(0);
        expect(split.rows).toBeUndefined();
        const rewritten = onnx.ModelProto.decode(split.graph);
        expect(skeleton(rewritten)).toEqual(skeleton(original));
        expect(split.externalData.length).toBe(big.length);
        // Buffer.equals, not toEqual: a deep compare of megabytes byte by byte takes minutes.
        split.externalData.forEach(({ data }, i) => expect(Buffer.from(data).equals(Buffer.from(big[i]!.rawData!)), big[i]!.name!).toBe(true));
        for (const tensor of rewritten.graph!.initializer!) {
          const before = original.graph!.initializer!.find((t) => t.name === tensor.name)!;
          expect(tensor.dims!.map(String)).toEqual(before.dims!.map(String));
        }
        if (first) expect(Buffer.from(split.graph).equals(Buffer.from(first.graph))).toBe(true);
        first ??= split;
      }
    });
  }

  it('opens in onnxruntime with its buffers as external files and computes bitwise what the whole model computes', { timeout: 60_000 }, async () => {
    const path = join(tiny, 'text/onnx/model.onnx');
    const split = await splitModelStream(chunked(new Uint8Array(readFileSync(path)), 1000));
    const [whole, parts] = [await ort.InferenceSession.create(path), await ort.InferenceSession.create(writeSplit(split, 'whole-table'))];
    const ids = tokenizer.encode(TEXTS[0]!).ids;
    expect(Buffer.from((await hidden(parts, ids)).buffer).equals(Buffer.from((await hidden(whole, ids)).buffer))).toBe(true);
  });

  it('keeps only the rows of the given token ids, and the subset model fed remapped ids computes bitwise the same', { timeout: 60_000 }, async () => {
    const path = join(tiny, 'text/onnx/model.onnx');
    const source = new Uint8Array(readFileSync(path));
    const original = onnx.ModelProto.decode(source);
    const table = original.graph!.initializer!.find((t) => t.name === 'embeddings.word_embeddings.weight')!;
    const [vocabulary, width] = table.dims!.map(Number) as [number, number];
    const ids = TEXTS.flatMap((text) => tokenizer.encode(text).ids);
    const unique = [...new Set(ids)].sort((a, b) => a - b);
    for (const size of [113, 333, source.length]) {
      const split = await splitModelStream(chunked(source, size), { keepRows: { input: 'input_ids', ids } });
      expect([...split.rows!]).toEqual(unique);
      expect(split.bytesDropped).toBe((vocabulary - unique.length) * width * 4);
      const rewritten = onnx.ModelProto.decode(split.graph);
      const subset = rewritten.graph!.initializer!.find((t) => t.name === table.name)!;
      expect(subset.dims!.map(Number)).toEqual([unique.length, width]);
      // Row i of the subset is row rows[i] of the original table, byte for byte.
      const data = split.externalData[rewritten.graph!.initializer!.filter((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL).indexOf(subset)]!.data;
      const rowBytes = width * 4;
      unique.forEach((id, i) => {
        expect(Buffer.from(data.subarray(i * rowBytes, (i + 1) * rowBytes)).equals(Buffer.from(table.rawData!.subarray(id * rowBytes, (id + 1) * rowBytes)))).toBe(true);
      });
    }
    const split = await splitModelStream(chunked(source, 4096), { keepRows: { input: 'input_ids', ids } });
    const [whole, subset] = [await ort.InferenceSession.create(path), await ort.InferenceSession.create(writeSplit(split, 'rows'))];
    const remapped = rowSubsetTokenizer(tokenizer, split.rows!);
    for (const text of TEXTS) {
      expect(remapped.covers(text)).toBe(true);
      const expected = await hidden(whole, tokenizer.encode(text).ids);
      const actual = await hidden(subset, remapped.encode(text).ids);
      expect(Buffer.from(actual.buffer).equals(Buffer.from(expected.buffer)), text).toBe(true);
    }
    // A text with a token outside the subset is refused, never read from a wrong row.
    const other = 'zebra quartz xylophone';
    expect(tokenizer.encode(other).ids.some((id) => !unique.includes(id))).toBe(true);
    expect(remapped.covers(other)).toBe(false);
    expect(() => remapped.encode(other)).toThrow(/has no row in the text encoder opened for other concepts/);
  });

  it('keeps the whole table, and says why, when input_ids is used for more than the embedding Gather or is missing', { timeout: 60_000 }, async () => {
    const source = new Uint8Array(readFileSync(join(tiny, 'text/onnx/model.onnx')));
    const model = onnx.ModelProto.decode(source);
    // input_ids also cast to float and added to nothing useful: a second, non-Gather use.
    model.graph!.node!.push(onnx.NodeProto.create({ opType: 'Cast', input: ['input_ids'], output: ['ids_as_float'], attribute: [onnx.AttributeProto.create({ name: 'to', i: 1, type: onnx.AttributeProto.AttributeType.INT })] }));
    const other = onnx.ModelProto.encode(model).finish();
    const split = await splitModelStream(chunked(other, 4096), { keepRows: { input: 'input_ids', ids: [1, 2, 3] } });
    expect(split.rows).toBeUndefined();
    expect(split.rowsSkipped).toMatch(/input_ids feeds something other than Gather indices and Shape/);
    expect(split.bytesDropped).toBe(0);

    const clap = await splitModelStream(chunked(new Uint8Array(readFileSync(join(tiny, 'clap/onnx/audio_model.onnx'))), 65536), { keepRows: { input: 'input_ids', ids: [1] } });
    expect(clap.rows).toBeUndefined();
    expect(clap.rowsSkipped).toBe('the graph has no input input_ids');
  });

  it('names a stream that ends early or is not a protobuf', async () => {
    const source = new Uint8Array(readFileSync(join(tiny, 'refractor_cdm.onnx')));
    await expect(splitModelStream(chunked(source.subarray(0, source.length - 100), 512))).rejects.toThrow(/ends in the middle of a|runs past its length/);
    await expect(splitModelStream(chunked(Uint8Array.from([0x0b, 1, 2]), 1))).rejects.toThrow(/wire type 3/);
  });
});
