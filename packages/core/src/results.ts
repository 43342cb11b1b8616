import type { ColorName, ColorProbs, ModeDistributions } from './colors.js';

// Field names are snake_case on purpose: they are the wire format (the
// original wrapper's dict keys and our documented JSON output), so a result
// serializes to the published shape with a plain JSON.stringify.

/** What the CDM says about one chunk of a song (or one embedding pair). */
export interface ChunkResult extends ModeDistributions {
  /** argmax of `color_probs` (the first color wins exact ties, as numpy's argmax). */
  predicted_color: ColorName;
  /** The winning color's probability. */
  confidence: number;
  /** All nine probabilities, keyed by color name (the original discarded them). */
  color_probs: ColorProbs;
  /** Where the chunk starts in the song, in seconds. */
  start_s: number;
  /** Where the chunk ends in the song, in seconds (the padded window's end). */
  end_s: number;
}

/** How far a song's distributions sit from a target color's peak modes. */
export interface Drift {
  /** Song probability of the target's peak temporal mode minus the target's, 4 decimals. */
  temporal_delta: number;
  spatial_delta: number;
  ontological_delta: number;
  /** Mean of the three absolute deltas, 4 decimals. */
  overall_drift: number;
}

/** The aggregate over a song's chunks. */
export interface SongResult extends ModeDistributions {
  /** The song's color by the rule asked for (`settings.color_rule`; default `vote`). */
  predicted_color: ColorName;
  /** The majority of the chunks' colors, ties to the first in chunk order (the original's validation). */
  predicted_color_by_vote: ColorName;
  /** argmax of the pooled, confidence-weighted color probabilities. */
  predicted_color_by_probs: ColorName;
  /** The color whose target rows best match the aggregated distributions (the card's rule). */
  predicted_color_by_targets: ColorName;
  /** Plain mean of the chunk confidences. */
  confidence: number;
  /** Confidence-weighted mean of the chunks' color probabilities. */
  color_probs: ColorProbs;
  chunk_count: number;
  /** The per-chunk timeline, in song order. */
  chunks: ChunkResult[];
  /** Present when a target color was given. */
  target_color?: ColorName;
  /** In [0, 1]; present when a target color was given. */
  chromatic_match?: number;
  /** Present when a target color was given. */
  drift?: Drift;
}
