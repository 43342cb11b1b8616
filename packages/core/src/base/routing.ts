import { RefractorError } from '../errors.js';
import type { CandidateModel } from './results.js';

/** What a candidate carries and which models are loaded: all {@link routeCandidate} needs. */
export interface RouteInput {
  midi: boolean;
  audio: boolean;
  lyric?: boolean;
  /** A concept was given (text or embedding). */
  concept: boolean;
  cdmLoaded: boolean;
  baseLoaded: boolean;
}

/** The base model is needed and not loaded; the message says how to supply one. */
export class BaseModelMissingError extends RefractorError {
  override readonly name = 'BaseModelMissingError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, code: 'no-base-model' });
  }
}

/** How to supply the base model, for {@link routeCandidate}'s errors (each runtime says it its own way). */
export const BASE_MODEL_HINT =
  'give its path (--base-model <path> on the command line, the baseModel option in code) or put refractor.onnx in the model directory';

/**
 * Routes one call as the original wrapper did: an audio embedding with no
 * MIDI goes to the CDM when one is loaded (the full-mix path); everything
 * else — MIDI with or without audio, lyric-only calls, audio with no CDM —
 * goes to the base model, which needs a concept (the original raised without
 * one). Throws naming what is missing.
 *
 * @example
 * ```ts
 * routeCandidate({ midi: false, audio: true, concept: false, cdmLoaded: true, baseLoaded: false }); // 'cdm'
 * routeCandidate({ midi: true, audio: true, concept: true, cdmLoaded: true, baseLoaded: true });    // 'base'
 * ```
 */
export function routeCandidate(input: RouteInput, hint: string = BASE_MODEL_HINT): CandidateModel {
  if (!input.midi && !input.audio && !input.lyric) throw new RefractorError('a candidate needs MIDI, audio or lyric text; this one has none');
  if (input.audio && !input.midi && input.cdmLoaded) return 'cdm';
  const what = input.midi ? 'MIDI' : input.audio ? 'audio without a CDM' : 'lyric-only candidates';
  if (!input.baseLoaded) {
    throw new BaseModelMissingError(`scoring ${what} needs the base Refractor model (refractor.onnx), and none is loaded: ${hint}`);
  }
  if (!input.concept) throw new RefractorError(`the base Refractor model needs a concept (the original raises without one): give concept text or a concept embedding`);
  return 'base';
}
