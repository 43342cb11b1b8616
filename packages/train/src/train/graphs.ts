/**
 * The two ONNX graphs the trainer runs through onnxruntime-node, which serves
 * as its BLAS (its MLAS Gemm kernels are far faster than JS loops):
 *
 * - a training step: forward with dropout, the weighted label-smoothed loss,
 *   and the hand-derived gradients of all six parameters;
 * - an evaluation forward (no dropout) giving logits and probabilities.
 *
 * Parameters are graph inputs, not initializers, so one session serves every step.
 */
import { attr, encodeModel, graph, model, node, tensor, valueInfo } from '../onnx/graph.js';
import { CDM_CLASSES, cdmLayerSizes, type CdmInputDim } from './model.js';

/** Names of the parameter inputs, in the order of {@link parameterTensors}. */
export const PARAM_NAMES = Object.freeze(['w1', 'b1', 'w2', 'b2', 'w3', 'b3'] as const);
/** Names of the gradient outputs, same order. */
export const GRAD_NAMES = Object.freeze(PARAM_NAMES.map((n) => `grad_${n}`));

function paramInputs(inputDim: CdmInputDim) {
  return cdmLayerSizes(inputDim).flatMap(([inF, outF], i) => [
    valueInfo(PARAM_NAMES[2 * i]!, 'float32', [outF, inF]),
    valueInfo(PARAM_NAMES[2 * i + 1]!, 'float32', [outF]),
  ]);
}

const linear = (x: string, i: number, out: string) =>
  // y = x Wᵀ + b, W stored [out, in] as nn.Linear keeps it.
  node('Gemm', [x, PARAM_NAMES[2 * i]!, PARAM_NAMES[2 * i + 1]!], [out], { transB: attr.int(1) });

/**
 * The training-step graph. Inputs: `x` [B, in], `t` [B, 9] the loss targets
 * (see `lossTargets`), `mask1` [B, 256] and `mask2` [B, 128] the inverted
 * dropout masks (0 or 1/(1−p)), and the six parameters. Outputs: `loss` (a
 * scalar, −Σ t ⊙ log_softmax(z3)) and `grad_w1` … `grad_b3`.
 *
 * Backward, derived by hand:
 * - dz3 = rowsum(t) · softmax(z3) − t (the gradient of −Σ_c t_c log p_c when
 *   Σ_c t_c is not 1: class weights make each row sum differ);
 * - dW = dzᵀ · (layer input), db = column sums of dz;
 * - through dropout, multiply by the same mask; through ReLU, keep where the
 *   pre-activation is > 0 (torch's `threshold_backward`);
 * - no gradient w.r.t. x (it is data).
 *
 * @example
 * ```ts
 * const session = await ort.InferenceSession.create(trainStepGraph(1280));
 * ```
 */
export function trainStepGraph(inputDim: CdmInputDim): Uint8Array {
  const [, h1] = cdmLayerSizes(inputDim)[0]!;
  const [, h2] = cdmLayerSizes(inputDim)[1]!;
  const nodes = [
    // Forward.
    linear('x', 0, 'z1'),
    node('Relu', ['z1'], ['a1']),
    node('Mul', ['a1', 'mask1'], ['d1']),
    linear('d1', 1, 'z2'),
    node('Relu', ['z2'], ['a2']),
    node('Mul', ['a2', 'mask2'], ['d2']),
    linear('d2', 2, 'z3'),
    node('LogSoftmax', ['z3'], ['logp'], { axis: attr.int(1) }),
    node('Mul', ['t', 'logp'], ['t_logp']),
    node('ReduceSum', ['t_logp'], ['sum_t_logp'], { keepdims: attr.int(0) }),
    node('Neg', ['sum_t_logp'], ['loss']),
    // Backward.
    node('Exp', ['logp'], ['p']),
    node('ReduceSum', ['t', 'axis1'], ['t_rows'], { keepdims: attr.int(1) }),
    node('Mul', ['p', 't_rows'], ['p_scaled']),
    node('Sub', ['p_scaled', 't'], ['dz3']),
    node('Gemm', ['dz3', 'd2'], ['grad_w3'], { transA: attr.int(1) }),
    node('ReduceSum', ['dz3', 'axis0'], ['grad_b3'], { keepdims: attr.int(0) }),
    node('MatMul', ['dz3', 'w3'], ['dd2']),
    node('Mul', ['dd2', 'mask2'], ['da2']),
    node('Greater', ['z2', 'zero'], ['z2_pos']),
    node('Where', ['z2_pos', 'da2', 'zero'], ['dz2']),
    node('Gemm', ['dz2', 'd1'], ['grad_w2'], { transA: attr.int(1) }),
    node('ReduceSum', ['dz2', 'axis0'], ['grad_b2'], { keepdims: attr.int(0) }),
    node('MatMul', ['dz2', 'w2'], ['dd1']),
    node('Mul', ['dd1', 'mask1'], ['da1']),
    node('Greater', ['z1', 'zero'], ['z1_pos']),
    node('Where', ['z1_pos', 'da1', 'zero'], ['dz1']),
    node('Gemm', ['dz1', 'x'], ['grad_w1'], { transA: attr.int(1) }),
    node('ReduceSum', ['dz1', 'axis0'], ['grad_b1'], { keepdims: attr.int(0) }),
  ];
  const sizes = cdmLayerSizes(inputDim);
  return encodeModel(
    model({
      graph: graph({
        name: 'refractor_cdm_train_step',
        nodes,
        inputs: [
          valueInfo('x', 'float32', ['batch', inputDim]),
          valueInfo('t', 'float32', ['batch', CDM_CLASSES]),
          valueInfo('mask1', 'float32', ['batch', h1]),
          valueInfo('mask2', 'float32', ['batch', h2]),
          ...paramInputs(inputDim),
        ],
        outputs: [
          valueInfo('loss', 'float32', []),
          ...sizes.flatMap(([inF, outF], i) => [
            valueInfo(GRAD_NAMES[2 * i]!, 'float32', [outF, inF]),
            valueInfo(GRAD_NAMES[2 * i + 1]!, 'float32', [outF]),
          ]),
        ],
        initializers: [
          tensor('axis0', 'int64', [1], [0]),
          tensor('axis1', 'int64', [1], [1]),
          tensor('zero', 'float32', [], [0]),
        ],
      }),
    }),
  );
}

/**
 * The evaluation forward: `x` [B, in] and the six parameters in, `logits`
 * and `probs` [B, 9] out. Same ops as the exported CDM (Gemm, Relu, Softmax),
 * dropout being the identity at inference.
 *
 * @example
 * ```ts
 * const session = await ort.InferenceSession.create(evalGraph(1280));
 * ```
 */
export function evalGraph(inputDim: CdmInputDim): Uint8Array {
  return encodeModel(
    model({
      graph: graph({
        name: 'refractor_cdm_eval',
        nodes: [
          linear('x', 0, 'z1'),
          node('Relu', ['z1'], ['a1']),
          linear('a1', 1, 'z2'),
          node('Relu', ['z2'], ['a2']),
          linear('a2', 2, 'logits'),
          node('Softmax', ['logits'], ['probs'], { axis: attr.int(-1) }),
        ],
        inputs: [valueInfo('x', 'float32', ['batch', inputDim]), ...paramInputs(inputDim)],
        outputs: [valueInfo('logits', 'float32', ['batch', CDM_CLASSES]), valueInfo('probs', 'float32', ['batch', CDM_CLASSES])],
      }),
    }),
  );
}
