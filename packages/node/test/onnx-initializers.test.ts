import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { externalDataInPlace, moveInitializersOut } from '@refractor/core';

const { onnx } = onnxProto;
const require = createRequire(import.meta.url);
const tiny = join(require.resolve('@refractor/tiny-models/package.json'), '..');

/** The protobuf with every tensor's raw bytes hidden, for comparing the rest field by field. */
function withoutData(model: InstanceType<typeof onnx.ModelProto>) {
  const json = onnx.ModelProto.toObject(model, { longs: String, bytes: () => '' }) as { graph: { initializer: Array<Record<string, unknown>> } };
  for (const tensor of json.graph.initializer) {
    delete tensor.rawData;
    delete tensor.externalData;
    delete tensor.dataLocation;
  }
  return json;
}

describe('moveInitializersOut (checked with onnx-proto, an independent protobuf decoder)', () => {
  for (const file of ['text/onnx/model.onnx', 'refractor_cdm.onnx', 'refractor.onnx']) {
    it(`moves ${file}'s big tensors out and leaves every other field as it was`, { timeout: 60_000 }, () => {
      const source = readFileSync(join(tiny, file));
      const original = onnx.ModelProto.decode(source);
      let end = 0;
      const { model, moved, alreadyExternal } = moveInitializersOut(source, (length) => {
        if (length < 1024) return undefined;
        const placement = { location: 'model.onnx_data', offset: end, length };
        end += length + 3; // a gap, so offsets are not simply running sums
        return placement;
      });
      expect(alreadyExternal).toBe(false);
      const rewritten = onnx.ModelProto.decode(Buffer.concat(model));
      expect(withoutData(rewritten)).toEqual(withoutData(original));
      const originalTensors = original.graph?.initializer ?? [];
      const rewrittenTensors = rewritten.graph?.initializer ?? [];

      const big = originalTensors.filter((tensor) => (tensor.rawData?.length ?? 0) >= 1024);
      expect(big.length).toBeGreaterThan(0);
      expect(moved.map(({ bytes }) => Buffer.from(bytes))).toEqual(big.map((tensor) => Buffer.from(tensor.rawData!)));
      let expectedOffset = 0;
      rewrittenTensors.forEach((tensor, i) => {
        const before = originalTensors[i]!;
        if ((before.rawData?.length ?? 0) < 1024) {
          expect(Buffer.from(tensor.rawData ?? [])).toEqual(Buffer.from(before.rawData ?? []));
          expect(tensor.dataLocation ?? 0).toBe(0);
          return;
        }
        expect(tensor.dataLocation).toBe(onnx.TensorProto.DataLocation.EXTERNAL);
        expect(tensor.rawData?.length ?? 0).toBe(0);
        expect(Object.fromEntries((tensor.externalData ?? []).map((entry) => [entry.key, entry.value]))).toEqual({
          location: 'model.onnx_data',
          offset: String(expectedOffset),
          length: String(before.rawData!.length),
        });
        expectedOffset += before.rawData!.length + 3;
      });

      // A model that already keeps weights outside is returned untouched.
      const again = moveInitializersOut(Buffer.concat(model), () => ({ location: 'x', offset: 0, length: 1 }));
      expect(again.alreadyExternal).toBe(true);
      expect(again.moved).toEqual([]);
    });
  }

  it('names what is wrong with bytes that are not a protobuf', () => {
    expect(() => moveInitializersOut(Uint8Array.from([0x3a, 0x10, 1, 2]), () => undefined)).toThrow(/runs past the end/);
    expect(() => moveInitializersOut(Uint8Array.from([0x0b]), () => undefined)).toThrow(/wire type 3/);
  });

  it('gives place() each tensor\'s offset in the input, so externalDataInPlace can point the graph into the original bytes', { timeout: 60_000 }, () => {
    const source = readFileSync(join(tiny, 'text/onnx/model.onnx'));
    const original = onnx.ModelProto.decode(source);
    const split = externalDataInPlace(source, { location: 'weights.bin' });
    expect(split).toBeDefined();
    const graph = onnx.ModelProto.decode(split!.graph);
    expect(withoutData(graph)).toEqual(withoutData(original));
    let external = 0;
    graph.graph!.initializer!.forEach((tensor, i) => {
      const before = original.graph!.initializer![i]!;
      if (tensor.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) {
        expect(before.rawData?.length ?? 0).toBeLessThan(1024);
        return;
      }
      external++;
      const entry = Object.fromEntries((tensor.externalData ?? []).map((e) => [e.key, e.value]));
      expect(entry.location).toBe('weights.bin');
      const offset = Number(entry.offset);
      // The bytes at that offset of the unchanged input are the tensor's data.
      expect(Buffer.from(source.subarray(offset, offset + Number(entry.length)))).toEqual(Buffer.from(before.rawData!));
    });
    expect(external).toBe(split!.moved);
    expect(split!.graph.length).toBeLessThan(source.length / 4);
    // Nothing to move: undefined (the caller passes the model as it is).
    expect(externalDataInPlace(source, { minTensorBytes: source.length })).toBeUndefined();
  });
});
