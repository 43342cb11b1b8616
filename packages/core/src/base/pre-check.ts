/** What {@link needsBaseModel} looks at: which parts a candidate has (any source type). */
export interface CandidateParts {
  midi?: unknown;
  audio?: unknown;
  lyric?: unknown;
}

/**
 * Whether a candidate goes to the base model, as the original routes it (see
 * `routeCandidate`): MIDI with or without audio, and lyric text without audio;
 * audio alone goes to the CDM. An empty lyric counts as none.
 *
 * @example
 * ```ts
 * needsBaseModel({ midi: 'take.mid' });        // true
 * needsBaseModel({ audio: 'mix.wav' });        // false
 * needsBaseModel({ lyric: 'rain on glass' });  // true
 * ```
 */
export function needsBaseModel(candidate: CandidateParts): boolean {
  const lyric = typeof candidate.lyric === 'string' && candidate.lyric.trim() !== '';
  return candidate.midi !== undefined || (candidate.audio === undefined && lyric);
}

/** Why a batch of candidates cannot be scored at all: `code` for the door's error table, `message` for people. */
export interface CandidateProblem {
  code: 'no-base-model' | 'concept-required';
  /** What is missing, as a field name: `base model` or `concept`. */
  field: 'base model' | 'concept';
  message: string;
}

/** What {@link checkCandidates} needs to know besides the candidates. */
export interface CandidateCheckOptions {
  /** The concept text (or an embedding); absent, null or blank: none. */
  concept?: string | Float32Array | null;
  /** Whether the base model is loaded (true where the models are not known yet, e.g. a queue client). */
  baseLoaded: boolean;
  /** The model set, as the message names it, e.g. `the "default" set` or `this server's model set`. */
  modelSet?: string;
  /** How this door supplies a base model, e.g. `pass --base-model <path>, …`. */
  baseModelHint?: string;
  /** How this door takes a concept, e.g. `pass --concept <text> or --concept-file <file>`. */
  conceptHint?: string;
}

/**
 * The check every door (`refractor score`, `refractor queue add`, the HTTP
 * server) runs before scoring candidates, so each refuses the same batches
 * with the same words: MIDI and lyric-only candidates need the base model,
 * which needs a concept (the original raised without one). One up-front
 * problem rather than one error per file; undefined when the batch can run.
 *
 * @example
 * ```ts
 * checkCandidates([{ midi: 'take.mid' }], { baseLoaded: true, conceptHint: 'pass --concept <text>' });
 * // { code: 'concept-required', field: 'concept', message: 'the base Refractor model needs a concept (…): pass --concept <text>' }
 * ```
 */
export function checkCandidates(candidates: readonly CandidateParts[], options: CandidateCheckOptions): CandidateProblem | undefined {
  const first = candidates.find(needsBaseModel);
  if (first === undefined) return undefined;
  if (!options.baseLoaded) {
    return {
      code: 'no-base-model',
      field: 'base model',
      message:
        `scoring MIDI (or lyric-only candidates) needs the base Refractor model (refractor.onnx), and ${options.modelSet ?? 'the model set'} has none` +
        (options.baseModelHint ? `: ${options.baseModelHint}` : ''),
    };
  }
  const { concept } = options;
  const hasConcept = concept !== undefined && concept !== null && (typeof concept !== 'string' || concept.trim() !== '');
  if (hasConcept) return undefined;
  return {
    code: 'concept-required',
    field: 'concept',
    message: `the base Refractor model needs a concept (the original raises without one)${options.conceptHint ? `: ${options.conceptHint}` : ''}`,
  };
}
