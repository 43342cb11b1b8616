import type { InferenceSession } from 'onnxruntime-common';
import type { InferenceBackend } from '../backend.js';
import { RefractorError } from '../errors.js';
import { targetTable } from '../targets.js';
import { DEFAULT_CANDIDATE_BATCH, scoreCandidateBatch } from './candidates.js';
import { meanEmbedding, takesSoundsLike, type BaseCandidateInputs } from './feeds.js';
import { rankByConfidence } from './rank.js';
import type { CandidateResult } from './results.js';
import { routeCandidate } from './routing.js';

/** One candidate: any of MIDI, audio and lyric text. `Source` is what a runtime reads: a path or bytes in Node, bytes in browsers. */
export interface CandidateInput<Source> {
  /** Names the candidate in results and errors (default: its MIDI or audio path, else `candidate <n>`). */
  id?: string;
  /** A Standard MIDI File. */
  midi?: Source;
  /** An audio clip, embedded as one 10 s CLAP crop, as the original. */
  audio?: Source;
  /** Lyric text, embedded with the concept encoder. */
  lyric?: string;
}

/** One candidate's outcome: its result (and rank) or why it failed. */
export interface CandidateItem {
  input: string;
  result?: CandidateResult;
  error?: Error;
  /** 0-based place by confidence, when ranked. */
  rank?: number;
}

/** Options shared by Node's and the web's `scoreCandidates`. */
export interface CandidateItemsOptions {
  /** The concept every candidate is scored against (required by the base model). */
  concept?: string | null;
  /** A precomputed 768-d concept embedding; wins over `concept`. */
  conceptEmbedding?: ArrayLike<number>;
  /** Artist descriptions: the mean of their embeddings feeds `sounds_like_emb` (empty or absent: the null path). */
  soundsLike?: readonly string[];
  /** Sort by confidence, descending, with a 0-based `rank` (failed items last, unranked). */
  rank?: boolean;
  /** Candidates per ONNX run (default 64). */
  batchSize?: number;
  /**
   * The target table for CDM answers' axis rows and base answers' derived color.
   * @defaultValue `'canonical'`
   */
  targets?: string;
  /** Called after each candidate is prepared (decoded, embedded), with how many of how many are. */
  onProgress?: (prepared: number, total: number) => void;
}

/** What a runtime hands {@link scoreCandidateItems}: its sessions and how it turns sources into model inputs. */
export interface CandidateRuntime<Source> {
  backend: Pick<InferenceBackend, 'Tensor'>;
  base: InferenceSession | undefined;
  cdm: InferenceSession | undefined;
  /** A 768-d text embedding (concept, lyric, sounds-like). */
  embedText(text: string): Promise<Float32Array>;
  /** A MIDI source as a `[128, 256]` piano roll; bad files throw, naming `name`. */
  pianoRoll(source: Source, name: string): Promise<Float32Array>;
  /** An audio source as one 512-d CLAP embedding. */
  embedAudio(source: Source, name: string): Promise<Float32Array>;
  /** How to supply a missing base model, for errors. */
  baseModelHint?: string;
}

/** The label of a candidate in results and errors: its id, else a path source, else `candidate <n>`. */
export function candidateLabel(candidate: CandidateInput<unknown>, index: number): string {
  if (candidate.id !== undefined) return candidate.id;
  if (typeof candidate.midi === 'string') return candidate.midi;
  if (typeof candidate.audio === 'string') return candidate.audio;
  return `candidate ${index}`;
}

const present = (text: string | null | undefined): text is string => text != null && text.trim() !== '';

/**
 * Scores candidates against one concept, as the original wrapper's
 * `score_batch`: each is prepared on its own (a bad file fails only its item),
 * routed as the original (audio-only → CDM, the rest → base model), then
 * scored with one ONNX run per batch; with `rank`, sorted by confidence.
 * Node and browsers call this with their own ways of reading sources.
 *
 * @example
 * ```ts
 * const items = await scoreCandidateItems(runtime, [{ midi: bytes, id: 'take 1' }], { concept: 'leaving home', rank: true });
 * items[0].rank; items[0].result?.confidence;
 * ```
 */
