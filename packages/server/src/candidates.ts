import { DEFAULT_CROP } from '@refractor/audio';
import { candidateReport, candidateSettings, checkCandidates as checkCandidateBatch, type Candidate, type CandidateItem, type CandidateReport, type CandidateResult, type CandidateSettings, type Refractor } from '@refractor/node';
import { ApiError } from './errors.js';
import type { ScoreParams } from './score-options.js';

/** The settings every candidate report carries (file names only: server paths stay private). */
export function serverCandidateSettings(refractor: Refractor, params: ScoreParams): CandidateSettings {
  return candidateSettings({
    models: refractor.modelSet.name,
    testOnly: refractor.modelSet.testOnly,
    baseModel: refractor.baseModelPath ?? null,
    concept: params.concept ?? null,
    crop: params.crop ?? DEFAULT_CROP.crop,
    seed: params.seed ?? DEFAULT_CROP.seed,
    ...(params.targets !== undefined ? { targets: params.targets } : {}),
    fileNamesOnly: true,
  });
}

/**
 * What `refractor score` checks before scoring candidates (core's
 * `checkCandidates`), as 4xx/5xx answers: MIDI (and lyric-only) candidates
 * need the base model and a concept.
 */
export function checkCandidates(refractor: Refractor, candidates: readonly Candidate[], concept: string | undefined): void {
  const problem = checkCandidateBatch(candidates, {
    concept,
    baseLoaded: refractor.hasBaseModel,
    modelSet: "this server's model set",
    baseModelHint: 'start it with a set that has one (the tiny test set does)',
    conceptHint: 'pass concept',
  });
  if (problem) throw new ApiError(problem.code, problem.message, problem.code === 'concept-required' ? 'concept' : undefined);
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
