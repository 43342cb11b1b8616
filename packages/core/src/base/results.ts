import type { ColorName, ColorProbs, ModeDistributions } from '../colors.js';

/** Which model answered a candidate: the base fusion model or the CDM (audio-only calls, as the original routes them). */
export type CandidateModel = 'base' | 'cdm';

/**
 * What the base Refractor model says about one candidate: its three softmax
 * axis distributions (the original's lowercase mode keys) and its sigmoid
 * confidence, plus the color nearest to those axes.
 */
export interface BaseResult extends ModeDistributions {
  model: 'base';
  /** In (0, 1). */
  confidence: number;
  /**
   * Derived, not a model output (the base model and the original return no
   * color): the color whose target rows best match the three axes, by the
   * same rule that names a song's color (`songColorByTargets`).
   */
  predicted_color: ColorName;
}

/**
 * An audio-only candidate scored by the CDM (one 10 s CLAP crop, as the
 * original's `score(audio_emb=…)`): the same keys as {@link BaseResult},
 * the axes being the predicted color's target rows, plus the color fields.
 */
export interface CdmCandidateResult extends ModeDistributions {
  model: 'cdm';
  /** The winning color's probability. */
  confidence: number;
  predicted_color: ColorName;
  color_probs: ColorProbs;
}

/** One candidate's result, whichever model answered. */
export type CandidateResult = BaseResult | CdmCandidateResult;

/** A result with its 0-based place in a confidence ranking. */
export type Ranked<T> = T & { rank: number };
