import { readFile } from 'node:fs/promises';
import type { InferenceSession } from 'onnxruntime-node';
import {
  BASE_MODEL_HINT,
  DEFAULT_CANDIDATE_BATCH,
  RefractorError,
  meanEmbedding,
  rankByConfidence,
  routeCandidate,
  scoreCandidateBatch,
  takesSoundsLike,
  type BaseCandidateInputs,
  type CandidateResult,
  type InferenceBackend,
} from '@refractor/core';
import { decodeAudio, downmix, midiToPianoRoll, type CropOptions } from '@refractor/audio';

/** One candidate of {@link Refractor.scoreCandidates}: any of MIDI, audio and lyric text (paths or bytes). */
export interface Candidate {
  /** Names the candidate in results and errors (default: its MIDI or audio path, else `candidate <n>`). */
  id?: string;
  /** A Standard MIDI File: path or bytes. */
  midi?: string | Uint8Array;
  /** An audio clip: path or bytes; embedded as one 10 s CLAP crop (`crop`/`seed`), as the original. */
  audio?: string | Uint8Array;
  /** Lyric text, embedded with the concept encoder. */
  lyric?: string;
}

/** Options for {@link Refractor.scoreCandidates}. */
export interface CandidateScoreOptions extends CropOptions {
  /** The concept every candidate is scored against (required by the base model). */
  concept?: string;
  /** A precomputed 768-d concept embedding; wins over `concept`. */
  conceptEmbedding?: ArrayLike<number>;
  /** Artist descriptions: the mean of their embeddings feeds `sounds_like_emb` (empty or absent: the null path). */
  soundsLike?: readonly string[];
  /** Sort by confidence, descending, with a 0-based `rank` (failed items last, unranked). */
  rank?: boolean;
  /** Candidates per ONNX run (default 64). */
  batchSize?: number;
}

/** One candidate's outcome: its result (and rank) or why it failed. */
export interface CandidateItem {
  input: string;
  result?: CandidateResult;
  error?: Error;
  /** 0-based place by confidence, with `rank: true`. */
  rank?: number;
}

/** What the candidate path needs from a loaded Refractor (kept narrow, so it stays testable and the class small). */
export interface CandidateRuntime {
  backend: InferenceBackend;
  base: InferenceSession | undefined;
  cdm: InferenceSession;
  prepareConcept(text: string): Promise<Float32Array>;
  prepareAudio(waveform: Float32Array, sampleRate: number, options: CropOptions): Promise<Float32Array>;
}

/** How a Node user supplies the base model (for routing errors). */
export const NODE_BASE_MODEL_HINT = BASE_MODEL_HINT;

const bytesOf = async (source: string | Uint8Array): Promise<Uint8Array> => (typeof source === 'string' ? new Uint8Array(await readFile(source)) : source);

/** The label of a candidate in results and errors. */
export function candidateLabel(candidate: Candidate, index: number): string {
  if (candidate.id !== undefined) return candidate.id;
  if (typeof candidate.midi === 'string') return candidate.midi;
  if (typeof candidate.audio === 'string') return candidate.audio;
  return `candidate ${index}`;
}

/**
 * A MIDI file (path or bytes) as the base model's piano roll: float32
 * `[128, 256]`, pitch-major. Bad files throw `MidiParseError` naming them.
 */
export async function prepareMidi(input: string | Uint8Array, name = typeof input === 'string' ? input : undefined): Promise<Float32Array> {
  return midiToPianoRoll(await bytesOf(input), name === undefined ? {} : { name });
}

/**
 * Scores candidates against one concept (see {@link Refractor.scoreCandidates}):
 * each is prepared on its own (a bad file fails only that item), routed as the
 * original, then scored by core's `scoreCandidateBatch`, one ONNX run per batch.
 */
export async function scoreCandidates(runtime: CandidateRuntime, candidates: readonly Candidate[], options: CandidateScoreOptions = {}): Promise<CandidateItem[]> {
  const concept = options.conceptEmbedding ?? (options.concept != null && options.concept.trim() !== '' ? await runtime.prepareConcept(options.concept) : undefined);
  const soundsLikeTexts = (options.soundsLike ?? []).filter((text) => text.trim() !== '');
  const soundsLike =
    runtime.base && takesSoundsLike(runtime.base) && soundsLikeTexts.length > 0
      ? meanEmbedding(await Promise.all(soundsLikeTexts.map((text) => runtime.prepareConcept(text))))
      : undefined;
  const items: CandidateItem[] = [];
  const prepared: Array<{ item: CandidateItem; inputs: BaseCandidateInputs }> = [];
  for (const [index, candidate] of candidates.entries()) {
    const item: CandidateItem = { input: candidateLabel(candidate, index) };
    items.push(item);
    try {
      const lyric = candidate.lyric != null && candidate.lyric.trim() !== '' ? candidate.lyric : undefined;
      // Route first: a missing model or concept fails before any decoding.
      routeCandidate(
        { midi: candidate.midi !== undefined, audio: candidate.audio !== undefined, lyric: lyric !== undefined, concept: concept !== undefined, cdmLoaded: true, baseLoaded: runtime.base !== undefined },
        NODE_BASE_MODEL_HINT,
      );
      const inputs: BaseCandidateInputs = {};
      if (candidate.midi !== undefined) inputs.pianoRoll = await prepareMidi(candidate.midi, typeof candidate.midi === 'string' ? candidate.midi : item.input);
      if (candidate.audio !== undefined) {
        const name = typeof candidate.audio === 'string' ? candidate.audio : item.input;
        const { channels, sampleRate } = await decodeAudio(await bytesOf(candidate.audio), { name });
        inputs.audioEmbedding = await runtime.prepareAudio(downmix(channels), sampleRate, { ...(options.crop ? { crop: options.crop } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) });
      }
      // The lyric only matters to the base model (the CDM path ignores it, as the original).
      if (lyric !== undefined && (candidate.midi !== undefined || candidate.audio === undefined)) inputs.lyricEmbedding = await runtime.prepareConcept(lyric);
      prepared.push({ item, inputs });
    } catch (error) {
      item.error = error instanceof Error ? error : new RefractorError(String(error));
    }
  }
  if (prepared.length > 0) {
    const results = await scoreCandidateBatch(
      runtime.backend,
      { cdm: runtime.cdm, ...(runtime.base ? { base: runtime.base } : {}) },
      prepared.map((p) => p.inputs),
      {
        batchSize: options.batchSize ?? DEFAULT_CANDIDATE_BATCH,
        baseModelHint: NODE_BASE_MODEL_HINT,
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
 * order, via core's `rankByConfidence`), then the failed items in input order.
 */
export function rankItems(items: readonly CandidateItem[]): CandidateItem[] {
  const scored = items.filter((item) => item.result !== undefined);
  const ranked = rankByConfidence(scored.map((item, index) => ({ confidence: item.result!.confidence, index })));
  return [...ranked.map(({ index, rank }) => ({ ...scored[index]!, rank })), ...items.filter((item) => item.result === undefined)];
}