export async function scoreCandidateItems<Source>(
  runtime: CandidateRuntime<Source>,
  candidates: readonly CandidateInput<Source>[],
  options: CandidateItemsOptions = {},
): Promise<CandidateItem[]> {
  targetTable(options.targets); // a bad name fails before any decoding
  const concept = options.conceptEmbedding ?? (present(options.concept) ? await runtime.embedText(options.concept) : undefined);
  const soundsLikeTexts = (options.soundsLike ?? []).filter(present);
  const soundsLike =
    runtime.base && takesSoundsLike(runtime.base) && soundsLikeTexts.length > 0
      ? meanEmbedding(await Promise.all(soundsLikeTexts.map((text) => runtime.embedText(text))))
      : undefined;
  const items: CandidateItem[] = [];
  const prepared: Array<{ item: CandidateItem; inputs: BaseCandidateInputs }> = [];
  for (const [index, candidate] of candidates.entries()) {
    const item: CandidateItem = { input: candidateLabel(candidate, index) };
    items.push(item);
    try {
      const lyric = present(candidate.lyric) ? candidate.lyric : undefined;
      // Route first: a missing model or concept fails before any decoding.
      const route = routeCandidate(
        {
          midi: candidate.midi !== undefined,
          audio: candidate.audio !== undefined,
          lyric: lyric !== undefined,
          concept: concept !== undefined,
          cdmLoaded: runtime.cdm !== undefined,
          baseLoaded: runtime.base !== undefined,
        },
        runtime.baseModelHint,
      );
      const name = (source: Source) => (typeof source === 'string' ? source : item.input);
      const inputs: BaseCandidateInputs = {};
      if (candidate.midi !== undefined) inputs.pianoRoll = await runtime.pianoRoll(candidate.midi, name(candidate.midi));
      if (candidate.audio !== undefined) inputs.audioEmbedding = await runtime.embedAudio(candidate.audio, name(candidate.audio));
      // The lyric only reaches the base model (the CDM path ignores it, as the original).
      if (lyric !== undefined && route === 'base') inputs.lyricEmbedding = await runtime.embedText(lyric);
      prepared.push({ item, inputs });
    } catch (error) {
      item.error = error instanceof Error ? error : new RefractorError(String(error));
    }
    options.onProgress?.(index + 1, candidates.length);
  }
  if (prepared.length > 0) {
    const results = await scoreCandidateBatch(
      runtime.backend,
      { ...(runtime.cdm ? { cdm: runtime.cdm } : {}), ...(runtime.base ? { base: runtime.base } : {}) },
      prepared.map((p) => p.inputs),
      {
        batchSize: options.batchSize ?? DEFAULT_CANDIDATE_BATCH,
        ...(options.targets !== undefined ? { targets: options.targets } : {}),
        ...(runtime.baseModelHint !== undefined ? { baseModelHint: runtime.baseModelHint } : {}),
        ...(concept !== undefined ? { conceptEmbedding: concept } : {}),
        ...(soundsLike !== undefined ? { soundsLikeEmbedding: soundsLike } : {}),
      },
    );
    prepared.forEach(({ item }, i) => (item.result = results[i]));
  }
  return options.rank ? rankItems(items) : items;
}

/**
 * Scored items sorted by confidence with their 0-based rank (ties keep input
 * order, via {@link rankByConfidence}), then the failed items in input order.
 */
export function rankItems(items: readonly CandidateItem[]): CandidateItem[] {
  const scored = items.filter((item) => item.result !== undefined);
  const ranked = rankByConfidence(scored.map((item, index) => ({ confidence: item.result!.confidence, index })));
  return [...ranked.map(({ index, rank }) => ({ ...scored[index]!, rank })), ...items.filter((item) => item.result === undefined)];
}
