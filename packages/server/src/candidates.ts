import { basename } from 'node:path';
import { DEFAULT_CROP } from '@refractor/audio';
import { DEFAULT_CANDIDATE_BATCH, DEFAULT_TARGETS, candidateReport, type Candidate, type CandidateItem, type CandidateReport, type CandidateResult, type CandidateSettings, type Refractor } from '@refractor/node';
import { ApiError } from './errors.js';
import type { ScoreParams } from './score-options.js';

/** The settings every candidate report carries (file names only: server paths stay private). */
export function candidateSettings(refractor: Refractor, params: ScoreParams): CandidateSettings {
  const name = refractor.modelSet.name;
  return {
    models: name.includes('/') ? basename(name) : name,
    test_only: refractor.modelSet.testOnly,
    base_model: refractor.baseModelPath ? basename(refractor.baseModelPath) : null,
    crop: params.crop ?? DEFAULT_CROP.crop,
    seed: params.seed ?? DEFAULT_CROP.seed,
    batch_size: DEFAULT_CANDIDATE_BATCH,
    targets: params.targets ?? DEFAULT_TARGETS,
  };
}

/**
 * What `refractor score` checks before scoring candidates, as 4xx/5xx
 * answers: MIDI (and lyric-only) candidates need the base model and a concept.
 */
export function checkCandidates(refractor: Refractor, candidates: readonly Candidate[], concept: string | undefined): void {
  const needsBase = candidates.some((c) => c.midi !== undefined || (c.audio === undefined && c.lyric !== undefined));
  if (needsBase && !refractor.hasBaseModel) {
    throw new ApiError(
      501,
      'no-base-model',
      "scoring MIDI needs the base Refractor model (refractor.onnx), and this server's model set has none; start it with a set that has one (the tiny test set does)",
    );
  }
  if (needsBase && (concept === undefined || concept.trim() === '')) {
    throw new ApiError(400, 'concept-required', 'the base Refractor model needs a concept (the original raises without one); pass concept', 'concept');
  }
}

/** Scores candidates as `refractor score --rank` does: routed per candidate (MIDI → base model, audio alone → CDM), ranked by confidence. */
export function scoreCandidateList(refractor: Refractor, candidates: readonly Candidate[], params: ScoreParams, rank: boolean): Promise<CandidateItem[]> {
  return refractor.scoreCandidates(candidates, {
    ...(params.concept !== undefined ? { concept: params.concept } : {}),
    soundsLike: params.sounds_like ?? [],
    rank,
    ...(params.targets !== undefined ? { targets: params.targets } : {}),
    ...(params.crop !== undefined ? { crop: params.crop } : {}),
    ...(params.seed !== undefined ? { seed: params.seed } : {}),
  });
}

/** A scored item as the CLI's candidate JSON. */
export function reportOf(item: CandidateItem, settings: CandidateSettings): CandidateReport {
  return candidateReport(item as CandidateItem & { result: CandidateResult }, settings);
}
