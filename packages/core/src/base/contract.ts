import { CDM_CONTRACT } from '../cdm.js';

/**
 * The base Refractor model's tensor names and sizes (`refractor.onnx`, opset
 * 17, dim 0 is the batch). Its weights are not published: users load their
 * own file. `sounds_like_emb` / `has_sounds_like` exist only in newer exports
 * and are fed only when the graph declares them (as the original checks input names).
 */
export const BASE_CONTRACT = Object.freeze({
  inputs: Object.freeze({
    pianoRoll: 'piano_roll',
    audio: 'audio_emb',
    concept: 'concept_emb',
    lyric: 'lyric_emb',
    hasAudio: 'has_audio',
    hasMidi: 'has_midi',
    hasLyric: 'has_lyric',
    soundsLike: 'sounds_like_emb',
    hasSoundsLike: 'has_sounds_like',
  }),
  /** Softmax outputs `[batch, 3]`, named like the axes (mode orders as `MODE_ORDERS`). */
  axisOutputs: Object.freeze(['temporal', 'spatial', 'ontological'] as const),
  /** Sigmoid output `[batch, 1]`. */
  confidenceOutput: 'confidence',
  /** Piano-roll rows (MIDI pitches). */
  pianoRollPitches: 128,
  /** Piano-roll columns (100 ms steps: 25.6 s). */
  pianoRollSteps: 256,
  audioEmbeddingDim: CDM_CONTRACT.audioEmbeddingDim,
  /** DeBERTa width: concept, lyric and sounds-like embeddings. */
  textEmbeddingDim: CDM_CONTRACT.conceptEmbeddingDim,
  /** Modes per axis. */
  axisDim: 3,
});

/** Values in one piano roll (`[1, 128, 256]` per candidate). */
export const BASE_PIANO_ROLL_SIZE = BASE_CONTRACT.pianoRollPitches * BASE_CONTRACT.pianoRollSteps;
