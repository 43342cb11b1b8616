import type { InferenceSession } from 'onnxruntime-common';
import { describe, expect, it } from 'vitest';
import { MODEL_CONTRACTS, ModelContractError, checkModelContract } from '../src/index.js';

type Meta = { name: string; type: 'float32' | 'int64'; shape: (number | string)[] };

function session(inputs: Meta[], outputs: Meta[]): InferenceSession {
  const meta = (m: Meta) => ({ ...m, isTensor: true as const });
  return {
    inputNames: inputs.map((m) => m.name),
    outputNames: outputs.map((m) => m.name),
    inputMetadata: inputs.map(meta),
    outputMetadata: outputs.map(meta),
  } as unknown as InferenceSession;
}

const goodCdm = () =>
  session([{ name: 'input', type: 'float32', shape: ['batch', 1280] }], [{ name: 'color_probs', type: 'float32', shape: ['batch', 9] }]);

describe('checkModelContract', () => {
  it('accepts the published CDM interface and symbolic or -1 batch dims', () => {
    expect(() => checkModelContract(goodCdm(), MODEL_CONTRACTS.cdm, 'refractor_cdm.onnx')).not.toThrow();
    const dynamic = session([{ name: 'input', type: 'float32', shape: [-1, 1280] }], [{ name: 'color_probs', type: 'float32', shape: [-1, 9] }]);
    expect(() => checkModelContract(dynamic, MODEL_CONTRACTS.cdm, 'x.onnx')).not.toThrow();
  });

  it('names the file and every mismatch', () => {
    const wrong = session(
      [{ name: 'input', type: 'float32', shape: ['batch', 512] }],
      [{ name: 'logits', type: 'float32', shape: ['batch', 9] }],
    );
    let error: unknown;
    try {
      checkModelContract(wrong, MODEL_CONTRACTS.cdm, 'models/bad.onnx');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelContractError);
    expect((error as ModelContractError).file).toBe('models/bad.onnx');
    expect((error as Error).message).toBe(
      "models/bad.onnx: CDM input 'input' has dims [batch, 512]; expected [batch, 1280]; CDM has no output 'color_probs'",
    );
  });

  it('rejects wrong element types and unexpected inputs, and allows the optional token_type_ids to be absent', () => {
    const text = (extra: Meta[]) =>
      session(
        [
          { name: 'input_ids', type: 'int64', shape: ['batch', 'sequence'] },
          { name: 'attention_mask', type: 'int64', shape: ['batch', 'sequence'] },
          ...extra,
        ],
        [{ name: 'last_hidden_state', type: 'float32', shape: ['batch', 'sequence', 768] }],
      );
    expect(() => checkModelContract(text([]), MODEL_CONTRACTS.text, 't.onnx')).not.toThrow();
    expect(() => checkModelContract(text([{ name: 'position_ids', type: 'int64', shape: ['batch', 'sequence'] }]), MODEL_CONTRACTS.text, 't.onnx')).toThrow(
      /unexpected input 'position_ids'/,
    );
    const clap = session(
      [{ name: 'input_features', type: 'int64', shape: ['batch', 1, 1001, 64] }],
      [{ name: 'audio_embeds', type: 'float32', shape: ['batch', 512] }],
    );
    expect(() => checkModelContract(clap, MODEL_CONTRACTS.clap, 'c.onnx')).toThrow(/input 'input_features' is int64; expected float32/);
  });
});
