import type { InferenceSession, Tensor } from 'onnxruntime-common';
import type { InferenceBackend } from '../backend.js';
import { InvalidValueError } from '../errors.js';
import { BASE_CONTRACT, BASE_PIANO_ROLL_SIZE } from './contract.js';

/** One candidate's prepared inputs for the base model; an absent modality takes the model's null path. */
export interface BaseCandidateInputs {
  /** `[128, 256]` piano roll, pitch-major (@refractor/audio's `midiToPianoRoll`). */
  pianoRoll?: ArrayLike<number>;
  /** 512-d CLAP embedding of one 10 s crop. */
  audioEmbedding?: ArrayLike<number>;
  /** 768-d embedding of the lyric text. */
  lyricEmbedding?: ArrayLike<number>;
}

/** What every candidate of a batch shares. */
export interface BaseSharedInputs {
  /** 768-d concept embedding (required by the base model). */
  conceptEmbedding: ArrayLike<number>;
  /** 768-d mean of the sounds-like embeddings; absent (or from an empty list): the null path. */
  soundsLikeEmbedding?: ArrayLike<number>;
}

const { inputs: NAMES, audioEmbeddingDim, textEmbeddingDim, pianoRollPitches, pianoRollSteps } = BASE_CONTRACT;

/** Whether a base-model graph takes the sounds-like pair (newer exports do). */
export function takesSoundsLike(session: Pick<InferenceSession, 'inputNames'>): boolean {
  return session.inputNames.includes(NAMES.soundsLike);
}

/**
 * The mean of several 768-d embeddings (the original's sounds-like vector),
 * or undefined for an empty list (the null path: zeros, flag false).
 *
 * @example
 * ```ts
 * meanEmbedding([await embed('Nick Drake'), await embed('Low')]); // 768 values
 * meanEmbedding([]); // undefined
 * ```
 */
export function meanEmbedding(embeddings: readonly ArrayLike<number>[]): Float32Array | undefined {
  if (embeddings.length === 0) return undefined;
  const sum = new Float64Array(textEmbeddingDim);
  embeddings.forEach((embedding, i) => {
    checkLength(embedding, textEmbeddingDim, `soundsLike[${i}]`);
    for (let d = 0; d < textEmbeddingDim; d++) sum[d]! += embedding[d]!;
  });
  return Float32Array.from(sum, (v) => v / embeddings.length);
}

function checkLength(values: ArrayLike<number>, length: number, field: string): void {
  if (values == null || values.length !== length) throw new InvalidValueError(field, values, `${length} values`);
}

/**
 * The feeds of one base-model run over `candidates`: absent modalities are
 * zeros with their `has_*` flag false; the concept (and sounds-like vector)
 * is repeated on every row; the sounds-like pair is fed only when the graph
 * declares it.
 *
 * @example
 * ```ts
 * const feeds = baseModelFeeds(backend, session, [{ pianoRoll: roll }], { conceptEmbedding });
 * const outputs = await session.run(feeds);
 * ```
 */
export function baseModelFeeds(
  backend: Pick<InferenceBackend, 'Tensor'>,
  session: Pick<InferenceSession, 'inputNames'>,
  candidates: readonly BaseCandidateInputs[],
  shared: BaseSharedInputs,
): Record<string, Tensor> {
  const n = candidates.length;
  if (n === 0) throw new InvalidValueError('candidates', candidates, 'at least one candidate');
  checkLength(shared.conceptEmbedding, textEmbeddingDim, 'conceptEmbedding');
  const rolls = new Float32Array(n * BASE_PIANO_ROLL_SIZE);
  const audio = new Float32Array(n * audioEmbeddingDim);
  const concept = new Float32Array(n * textEmbeddingDim);
  const lyric = new Float32Array(n * textEmbeddingDim);
  const hasAudio = new Uint8Array(n);
  const hasMidi = new Uint8Array(n);
  const hasLyric = new Uint8Array(n);
  candidates.forEach((candidate, i) => {
    concept.set(shared.conceptEmbedding, i * textEmbeddingDim);
    if (candidate.pianoRoll !== undefined) {
      checkLength(candidate.pianoRoll, BASE_PIANO_ROLL_SIZE, `candidates[${i}].pianoRoll`);
      rolls.set(candidate.pianoRoll, i * BASE_PIANO_ROLL_SIZE);
      hasMidi[i] = 1;
    }
    if (candidate.audioEmbedding !== undefined) {
      checkLength(candidate.audioEmbedding, audioEmbeddingDim, `candidates[${i}].audioEmbedding`);
      audio.set(candidate.audioEmbedding, i * audioEmbeddingDim);
      hasAudio[i] = 1;
    }
    if (candidate.lyricEmbedding !== undefined) {
      checkLength(candidate.lyricEmbedding, textEmbeddingDim, `candidates[${i}].lyricEmbedding`);
      lyric.set(candidate.lyricEmbedding, i * textEmbeddingDim);
      hasLyric[i] = 1;
    }
  });
  const { Tensor } = backend;
  const feeds: Record<string, Tensor> = {
    [NAMES.pianoRoll]: new Tensor('float32', rolls, [n, 1, pianoRollPitches, pianoRollSteps]),
    [NAMES.audio]: new Tensor('float32', audio, [n, audioEmbeddingDim]),
    [NAMES.concept]: new Tensor('float32', concept, [n, textEmbeddingDim]),
    [NAMES.lyric]: new Tensor('float32', lyric, [n, textEmbeddingDim]),
    [NAMES.hasAudio]: new Tensor('bool', hasAudio, [n]),
    [NAMES.hasMidi]: new Tensor('bool', hasMidi, [n]),
    [NAMES.hasLyric]: new Tensor('bool', hasLyric, [n]),
  };
  if (takesSoundsLike(session)) {
    const soundsLike = new Float32Array(n * textEmbeddingDim);
    const hasSoundsLike = new Uint8Array(n);
    if (shared.soundsLikeEmbedding !== undefined) {
      checkLength(shared.soundsLikeEmbedding, textEmbeddingDim, 'soundsLikeEmbedding');
      for (let i = 0; i < n; i++) soundsLike.set(shared.soundsLikeEmbedding, i * textEmbeddingDim);
      hasSoundsLike.fill(1);
    }
    feeds[NAMES.soundsLike] = new Tensor('float32', soundsLike, [n, textEmbeddingDim]);
    feeds[NAMES.hasSoundsLike] = new Tensor('bool', hasSoundsLike, [n]);
  }
  return feeds;
}
