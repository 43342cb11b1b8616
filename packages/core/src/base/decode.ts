import type { Tensor } from 'onnxruntime-common';
import { songColorByTargets } from '../aggregate.js';
import { MODE_ORDERS, type AxisDistribution, type ColorName, type ModeDistributions } from '../colors.js';
import { InvalidValueError } from '../errors.js';
import { assertFinite } from '../numeric.js';
import { CHROMATIC_TARGETS, type ColorTargets } from '../targets.js';
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
 * nearest to the three axes by `table` (derived: the model names no color).
 * NaN or infinite outputs are an error naming the candidate and field.
 *
 * @param table - target rows for the derived `predicted_color` (default: the model card's).
 * @example
 * ```ts
 * const results = decodeBaseOutputs(await session.run(feeds), feeds.piano_roll.dims[0]);
 * results[0].temporal.future; results[0].confidence; results[0].predicted_color;
 * ```
 */
export function decodeBaseOutputs(
  outputs: Record<string, Tensor>,
  batch: number,
  table: Readonly<Record<ColorName, ColorTargets>> = CHROMATIC_TARGETS,
): BaseResult[] {
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
