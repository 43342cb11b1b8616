/**
 * Using a trained CDM: inference in memory and export to the CDM contract.
 */
import { buildCdmModel, encodeModel } from '../onnx/graph.js';
import { RefractorError } from '@refractor/core';
import type { CdmWeights } from './model.js';
import { EvalSession } from './sessions.js';

/**
 * Color probabilities (rows × 9, row-major) of a trained CDM for `rows`
 * (row-major, `model.inputDim` values each), with the trainer's own eval
 * forward (no dropout).
 *
 * @example
 * ```ts
 * const probs = await predictCdm(result.model, rows); // rows.length / 1280 × 9
 * ```
 */
export async function predictCdm(model: CdmWeights, rows: Float32Array): Promise<Float32Array> {
  if (rows.length % model.inputDim !== 0) {
    throw new RefractorError(`rows hold ${rows.length} values; expected a multiple of the model's input width ${model.inputDim}`);
  }
  const session = await EvalSession.create(model.inputDim);
  try {
    return (await session.run(model, rows, rows.length / model.inputDim)).probs;
  } finally {
    await session.release();
  }
}

/**
 * The trained CDM as ONNX bytes under the CDM contract: input `input`
 * float32 [batch, 1280] ([batch, 512] for a `noConcept` model), output
 * `color_probs` float32 [batch, 9] (softmax inside), initializers named like
 * the PyTorch state dict.
 *
 * @example
 * ```ts
 * writeFileSync('refractor_cdm.onnx', exportCdmOnnx(result.model));
 * ```
 */
export function exportCdmOnnx(model: CdmWeights, options: { docString?: string; metadata?: Record<string, string> } = {}): Uint8Array {
  return encodeModel(
    buildCdmModel(model.layers, {
      inputDim: model.inputDim,
      docString: options.docString ?? 'Refractor CDM trained with @refractor/node',
      metadata: options.metadata ?? {},
    }),
  );
}
