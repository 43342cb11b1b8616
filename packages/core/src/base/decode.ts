import type { Tensor } from 'onnxruntime-common';
import { songColorByTargets } from '../color-rules.js';
import { MODE_ORDERS, type AxisDistribution, type ModeDistributions } from '../colors.js';
import { InvalidValueError } from '../errors.js';
import { assertFinite } from '../numeric.js';
import { targetTable } from '../targets.js';
import { BASE_CONTRACT } from './contract.js';
import type { BaseResult } from './results.js';

function outputOf(outputs: Record<string, Tensor>, name: string, size: number, dims: string): Float32Array {
  const output = outputs[name];
  if (!output || output.type !== 'float32' || output.size !== size) {
    throw new InvalidValueError(`base model output '${name}'`, output ? `${output.type} of dims [${output.dims.join(', ')}]` : 'missing', `float32 ${dims}`);
  }
  return output.data as Float32Array;
}

/**
 * Decodes one base-model run over `batch` candidates into results: each axis
 * output row keyed by mode name, the confidence as a number, and the color
 * nearest to the three axes in the target table named `targets` (default
 * `canonical`; derived, since the model names no color: the original's
 * nearest-target round trip, {@link songColorByTargets}).
 * NaN or infinite outputs are an error naming the candidate and field.
 *
 * @example
 * ```ts
 * const results = decodeBaseOutputs(await session.run(feeds), feeds.piano_roll.dims[0]);
 * results[0].temporal.future; results[0].confidence; results[0].predicted_color;
 * decodeBaseOutputs(outputs, 1, 'card')[0].predicted_color; // by the card's table
 * ```
 */
export function decodeBaseOutputs(
  outputs: Record<string, Tensor>,
  batch: number,
  targets?: string,
): BaseResult[] {
  const table = targetTable(targets).name;
  const { axisDim, axisOutputs, confidenceOutput } = BASE_CONTRACT;
  const axes = axisOutputs.map((axis) => outputOf(outputs, axis, batch * axisDim, `[${batch}, ${axisDim}]`));
  const confidence = outputOf(outputs, confidenceOutput, batch, `[${batch}, 1]`);
  return Array.from({ length: batch }, (_, b) => {
    const distributions = Object.fromEntries(
      axisOutputs.map((axis, a) => [
        axis,
        Object.fromEntries(MODE_ORDERS[axis].map((mode, m) => [mode, assertFinite(axes[a]![b * axisDim + m]!, `candidate ${b}: ${axis}.${mode}`)])) as AxisDistribution<typeof axis>,
      ]),
    ) as unknown as ModeDistributions;
    const score = assertFinite(confidence[b]!, `candidate ${b}: confidence`);
    return { model: 'base', ...distributions, confidence: score, predicted_color: songColorByTargets(distributions, table) };
  });
}
