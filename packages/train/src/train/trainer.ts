/**
 * `trainCdm`: the card's recipe (song-level stratified split, weighted and
 * label-smoothed cross entropy, Adam with L2 weight decay, dropout, best
 * checkpoint by mean per-color validation accuracy), run on onnxruntime-node.
 */
import { COLOR_NAMES, RefractorError, validationMetrics, type ValidationMetrics } from '@refractor/core';
import { ParallelAdam } from './adam-parallel.js';
import { classWeights } from './class-weights.js';
import { checkTrainingData, gatherRows, leadingColumns, type CdmTrainingData } from './data.js';
import { lossTargets, smoothedWeightedCrossEntropy } from './loss.js';
import { CDM_CLASSES, CDM_HIDDEN, cloneCdmWeights, countCdmParameters, initCdmWeights, parameterTensors, type CdmInputDim, type CdmWeights } from './model.js';
import { streamFor, type SeededRng } from './rng.js';
import { EvalSession, TrainStepSession, type TrainBatch } from './sessions.js';
import { splitSongs } from './split.js';

/** What one epoch reports through `onEpoch` (and keeps in `history`). */
export interface EpochRecord {
  /** 1-based. */
  epoch: number;
  /** Mean of the batch losses, each weighted by its row count. */
  trainLoss: number;
  /** The same loss (training class weights) over the validation chunks; null without validation. */
  valLoss: number | null;
  /** Chunk-level accuracy over the validation chunks; null without validation. */
  valAccuracy: number | null;
  /** Mean over the colors present in validation of their chunk accuracy; null without validation. */
  valMeanPerColorAccuracy: number | null;
}

/** Options of {@link trainCdm}; defaults are the card's recipe. */
export interface TrainCdmOptions {
  epochs?: number;
  lr?: number;
  batchSize?: number;
  seed?: number;
  valFrac?: number;
  /** Train on the CLAP half only (512 inputs; the first 512 columns of 1280-wide rows). */
  noConcept?: boolean;
  weightDecay?: number;
  labelSmoothing?: number;
  dropout?: number;
  /** Called after every epoch (the CLI logs every 10th). */
  onEpoch?: (record: EpochRecord) => void;
}

/** The recipe's defaults (the card). */
export const CDM_RECIPE = Object.freeze({
  epochs: 300,
  lr: 3e-4,
  batchSize: 64,
  seed: 42,
  valFrac: 0.2,
  noConcept: false,
  weightDecay: 1e-3,
  labelSmoothing: 0.1,
  dropout: 0.3,
});

/** What {@link trainCdm} returns. */
export interface TrainCdmResult {
  /** The best checkpoint's weights. */
  model: CdmWeights;
  /** The epoch of that checkpoint (1-based; the last epoch when nothing validates). */
  bestEpoch: number;
  history: EpochRecord[];
  split: { trainSongs: string[]; valSongs: string[] };
  /** Per color, canonical order. */
  classWeights: number[];
  /** Chunk-level validation metrics of the best checkpoint; null without validation. */
  valMetrics: ValidationMetrics | null;
  warnings: string[];
  /** A JSON-able summary (recipe, split sizes, weights, best epoch, metrics). */
  report: Record<string, unknown>;
}

function checkOptions(o: Required<Omit<TrainCdmOptions, 'onEpoch'>>): void {
  const positiveInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new RefractorError(`${name} is ${v}; expected an integer >= 1`);
  };
  positiveInt('epochs', o.epochs);
  positiveInt('batchSize', o.batchSize);
  if (!Number.isInteger(o.seed)) throw new RefractorError(`seed is ${o.seed}; expected an integer`);
  if (!(o.lr > 0)) throw new RefractorError(`lr is ${o.lr}; expected > 0`);
  if (!(o.weightDecay >= 0)) throw new RefractorError(`weightDecay is ${o.weightDecay}; expected >= 0`);
  if (!(o.labelSmoothing >= 0 && o.labelSmoothing <= 1)) throw new RefractorError(`labelSmoothing is ${o.labelSmoothing}; expected 0..1`);
  if (!(o.dropout >= 0 && o.dropout < 1)) throw new RefractorError(`dropout is ${o.dropout}; expected 0 <= p < 1`);
}

