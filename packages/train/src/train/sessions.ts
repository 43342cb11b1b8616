/**
 * onnxruntime-node sessions for the two training graphs. Each is created once
 * with a fixed thread count: MLAS partitions a Gemm by thread count, so a
 * fixed count makes every run bit-for-bit repeatable.
 */
import * as ort from 'onnxruntime-node';
import { evalGraph, GRAD_NAMES, PARAM_NAMES, trainStepGraph } from './graphs.js';
import { CDM_CLASSES, CDM_HIDDEN, type CdmInputDim, type CdmWeights } from './model.js';

/** Threads per operator: fixed for determinism (the trainer's machines have ≥ 2 cores). */
export const TRAIN_THREADS = 2;

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  executionProviders: ['cpu'],
  intraOpNumThreads: TRAIN_THREADS,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
};

function paramFeeds(weights: CdmWeights): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  weights.layers.forEach((l, i) => {
    feeds[PARAM_NAMES[2 * i]!] = new ort.Tensor('float32', l.weight, [l.outFeatures, l.inFeatures]);
    feeds[PARAM_NAMES[2 * i + 1]!] = new ort.Tensor('float32', l.bias, [l.outFeatures]);
  });
  return feeds;
}

/** One batch for a training step (row-major Float32Arrays). */
export interface TrainBatch {
  rows: number;
  x: Float32Array;
  /** Loss targets, rows×9 (see `lossTargets`). */
  t: Float32Array;
  /** Inverted dropout masks, rows×256 and rows×128. */
  mask1: Float32Array;
  mask2: Float32Array;
}

/** The loss and the six gradients (W1, b1, W2, b2, W3, b3) of one step. */
export interface StepResult {
  loss: number;
  grads: Float32Array[];
}

/** The training-step session. */
export class TrainStepSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly inputDim: CdmInputDim,
  ) {}

  /**
   * @example
   * ```ts
   * const step = await TrainStepSession.create(1280);
   * const { loss, grads } = await step.run(weights, batch);
   * ```
   */
  static async create(inputDim: CdmInputDim): Promise<TrainStepSession> {
    return new TrainStepSession(await ort.InferenceSession.create(trainStepGraph(inputDim), SESSION_OPTIONS), inputDim);
  }

  /** Forward, loss and backward for one batch at the current weights. */
  async run(weights: CdmWeights, batch: TrainBatch): Promise<StepResult> {
    const b = batch.rows;
    const out = await this.session.run({
      x: new ort.Tensor('float32', batch.x.subarray(0, b * this.inputDim), [b, this.inputDim]),
      t: new ort.Tensor('float32', batch.t.subarray(0, b * CDM_CLASSES), [b, CDM_CLASSES]),
      mask1: new ort.Tensor('float32', batch.mask1.subarray(0, b * CDM_HIDDEN[0]), [b, CDM_HIDDEN[0]]),
      mask2: new ort.Tensor('float32', batch.mask2.subarray(0, b * CDM_HIDDEN[1]), [b, CDM_HIDDEN[1]]),
      ...paramFeeds(weights),
    });
    return { loss: (out.loss!.data as Float32Array)[0]!, grads: GRAD_NAMES.map((n) => out[n]!.data as Float32Array) };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** The evaluation-forward session (no dropout). */
export class EvalSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly inputDim: CdmInputDim,
  ) {}

  /**
   * @example
   * ```ts
   * const evalSession = await EvalSession.create(1280);
   * const { probs } = await evalSession.run(weights, rows, count);
   * ```
   */
  static async create(inputDim: CdmInputDim): Promise<EvalSession> {
    return new EvalSession(await ort.InferenceSession.create(evalGraph(inputDim), SESSION_OPTIONS), inputDim);
  }

  /** Logits and probabilities (rows×9) for `rows` rows of `x`. */
  async run(weights: CdmWeights, x: Float32Array, rows: number): Promise<{ logits: Float32Array; probs: Float32Array }> {
    if (rows === 0) return { logits: new Float32Array(0), probs: new Float32Array(0) };
    const out = await this.session.run({
      x: new ort.Tensor('float32', x.subarray(0, rows * this.inputDim), [rows, this.inputDim]),
      ...paramFeeds(weights),
    });
    return { logits: out.logits!.data as Float32Array, probs: out.probs!.data as Float32Array };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
