import { BASE_CONTRACT } from './base/contract.js';
import { CDM_CONTRACT } from './cdm.js';

/** One tensor a model must expose: name, element type and dims (numbers are static, strings symbolic). */
export interface TensorContract {
  name: string;
  type: 'float32' | 'int64' | 'bool';
  /** A number must match exactly; a string names a dynamic dimension (batch, sequence). */
  dims: readonly (number | string)[];
  /** Inputs only: the model may omit it (DeBERTa exports without token_type_ids exist). */
  optional?: boolean;
}

/** What a model file must look like to be used for a role. */
export interface ModelContract {
  /** Human name for errors. */
  role: 'CLAP audio encoder' | 'concept encoder' | 'CDM' | 'base model';
  inputs: readonly TensorContract[];
  outputs: readonly TensorContract[];
  /** Optional inputs that come together or not at all (the base model's sounds-like pair). */
  together?: readonly (readonly string[])[];
}

const { inputs: BASE_IN, audioEmbeddingDim, textEmbeddingDim, pianoRollPitches, pianoRollSteps, axisDim } = BASE_CONTRACT;

/** The models' contracts (the real files' interfaces; the tiny set mirrors them). */
export const MODEL_CONTRACTS = Object.freeze({
  clap: Object.freeze<ModelContract>({
    role: 'CLAP audio encoder',
    inputs: [{ name: 'input_features', type: 'float32', dims: ['batch', 1, 1001, 64] }],
    outputs: [{ name: 'audio_embeds', type: 'float32', dims: ['batch', CDM_CONTRACT.audioEmbeddingDim] }],
  }),
  text: Object.freeze<ModelContract>({
    role: 'concept encoder',
    inputs: [
      { name: 'input_ids', type: 'int64', dims: ['batch', 'sequence'] },
      { name: 'attention_mask', type: 'int64', dims: ['batch', 'sequence'] },
      { name: 'token_type_ids', type: 'int64', dims: ['batch', 'sequence'], optional: true },
    ],
    outputs: [{ name: 'last_hidden_state', type: 'float32', dims: ['batch', 'sequence', CDM_CONTRACT.conceptEmbeddingDim] }],
  }),
  cdm: Object.freeze<ModelContract>({
    role: 'CDM',
    inputs: [{ name: CDM_CONTRACT.inputName, type: 'float32', dims: ['batch', CDM_CONTRACT.inputDim] }],
    outputs: [{ name: CDM_CONTRACT.outputName, type: 'float32', dims: ['batch', CDM_CONTRACT.outputDim] }],
  }),
  /** `refractor.onnx`: nine inputs (the sounds-like pair optional, detected by name), four outputs. */
  base: Object.freeze<ModelContract>({
    role: 'base model',
    inputs: [
      { name: BASE_IN.pianoRoll, type: 'float32', dims: ['batch', 1, pianoRollPitches, pianoRollSteps] },
      { name: BASE_IN.audio, type: 'float32', dims: ['batch', audioEmbeddingDim] },
      { name: BASE_IN.concept, type: 'float32', dims: ['batch', textEmbeddingDim] },
      { name: BASE_IN.lyric, type: 'float32', dims: ['batch', textEmbeddingDim] },
      { name: BASE_IN.hasAudio, type: 'bool', dims: ['batch'] },
      { name: BASE_IN.hasMidi, type: 'bool', dims: ['batch'] },
      { name: BASE_IN.hasLyric, type: 'bool', dims: ['batch'] },
      { name: BASE_IN.soundsLike, type: 'float32', dims: ['batch', textEmbeddingDim], optional: true },
      { name: BASE_IN.hasSoundsLike, type: 'bool', dims: ['batch'], optional: true },
    ],
    outputs: [
      ...BASE_CONTRACT.axisOutputs.map((name) => ({ name, type: 'float32' as const, dims: ['batch', axisDim] })),
      { name: BASE_CONTRACT.confidenceOutput, type: 'float32', dims: ['batch', 1] },
    ],
    together: [[BASE_IN.soundsLike, BASE_IN.hasSoundsLike]],
  }),
});

/** The longest concept the text encoder sees, in tokens (DeBERTa's limit; the original truncated there). */
export const CONCEPT_MAX_TOKENS = 512;