/** Inverted dropout (torch's): each unit kept with probability 1−p and scaled by 1/(1−p). */
function fillDropoutMask(mask: Float32Array, count: number, p: number, rng: SeededRng): void {
  const keep = 1 / (1 - p);
  if (p === 0) {
    mask.fill(1, 0, count);
    return;
  }
  for (let i = 0; i < count; i++) mask[i] = rng.next() < p ? 0 : keep;
}

/** Index of the first maximum (torch.argmax's choice on ties). */
function argmax(values: Float32Array, offset: number, n: number): number {
  let best = 0;
  for (let c = 1; c < n; c++) if (values[offset + c]! > values[offset + best]!) best = c;
  return best;
}

/** Chunk accuracy and mean per-color accuracy of logits against labels. */
function accuracies(logits: Float32Array, labels: ArrayLike<number>): { accuracy: number; meanPerColor: number; predicted: number[] } {
  const correct = new Float64Array(CDM_CLASSES);
  const total = new Float64Array(CDM_CLASSES);
  const predicted: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const p = argmax(logits, i * CDM_CLASSES, CDM_CLASSES);
    predicted.push(p);
    total[labels[i]!]! += 1;
    if (p === labels[i]) correct[labels[i]!]! += 1;
  }
  let sum = 0;
  let present = 0;
  for (let c = 0; c < CDM_CLASSES; c++) {
    if (total[c]! > 0) {
      sum += correct[c]! / total[c]!;
      present += 1;
    }
  }
  return { accuracy: correct.reduce((a, b) => a + b, 0) / labels.length, meanPerColor: sum / present, predicted };
}

/**
 * Trains a CDM with the card's recipe. Deterministic: the same data, options
 * and seed give bit-identical weights (seeded streams for the split, init,
 * shuffling and dropout; onnxruntime sessions with a fixed thread count).
 *
 * @example
 * ```ts
 * const result = await trainCdm(
 *   { features, inputDim: 1280, labels, songIds },
 *   { onEpoch: (e) => e.epoch % 10 === 0 && console.log(e) },
 * );
 * const onnxBytes = exportCdmOnnx(result.model);
 * ```
 */
