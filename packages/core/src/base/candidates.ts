import type { InferenceSession } from 'onnxruntime-common';
import type { InferenceBackend } from '../backend.js';
import { CDM_CONTRACT, runCdm } from '../cdm.js';
import { decodeChunk } from '../chunk.js';
import { COLOR_COUNT } from '../colors.js';
import { InvalidValueError } from '../errors.js';
import { targetTable } from '../targets.js';
import { decodeBaseOutputs } from './decode.js';
import { baseModelFeeds, type BaseCandidateInputs, type BaseSharedInputs } from './feeds.js';
import type { CandidateResult, CdmCandidateResult } from './results.js';
import { routeCandidate } from './routing.js';

/** The sessions candidates can be scored with: either may be absent (routing decides who answers). */
export interface CandidateModels {
  base?: InferenceSession;
  cdm?: InferenceSession;
}

/** Options for {@link scoreCandidateBatch}. */
export interface CandidateBatchOptions extends Partial<BaseSharedInputs> {
  /** Candidates per ONNX run (default 64). */
  batchSize?: number;
  /** How to supply a missing base model, for the error (see `BASE_MODEL_HINT`). */
  baseModelHint?: string;
  /** The target table CDM answers' axis rows come from (default `canonical`). */
  targets?: string;
}

/** The default candidates per ONNX run. */
export const DEFAULT_CANDIDATE_BATCH = 64;

/**
 * Scores prepared candidates against one concept, as the original wrapper's
 * `score_batch` (before ranking): each is routed ({@link routeCandidate}),
 * the base-model ones go through one ONNX run per `batchSize` candidates, the
 * audio-only ones through the CDM (one `[audio ‖ concept]` row each, batched
 * too). Results come back in input order. Written against onnxruntime-common
 * only, so Node and browsers run the same code.
 *
 * @example
 * ```ts
 * const results = await scoreCandidateBatch(backend, { base, cdm }, [{ pianoRoll: roll }, { audioEmbedding: clip }], { conceptEmbedding });
 * rankByConfidence(results)[0].rank; // 0
 * ```
 */
export async function scoreCandidateBatch(
  backend: Pick<InferenceBackend, 'Tensor'>,
  models: CandidateModels,
  candidates: readonly BaseCandidateInputs[],
  options: CandidateBatchOptions = {},
): Promise<CandidateResult[]> {
  const batchSize = options.batchSize ?? DEFAULT_CANDIDATE_BATCH;
  const targets = targetTable(options.targets).name;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidValueError('batchSize', batchSize, 'an integer >= 1');
  const routes = candidates.map((candidate) =>
    routeCandidate(
      {
        midi: candidate.pianoRoll !== undefined,
        audio: candidate.audioEmbedding !== undefined,
        lyric: candidate.lyricEmbedding !== undefined,
        concept: options.conceptEmbedding !== undefined,
        cdmLoaded: models.cdm !== undefined,
        baseLoaded: models.base !== undefined,
      },
      options.baseModelHint,
    ),
  );
  const results = new Array<CandidateResult>(candidates.length);
  const indices = (model: 'base' | 'cdm') => routes.flatMap((route, i) => (route === model ? [i] : []));
  for (const batch of chunked(indices('base'), batchSize)) {
    const session = models.base!;
    const feeds = baseModelFeeds(backend, session, batch.map((i) => candidates[i]!), options as BaseSharedInputs);
    decodeBaseOutputs(await session.run(feeds), batch.length, targets).forEach((result, j) => (results[batch[j]!] = result));
  }
  for (const batch of chunked(indices('cdm'), batchSize)) {
    const { audioEmbeddingDim, conceptEmbeddingDim, inputDim } = CDM_CONTRACT;
    const rows = new Float32Array(batch.length * inputDim);
    batch.forEach((i, j) => {
      const audio = candidates[i]!.audioEmbedding!;
      if (audio.length !== audioEmbeddingDim) throw new InvalidValueError(`candidates[${i}].audioEmbedding`, audio, `${audioEmbeddingDim} values`);
      rows.set(audio, j * inputDim);
      // No concept: zeros, as the CDM path always did.
      if (options.conceptEmbedding !== undefined) {
        if (options.conceptEmbedding.length !== conceptEmbeddingDim) throw new InvalidValueError('conceptEmbedding', options.conceptEmbedding, `${conceptEmbeddingDim} values`);
        rows.set(options.conceptEmbedding, j * inputDim + audioEmbeddingDim);
      }
    });
    const probs = await runCdm(backend, models.cdm!, rows, batch.length);
    batch.forEach((i, j) => (results[i] = cdmCandidateResult(probs.subarray(j * COLOR_COUNT, (j + 1) * COLOR_COUNT), targets)));
  }
  return results;
}

/** One CDM output row as a candidate result: the chunk decoding (argmax, target rows of the table `targets`) with `model: 'cdm'`. */
export function cdmCandidateResult(colorProbs: ArrayLike<number>, targets?: string): CdmCandidateResult {
  const { predicted_color, confidence, temporal, spatial, ontological, color_probs } = decodeChunk(colorProbs, { start_s: 0, end_s: 0 }, targets);
  return { model: 'cdm', temporal, spatial, ontological, confidence, predicted_color, color_probs };
}

function* chunked<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let at = 0; at < items.length; at += size) yield items.slice(at, at + size);
}
