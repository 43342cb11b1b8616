/**
 * The CDM trainer: the card's recipe on onnxruntime-node.
 *
 * @packageDocumentation
 */
export { trainCdm, CDM_RECIPE, type TrainCdmOptions, type TrainCdmResult, type EpochRecord } from './trainer.js';
export { predictCdm, exportCdmOnnx } from './export.js';
export type { CdmTrainingData } from './data.js';
export { countCdmParameters, initCdmWeights, type CdmWeights, type CdmInputDim, type LinearWeights } from './model.js';
export { classWeights } from './class-weights.js';
export { splitSongs, type SongSplit } from './split.js';
export { lossTargets, smoothedWeightedCrossEntropy } from './loss.js';
export { SeededRng, streamFor } from './rng.js';
