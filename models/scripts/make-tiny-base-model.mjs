/**
 * The tiny TEST base Refractor model (`refractor.onnx`): the real contract's names, types
 * and shapes (see MODEL_CONTRACTS.base in @refractor/core), a much narrower network inside.
 * Its outputs mean nothing; they depend on every input, so tests can show each one matters.
 *
 *   piano_roll [b,1,128,256] ─Conv 1→4 (4×8, stride 4×8)─ReLU─MaxPool 2×2─AveragePool 4×4─
 *       Flatten [b,64] ─Gemm→64 (the "midi vector") ─Where(has_midi, ·, null_midi)─ Gemm→W
 *   audio_emb ─Where(has_audio, ·, null_audio)─ Gemm→W
 *   concept_emb ─Gemm→W            lyric_emb ─Where(has_lyric, ·, null_lyric)─ Gemm→W
 *   sounds_like_emb ─Where(has_sounds_like, ·, null_sounds_like)─ Gemm→W   (when present)
 *   concat ─Gemm→32─ReLU─Gemm→16─ReLU─┬ Gemm→3 Softmax: temporal, spatial, ontological
 *                                     └ Gemm→1 Sigmoid: confidence
 *
 * Null vectors are learned in the real model; here they are seeded random, so flipping a
 * `has_*` flag changes the answer even for the same embedding.
 */
import { attr, encodeModel, graph, model, node, tensor, valueInfo } from './onnx-graph.mjs';

/** Width each modality is projected to before fusion. */
const W = 12;
const PITCHES = 128;
const STEPS = 256;
const AUDIO = 512;
const TEXT = 768;
const CONV_CHANNELS = 4;
const MIDI_VECTOR = 64;

/**
 * The tiny base model's bytes.
 * @param {{ uniform: (name: string, count: number, limit: number) => Float32Array,
 *           withStd: (name: string, count: number, std: number) => Float32Array }} random
 *   the generator's seeded streams (one per tensor name)
 * @param {{ soundsLike?: boolean, producer?: object, docString?: string }} [options]
 *   `soundsLike: false` builds an older export without the sounds-like pair (tests only)
 * @returns {Uint8Array}
 */
