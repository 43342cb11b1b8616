/**
 * The training data set: validation of its shape and values, and row gathering.
 */
import { CDM_CONTRACT, COLOR_NAMES, RefractorError } from '@refractor/core';
import type { CdmInputDim } from './model.js';

/** Per-chunk rows, their colors and their songs (the original `.npz`'s content). */
export interface CdmTrainingData {
  /** N × inputDim, row-major: CLAP 512 ‖ concept 768 (1280), or CLAP alone (512). */
  features: Float32Array;
  inputDim: CdmInputDim;
  /** Color index per row, 0..8 in canonical order (Red … Black). */
  labels: Int32Array | readonly number[];
  /** The song each row comes from (the split is by song). */
  songIds: readonly string[];
}

/** Checks the data set; throws a {@link RefractorError} that names the problem. */
export function checkTrainingData(data: CdmTrainingData): number {
  const { features, inputDim, labels, songIds } = data;
  if (inputDim !== CDM_CONTRACT.inputDim && inputDim !== CDM_CONTRACT.audioEmbeddingDim) {
    throw new RefractorError(`inputDim is ${inputDim}; expected ${CDM_CONTRACT.inputDim} or ${CDM_CONTRACT.audioEmbeddingDim}`);
  }
  const rows = labels.length;
  if (rows === 0) throw new RefractorError('the training data has no rows');
  if (features.length !== rows * inputDim) {
    throw new RefractorError(`features hold ${features.length} values; expected ${rows} rows × ${inputDim} = ${rows * inputDim}`);
  }
  if (songIds.length !== rows) throw new RefractorError(`songIds has ${songIds.length} entries for ${rows} rows`);
  for (let i = 0; i < rows; i++) {
    const y = labels[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= COLOR_NAMES.length) throw new RefractorError(`labels[${i}] is ${y}; expected a color index 0..8`);
  }
  for (let i = 0; i < features.length; i++) {
    if (!Number.isFinite(features[i]!)) {
      throw new RefractorError(`features row ${Math.floor(i / inputDim)} column ${i % inputDim} is ${features[i]}; expected a finite number`);
    }
  }
  return rows;
}

/**
 * The first `outDim` columns of each row (CLAP comes first, so 512 of 1280
 * drops the concept half for a `noConcept` model).
 */
export function leadingColumns(features: Float32Array, inDim: number, outDim: number): Float32Array {
  if (outDim === inDim) return features;
  const rows = features.length / inDim;
  const out = new Float32Array(rows * outDim);
  for (let r = 0; r < rows; r++) out.set(features.subarray(r * inDim, r * inDim + outDim), r * outDim);
  return out;
}

/** Copies rows `indices[from..to)` of `features` into `out`, contiguously. */
export function gatherRows(features: Float32Array, dim: number, indices: ArrayLike<number>, from: number, to: number, out: Float32Array): void {
  for (let k = from; k < to; k++) {
    const r = indices[k]!;
    out.set(features.subarray(r * dim, r * dim + dim), (k - from) * dim);
  }
}
