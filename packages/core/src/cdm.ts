import type { InferenceSession } from 'onnxruntime-common';
import type { InferenceBackend } from './backend.js';
import { COLOR_COUNT } from './colors.js';
import { InvalidValueError } from './errors.js';

/** The CDM's tensor contract (the published `refractor_cdm.onnx`). */
export const CDM_CONTRACT = Object.freeze({
  inputName: 'input',
  outputName: 'color_probs',
  /** CLAP audio embedding width, first in the input row. */
  audioEmbeddingDim: 512,
  /** DeBERTa concept embedding width, second in the input row. */
  conceptEmbeddingDim: 768,
  /** audio ‖ concept. */
  inputDim: 1280,
  outputDim: COLOR_COUNT,
});

/**
 * Runs the CDM on `batch` rows of `[audio 512 ‖ concept 768]` and returns the
 * `[batch, 9]` color probabilities, row-major.
 *
 * @example
 * ```ts
 * const probs = await runCdm(backend, session, rows, rows.length / 1280);
 * decodeChunk(probs.subarray(0, 9), { start_s: 0, end_s: 30 });
 * ```
 */
export async function runCdm(
  backend: Pick<InferenceBackend, 'Tensor'>,
  session: InferenceSession,
  rows: Float32Array,
  batch: number,
): Promise<Float32Array> {
  const width = rows.length / Math.max(batch, 1);
  if (!Number.isInteger(batch) || batch < 1 || width !== CDM_CONTRACT.inputDim) {
    throw new InvalidValueError(
      'CDM input',
      `${rows.length} values for batch ${batch}`,
      `batch >= 1 rows of ${CDM_CONTRACT.inputDim} values`,
    );
  }
  const input = new backend.Tensor('float32', rows, [batch, CDM_CONTRACT.inputDim]);
  const outputs = await session.run({ [CDM_CONTRACT.inputName]: input });
  const output = outputs[CDM_CONTRACT.outputName];
  if (!output || output.type !== 'float32' || output.size !== batch * COLOR_COUNT) {
    throw new InvalidValueError(
      `CDM output '${CDM_CONTRACT.outputName}'`,
      output ? `${output.type} of dims [${output.dims.join(', ')}]` : 'missing',
      `float32 [${batch}, ${COLOR_COUNT}]`,
    );
  }
  return output.data as Float32Array;
}