export function makeTinyBaseModel(random, options = {}) {
  const soundsLike = options.soundsLike ?? true;
  const { uniform, withStd } = random;
  const f = (name, dims, values) => tensor(name, 'float32', dims, values);
  const size = (dims) => dims.reduce((a, b) => a * b, 1);
  const weight = (name, dims, std) => f(name, dims, withStd(`base.${name}`, size(dims), std));
  const bias = (name, n, limit = 0.1) => f(name, [n], uniform(`base.${name}`, n, limit));

  const initializers = [
    tensor('axis_one', 'int64', [1], [1]),
    weight('roll.conv.weight', [CONV_CHANNELS, 1, 4, 8], 0.5),
    // Positive biases keep the ReLUs alive on an empty roll, so every cell can move them.
    f('roll.conv.bias', [CONV_CHANNELS], uniform('base.roll.conv.bias', CONV_CHANNELS, 0.1).map((v) => v + 0.2)),
    weight('roll.fc.weight', [MIDI_VECTOR, CONV_CHANNELS * 16], 1 / Math.sqrt(CONV_CHANNELS * 16)),
    bias('roll.fc.bias', MIDI_VECTOR),
  ];
  const nodes = [
    node('Conv', ['piano_roll', 'roll.conv.weight', 'roll.conv.bias'], ['roll_conv'], { kernel_shape: attr.ints([4, 8]), strides: attr.ints([4, 8]) }),
    node('Relu', ['roll_conv'], ['roll_relu']),
    node('MaxPool', ['roll_relu'], ['roll_max'], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) }),
    node('AveragePool', ['roll_max'], ['roll_avg'], { kernel_shape: attr.ints([4, 4]), strides: attr.ints([4, 4]) }),
    node('Flatten', ['roll_avg'], ['roll_flat'], { axis: attr.int(1) }),
    node('Gemm', ['roll_flat', 'roll.fc.weight', 'roll.fc.bias'], ['midi_vector'], { transB: attr.int(1) }),
  ];

  /**
   * Where(has, x, null) when the modality has a flag, then a projection to W. `std` is the
   * weights' spread: the output's is about std × ‖x‖, and CLAP embeddings have norm 1,
   * tiny-DeBERTa embeddings ≈ 6.
   */
  const modality = (name, input, dim, flag, std) => {
    let current = input;
    if (flag) {
      initializers.push(f(`${name}.null`, [dim], withStd(`base.${name}.null`, dim, 1 / Math.sqrt(dim))));
      nodes.push(node('Unsqueeze', [flag, 'axis_one'], [`${flag}_column`]));
      nodes.push(node('Where', [`${flag}_column`, input, `${name}.null`], [`${name}_chosen`]));
      current = `${name}_chosen`;
    }
    initializers.push(weight(`${name}.proj.weight`, [W, dim], std), bias(`${name}.proj.bias`, W));
    nodes.push(node('Gemm', [current, `${name}.proj.weight`, `${name}.proj.bias`], [`${name}_projected`], { transB: attr.int(1) }));
    return `${name}_projected`;
  };
  const parts = [
    modality('audio', 'audio_emb', AUDIO, 'has_audio', 1),
    modality('midi', 'midi_vector', MIDI_VECTOR, 'has_midi', 4 / Math.sqrt(MIDI_VECTOR)),
    modality('concept', 'concept_emb', TEXT, undefined, 1 / 6),
    modality('lyric', 'lyric_emb', TEXT, 'has_lyric', 1 / 6),
    ...(soundsLike ? [modality('sounds_like', 'sounds_like_emb', TEXT, 'has_sounds_like', 1 / 6)] : []),
  ];
  const fused = W * parts.length;
  nodes.push(node('Concat', parts, ['fused'], { axis: attr.int(1) }));
  initializers.push(
    weight('fusion.0.weight', [32, fused], Math.sqrt(2 / fused)),
    bias('fusion.0.bias', 32),
    weight('fusion.1.weight', [16, 32], Math.sqrt(2 / 32)),
    bias('fusion.1.bias', 16),
  );
  nodes.push(
    node('Gemm', ['fused', 'fusion.0.weight', 'fusion.0.bias'], ['fusion0'], { transB: attr.int(1) }),
    node('Relu', ['fusion0'], ['fusion0_relu']),
    node('Gemm', ['fusion0_relu', 'fusion.1.weight', 'fusion.1.bias'], ['fusion1'], { transB: attr.int(1) }),
    node('Relu', ['fusion1'], ['hidden']),
  );
  for (const head of ['temporal', 'spatial', 'ontological']) {
    initializers.push(weight(`${head}_head.weight`, [3, 16], 0.6), bias(`${head}_head.bias`, 3));
    nodes.push(
      node('Gemm', ['hidden', `${head}_head.weight`, `${head}_head.bias`], [`${head}_logits`], { transB: attr.int(1) }),
      node('Softmax', [`${head}_logits`], [head], { axis: attr.int(-1) }),
    );
  }
  initializers.push(weight('confidence_head.weight', [1, 16], 0.3), bias('confidence_head.bias', 1));
  nodes.push(
    node('Gemm', ['hidden', 'confidence_head.weight', 'confidence_head.bias'], ['confidence_logit'], { transB: attr.int(1) }),
    node('Sigmoid', ['confidence_logit'], ['confidence']),
  );

  const text = (name) => valueInfo(name, 'float32', ['batch', TEXT]);
  const flag = (name) => valueInfo(name, 'bool', ['batch']);
  const inputs = [
    valueInfo('piano_roll', 'float32', ['batch', 1, PITCHES, STEPS]),
    valueInfo('audio_emb', 'float32', ['batch', AUDIO]),
    text('concept_emb'),
    text('lyric_emb'),
    flag('has_audio'),
    flag('has_midi'),
    flag('has_lyric'),
    ...(soundsLike ? [text('sounds_like_emb'), flag('has_sounds_like')] : []),
  ];
  const outputs = [
    ...['temporal', 'spatial', 'ontological'].map((name) => valueInfo(name, 'float32', ['batch', 3])),
    valueInfo('confidence', 'float32', ['batch', 1]),
  ];
  return encodeModel(
    model({
      graph: graph({ name: 'tiny_refractor_base', nodes, inputs, outputs, initializers }),
      ...(options.producer ?? {}),
      docString: options.docString ?? '',
      metadata: { refractor_tiny: 'true' },
    }),
  );
}
