import { Tensor, type InferenceSession } from 'onnxruntime-common';
import { describe, expect, it } from 'vitest';
import { CDM_CONTRACT, InvalidValueError, decodeChunk, runCdm } from '../src/index.js';

/**
 * A stand-in session implementing onnxruntime-common's `run`: softmax of a
 * fixed linear map (logit k = k-th input value × 10), computed independently here.
 */
function fakeCdmSession(outputName = 'color_probs'): InferenceSession {
  return {
    inputNames: ['input'],
    outputNames: [outputName],
    async run(feeds: Record<string, Tensor>) {
      const input = feeds.input!;
      const [batch, width] = input.dims as [number, number];
      const data = input.data as Float32Array;
      const out = new Float32Array(batch * 9);
      for (let b = 0; b < batch; b++) {
        const logits = Array.from({ length: 9 }, (_, k) => data[b * width + k]! * 10);
        const max = Math.max(...logits);
        const exps = logits.map((l) => Math.exp(l - max));
        const total = exps.reduce((a, e) => a + e, 0);
        exps.forEach((e, k) => (out[b * 9 + k] = e / total));
      }
      return { [outputName]: new Tensor('float32', out, [batch, 9]) };
    },
  } as unknown as InferenceSession;
}

describe('runCdm', () => {
  it('feeds [batch, 1280] float32 and returns [batch, 9] probabilities', async () => {
    const rows = new Float32Array(2 * CDM_CONTRACT.inputDim);
    rows[4] = 1; // row 0 leans Blue
    rows[CDM_CONTRACT.inputDim + 8] = 1; // row 1 leans Black
    const probs = await runCdm({ Tensor }, fakeCdmSession(), rows, 2);
    expect(probs.length).toBe(18);
    expect(decodeChunk(probs.subarray(0, 9), { start_s: 0, end_s: 30 }).predicted_color).toBe('Blue');
    expect(decodeChunk(probs.subarray(9, 18), { start_s: 5, end_s: 35 }).predicted_color).toBe('Black');
    // e^10 / (e^10 + 8)
    expect(probs[4]).toBeCloseTo(Math.exp(10) / (Math.exp(10) + 8), 6);
  });

  it('rejects rows of the wrong width and a model without color_probs', async () => {
    await expect(runCdm({ Tensor }, fakeCdmSession(), new Float32Array(512), 1)).rejects.toThrow(InvalidValueError);
    await expect(
      runCdm({ Tensor }, fakeCdmSession('logits'), new Float32Array(CDM_CONTRACT.inputDim), 1),
    ).rejects.toThrow(/CDM output 'color_probs' is "missing"/);
  });
});