export async function trainCdm(data: CdmTrainingData, options: TrainCdmOptions = {}): Promise<TrainCdmResult> {
  const { onEpoch, ...rest } = options;
  const o = { ...CDM_RECIPE, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) } as typeof CDM_RECIPE;
  checkOptions(o);
  const rowCount = checkTrainingData(data);
  const inputDim: CdmInputDim = o.noConcept ? 512 : data.inputDim;
  const features = leadingColumns(data.features, data.inputDim, inputDim);
  const labels = Int32Array.from(data.labels);

  // Split by song, then rows follow their song.
  const split = splitSongs(labels, data.songIds, o.valFrac, streamFor(o.seed, 'split'));
  const valSet = new Set(split.valSongs);
  const trainRows: number[] = [];
  const valRows: number[] = [];
  for (let i = 0; i < rowCount; i++) (valSet.has(data.songIds[i]!) ? valRows : trainRows).push(i);
  const trainLabels = Int32Array.from(trainRows, (r) => labels[r]!);
  const valLabels = Int32Array.from(valRows, (r) => labels[r]!);
  const weights = classWeights(trainLabels);
  const valX = new Float32Array(valRows.length * inputDim);
  gatherRows(features, inputDim, valRows, 0, valRows.length, valX);

  const model = initCdmWeights(inputDim, streamFor(o.seed, 'init'));
  const adam = new ParallelAdam(parameterTensors(model), { lr: o.lr, weightDecay: o.weightDecay });
  const shuffleRng = streamFor(o.seed, 'shuffle');
  const dropoutRng = streamFor(o.seed, 'dropout');
  const [step, evaluator] = await Promise.all([TrainStepSession.create(inputDim), EvalSession.create(inputDim)]);

  const B = o.batchSize;
  const makeBatch = (): TrainBatch => ({
    rows: 0,
    x: new Float32Array(B * inputDim),
    t: new Float32Array(B * CDM_CLASSES),
    mask1: new Float32Array(B * CDM_HIDDEN[0]),
    mask2: new Float32Array(B * CDM_HIDDEN[1]),
  });
  // Two buffers: the next batch is prepared while onnxruntime runs this one.
  const buffers = [makeBatch(), makeBatch()];
  const batchLabels = new Int32Array(B);
  const order = Int32Array.from(trainRows);
  const prepare = (batch: TrainBatch, from: number, to: number) => {
    batch.rows = to - from;
    gatherRows(features, inputDim, order, from, to, batch.x);
    for (let k = from; k < to; k++) batchLabels[k - from] = labels[order[k]!]!;
    lossTargets(batchLabels.subarray(0, batch.rows), weights, o.labelSmoothing, batch.t);
    fillDropoutMask(batch.mask1, batch.rows * CDM_HIDDEN[0], o.dropout, dropoutRng);
    fillDropoutMask(batch.mask2, batch.rows * CDM_HIDDEN[1], o.dropout, dropoutRng);
  };

  const history: EpochRecord[] = [];
  let best: { epoch: number; score: number; weights: CdmWeights } = { epoch: 0, score: -Infinity, weights: model };
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      shuffleRng.shuffle(order);
      const batches = Math.ceil(order.length / B);
      let lossSum = 0;
      prepare(buffers[0]!, 0, Math.min(B, order.length));
      for (let j = 0; j < batches; j++) {
        const current = buffers[j % 2]!;
        const pending = step.run(model, current);
        if (j + 1 < batches) prepare(buffers[(j + 1) % 2]!, (j + 1) * B, Math.min((j + 2) * B, order.length));
        const { loss, grads } = await pending;
        lossSum += loss * current.rows;
        adam.step(grads);
      }
      const record: EpochRecord = { epoch, trainLoss: lossSum / order.length, valLoss: null, valAccuracy: null, valMeanPerColorAccuracy: null };
      if (valRows.length > 0) {
        const { logits } = await evaluator.run(model, valX, valRows.length);
        const acc = accuracies(logits, valLabels);
        record.valLoss = smoothedWeightedCrossEntropy(logits, valLabels, weights, o.labelSmoothing);
        record.valAccuracy = acc.accuracy;
        record.valMeanPerColorAccuracy = acc.meanPerColor;
        // Strictly better only: ties keep the earlier epoch.
        if (acc.meanPerColor > best.score) best = { epoch, score: acc.meanPerColor, weights: cloneCdmWeights(model) };
      }
      history.push(record);
      onEpoch?.(record);
    }
    if (valRows.length === 0) best = { epoch: o.epochs, score: NaN, weights: model };

    let valMetrics: ValidationMetrics | null = null;
    if (valRows.length > 0) {
      const { logits } = await evaluator.run(best.weights, valX, valRows.length);
      const { predicted } = accuracies(logits, valLabels);
      valMetrics = validationMetrics(predicted.map((p, i) => ({ actual: COLOR_NAMES[valLabels[i]!]!, predicted: COLOR_NAMES[p]! })));
    }
    const warnings = [...split.warnings];
    const classWeightList = Array.from(weights);
    return {
      model: best.weights,
      bestEpoch: best.epoch,
      history,
      split: { trainSongs: split.trainSongs, valSongs: split.valSongs },
      classWeights: classWeightList,
      valMetrics,
      warnings,
      report: {
        recipe: { ...o, inputDim },
        parameters: countCdmParameters(best.weights),
        rows: { train: trainRows.length, validation: valRows.length },
        songs: { train: split.trainSongs.length, validation: split.valSongs.length },
        classWeights: Object.fromEntries(COLOR_NAMES.map((name, c) => [name, classWeightList[c]])),
        bestEpoch: best.epoch,
        best: history[best.epoch - 1] ?? null,
        valMetrics,
        warnings,
      },
    };
  } finally {
    await Promise.all([step.release(), evaluator.release(), adam.close()]);
  }
}
