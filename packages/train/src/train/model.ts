/**
 * The CDM's weights in memory and their PyTorch-default initialization.
 */
import { COLOR_NAMES } from '@refractor/core';
import type { SeededRng } from './rng.js';

/** Widths of the hidden layers (the card: 256 → 128 → 9). */
export const CDM_HIDDEN = Object.freeze([256, 128] as const);
/** Number of output classes (the nine colors). */
export const CDM_CLASSES = COLOR_NAMES.length;

/** Input width: 1280 = CLAP 512 ‖ concept 768, or 512 for a `noConcept` model. */
export type CdmInputDim = 512 | 1280;

/** One `nn.Linear`: weight row-major `[outFeatures, inFeatures]` as PyTorch stores it. */
export interface LinearWeights {
  weight: Float32Array;
  bias: Float32Array;
  inFeatures: number;
  outFeatures: number;
}

/** A CDM's weights: Linear(in→256), Linear(256→128), Linear(128→9). */
export interface CdmWeights {
  inputDim: CdmInputDim;
  layers: [LinearWeights, LinearWeights, LinearWeights];
}

/** The layer widths of a CDM with this input width. */
export function cdmLayerSizes(inputDim: CdmInputDim): [number, number][] {
  return [
    [inputDim, CDM_HIDDEN[0]],
    [CDM_HIDDEN[0], CDM_HIDDEN[1]],
    [CDM_HIDDEN[1], CDM_CLASSES],
  ];
}

/**
 * A freshly initialized CDM, as `nn.Linear` initializes itself: weights from
 * kaiming_uniform(a=√5), which works out to U(−1/√fan_in, 1/√fan_in), and
 * biases from the same U(−1/√fan_in, 1/√fan_in). Drawn in the order W1, b1,
 * W2, b2, W3, b3 from `rng`.
 *
 * @example
 * ```ts
 * const weights = initCdmWeights(1280, streamFor(42, 'init'));
 * countCdmParameters(weights); // 361993
 * ```
 */
export function initCdmWeights(inputDim: CdmInputDim, rng: SeededRng): CdmWeights {
  const layers = cdmLayerSizes(inputDim).map(([inFeatures, outFeatures]) => {
    const bound = 1 / Math.sqrt(inFeatures);
    const weight = new Float32Array(inFeatures * outFeatures);
    for (let i = 0; i < weight.length; i++) weight[i] = rng.uniform(-bound, bound);
    const bias = new Float32Array(outFeatures);
    for (let i = 0; i < bias.length; i++) bias[i] = rng.uniform(-bound, bound);
    return { weight, bias, inFeatures, outFeatures };
  });
  return { inputDim, layers: layers as CdmWeights['layers'] };
}

/** The number of trainable parameters (361,993 for a 1280-input CDM). */
export function countCdmParameters(weights: CdmWeights): number {
  return weights.layers.reduce((sum, l) => sum + l.weight.length + l.bias.length, 0);
}

/** A deep copy (the trainer keeps the best checkpoint this way). */
export function cloneCdmWeights(weights: CdmWeights): CdmWeights {
  return {
    inputDim: weights.inputDim,
    layers: weights.layers.map((l) => ({ ...l, weight: l.weight.slice(), bias: l.bias.slice() })) as CdmWeights['layers'],
  };
}

/** The six parameter tensors in graph order: W1, b1, W2, b2, W3, b3. */
export function parameterTensors(weights: CdmWeights): Float32Array[] {
  return weights.layers.flatMap((l) => [l.weight, l.bias]);
}
