import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { aggregateChunks, type AggregateOptions } from './aggregate.js';
import type { InferenceBackend } from './backend.js';
import { CDM_CONTRACT, runCdm } from './cdm.js';
import { decodeChunk, type ChunkSpan } from './chunk.js';
import { colorRule } from './color-rules.js';
import { InvalidValueError, RefractorError } from './errors.js';
import type { RowEncoder } from './encoder-batcher.js';
import { CONCEPT_MAX_TOKENS, MODEL_CONTRACTS } from './model-contracts.js';
import type { ChunkResult, SongResult } from './results.js';
import { targetTable } from './targets.js';

/** One chunk's CLAP input and where it sits (structurally @refractor/audio's ChunkFeatures). */
export interface FeatureChunk extends ChunkSpan {
  /** `[channels, 1001, 64]` log-mel, row-major. */
  features: Float32Array;
}

/** Turns concept text into token ids (truncated to the encoder's limit) and an attention mask. */
export interface ConceptTokenizer {
  encode(text: string): { ids: readonly number[]; attentionMask: readonly number[] };
}

/** The sessions (and tokenizer) a scorer runs; open them once and reuse them. */
export interface RefractorModels {
  clap: InferenceSession;
  cdm: InferenceSession;
  /** The concept encoder: needed only to embed concept text. */
  text?: InferenceSession;
  tokenizer?: ConceptTokenizer;
}

/** Chunks per CLAP run: a count, or `auto` (the backend's measured best; 1 without one). */
export type BatchSize = number | 'auto';

/** Options for {@link RefractorScorer}. */
export interface ScorerOptions {
  /**
   * Chunks per CLAP run (default `auto`: the backend's `preferredBatchSize` —
   * 1 on CPU and WASM, where batching measured slower and needs several times
   * the memory; larger on GPUs). Results are the same whatever the batch size.
   * @defaultValue `'auto'`
   */
  batchSize?: BatchSize;
  /**
   * Runs CLAP in place of the scorer's own call of `models.clap`: an
   * {@link EncoderBatcher} shared by the scorers of concurrent requests
   * gathers their chunks into shared runs (see {@link clapEncoder}).
   * @defaultValue CLAP's session, run directly
   */
  encoder?: RowEncoder;
}

/**
 * CLAP's session as a {@link RowEncoder}: `count` chunks of features (`count ×`
 * {@link CLAP_INPUT_SIZE} values) in, `count × 512` embedding values out.
 *
 * @example
 * ```ts
 * const embeddings = await clapEncoder(backend, clap).encode(features, 2); // 1024 values
 * ```
 */
export function clapEncoder(backend: Pick<InferenceBackend, 'Tensor'>, clap: InferenceSession): RowEncoder {
  return {
    async encode(features, count) {
      const input = new backend.Tensor('float32', features, [count, CLAP_CHANNELS, CLAP_FRAMES, CLAP_MELS]);
      const output = (await clap.run({ input_features: input })).audio_embeds;
      return checkedFloats(output, count * audioEmbeddingDim, 'CLAP output audio_embeds');
    },
  };
}

/** Resolves a {@link BatchSize} against a backend: `auto` is its preferred size (1 when it has none). */
export function resolveBatchSize(batchSize: BatchSize | undefined, backend: Pick<InferenceBackend, 'preferredBatchSize'>): number {
  const size = batchSize === undefined || batchSize === 'auto' ? (backend.preferredBatchSize ?? 1) : batchSize;
  if (!Number.isInteger(size) || size < 1) throw new InvalidValueError('batchSize', batchSize, 'an integer >= 1 or "auto"');
  return size;
}

/** Called as each chunk is scored (after its CLAP run), in song order: for progress bars. */
export type ChunkProgress = (scored: number, span: ChunkSpan) => void;

/**
 * Milliseconds a song spent waiting on each stage, summed over its chunks (a
 * caller-owned accumulator: pass one to {@link RefractorScorer.scoreChunks},
 * with a `clock` such as `performance.now` (default `Date.now`), and read it afterwards). Stages overlap (features stream in while CLAP
 * runs), so `features_ms` is only the time the scorer waited for features.
 *
 * @example
 * ```ts
 * const timings = newStageTimings();
 * await scorer.scoreChunks(chunks, concept, { timings, clock: () => performance.now() });
 * console.log(timings.encoder_ms);
 * ```
 */
export interface StageTimings {
  features_ms: number;
  encoder_ms: number;
  cdm_ms: number;
}

/** A zeroed {@link StageTimings}. */
export function newStageTimings(): StageTimings {
  return { features_ms: 0, encoder_ms: 0, cdm_ms: 0 };
}

/** An audio embedding and a concept embedding, the CDM's two inputs. */
export interface EmbeddingPair {
  /** 512 values. */
  audioEmbedding: ArrayLike<number>;
  /** 768 values; zeros when there is no concept. */
  conceptEmbedding: ArrayLike<number>;
}

const { audioEmbeddingDim, conceptEmbeddingDim, inputDim } = CDM_CONTRACT;
const [, CLAP_CHANNELS, CLAP_FRAMES, CLAP_MELS] = MODEL_CONTRACTS.clap.inputs[0]!.dims as [string, number, number, number];
/** Values in one chunk's CLAP input. */
export const CLAP_INPUT_SIZE = CLAP_CHANNELS * CLAP_FRAMES * CLAP_MELS;

/**
 * The Refractor scoring sequence, written once against onnxruntime-common so
 * Node and browsers run the same code: CLAP embeds chunk features in batches,
 * the concept is embedded once, the CDM scores `[audio ‖ concept]` rows, and
 * chunk results are aggregated into a song result with its timeline.
 *
 * @example
 * ```ts
 * const scorer = new RefractorScorer(backend, { clap, cdm, text, tokenizer }, { batchSize: 'auto' });
 * const concept = await scorer.prepareConcept('A song about forgetting the future');
 * const song = await scorer.scoreChunks(featureChunks, concept, { target: 'Indigo' });
 * ```
 */
export class RefractorScorer {
  readonly batchSize: number;
  private readonly encoder: RowEncoder;

  constructor(
    private readonly backend: Pick<InferenceBackend, 'Tensor' | 'preferredBatchSize'>,
    private readonly models: RefractorModels,
    options: ScorerOptions = {},
  ) {
    this.batchSize = resolveBatchSize(options.batchSize, backend);
    this.encoder = options.encoder ?? clapEncoder(backend, models.clap);
  }

  /**
   * CLAP embeddings of `count` chunks' features laid back to back: returns `count × 512` values.
   */
  async embedAudio(features: Float32Array, count: number): Promise<Float32Array> {
    if (features.length !== count * CLAP_INPUT_SIZE) {
      throw new InvalidValueError('features', `${features.length} values for ${count} chunks`, `${CLAP_INPUT_SIZE} values per chunk`);
    }
    return this.encoder.encode(features, count);
  }

  /**
   * CLAP embeddings of a song's chunks, in batches of {@link batchSize}, with
   * the span of each: what the training cache stores per row. Chunks are
   * consumed as they arrive, so features can stream in while batches run.
   *
   * @example
   * ```ts
   * const { embeddings, chunks } = await scorer.embedChunks(featureChunks); // embeddings: chunks.length × 512
   * ```
   */
  async embedChunks(chunks: AsyncIterable<FeatureChunk> | Iterable<FeatureChunk>): Promise<{ embeddings: Float32Array; chunks: ChunkSpan[] }> {
    const parts: Float32Array[] = [];
    const spans: ChunkSpan[] = [];
    const batch = new Float32Array(this.batchSize * CLAP_INPUT_SIZE);
    let pending = 0;
    const flush = async () => {
      if (pending === 0) return;
      parts.push(await this.embedAudio(batch.subarray(0, pending * CLAP_INPUT_SIZE), pending));
      pending = 0;
    };
    for await (const chunk of chunks) {
      if (chunk.features.length !== CLAP_INPUT_SIZE) {
        throw new InvalidValueError('chunk features', `${chunk.features.length} values`, `${CLAP_INPUT_SIZE} ([${CLAP_CHANNELS}, ${CLAP_FRAMES}, ${CLAP_MELS}])`);
      }
      batch.set(chunk.features, pending * CLAP_INPUT_SIZE);
      spans.push({ start_s: chunk.start_s, end_s: chunk.end_s });
      if (++pending === this.batchSize) await flush();
    }
    await flush();
    const embeddings = new Float32Array(spans.length * audioEmbeddingDim);
    let at = 0;
    for (const part of parts) {
      embeddings.set(part, at);
      at += part.length;
    }
    return { embeddings, chunks: spans };
  }

  /**
   * The 768-d concept embedding: tokens (truncated at 512) through the text
   * encoder, mean-pooled over the attention mask. No text, or only
   * whitespace, gives zeros — what the original did and what training saw.
   */
  async prepareConcept(text?: string | null): Promise<Float32Array> {
    if (text == null || text.trim() === '') return new Float32Array(conceptEmbeddingDim);
    const { text: session, tokenizer } = this.models;
    if (!session || !tokenizer) throw new RefractorError('concept text needs the concept encoder and its tokenizer, and none were loaded');
    const { ids, attentionMask } = tokenizer.encode(text);
    if (ids.length === 0 || ids.length > CONCEPT_MAX_TOKENS || attentionMask.length !== ids.length) {
      throw new InvalidValueError('tokenized concept', `${ids.length} ids, ${attentionMask.length} mask values`, `1–${CONCEPT_MAX_TOKENS} ids with a mask of the same length`);
    }
    const length = ids.length;
    const int64 = (values: readonly number[]) => new this.backend.Tensor('int64', BigInt64Array.from(values, BigInt), [1, length]);
    const feeds: Record<string, Tensor> = { input_ids: int64(ids), attention_mask: int64(attentionMask) };
    if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = int64(new Array<number>(length).fill(0));
    const hidden = checkedFloats((await session.run(feeds)).last_hidden_state, length * conceptEmbeddingDim, 'concept encoder output last_hidden_state');
    const pooled = new Float64Array(conceptEmbeddingDim);
    let maskTotal = 0;
    for (let t = 0; t < length; t++) {
      const weight = attentionMask[t]!;
      if (weight === 0) continue;
      maskTotal += weight;
      for (let d = 0; d < conceptEmbeddingDim; d++) pooled[d]! += hidden[t * conceptEmbeddingDim + d]! * weight;
    }
    return Float32Array.from(pooled, (sum) => sum / maskTotal);
  }

  /**
   * Scores one embedding pair, as the original wrapper's `score(audio_emb=…, concept_emb=…)`;
   * the axis distributions are the predicted color's rows in the table named `targets` (default canonical).
   */
  async score(pair: EmbeddingPair, span: ChunkSpan = { start_s: 0, end_s: 0 }, targets?: string): Promise<ChunkResult> {
    const rows = new Float32Array(inputDim);
    fillRow(rows, 0, pair.audioEmbedding, pair.conceptEmbedding);
    const probs = await runCdm(this.backend, this.models.cdm, rows, 1);
    return decodeChunk(probs, span, targets);
  }

  /**
   * Scores a song's chunks: CLAP in batches of {@link batchSize}, the CDM on
   * `[audio ‖ concept]`, then {@link aggregateChunks}. Chunks are consumed as
   * they arrive, so features can stream in while earlier batches run.
   * `onChunk` is called as each chunk is scored (progress that keeps moving
   * during long real-size runs). `targets` names the target table chunks are
   * decoded and the song aggregated with; `colorRule` picks `predicted_color`
   * (see {@link AggregateOptions}).
   */
  async scoreChunks(
    chunks: AsyncIterable<FeatureChunk> | Iterable<FeatureChunk>,
    conceptEmbedding: ArrayLike<number>,
    options: Pick<AggregateOptions, 'target' | 'targets' | 'colorRule'> & { timings?: StageTimings; clock?: () => number; onChunk?: ChunkProgress } = {},
  ): Promise<SongResult> {
    const timings = options.timings;
    const now = options.clock ?? Date.now;
    const clock = () => (timings ? now() : 0);
    if (conceptEmbedding.length !== conceptEmbeddingDim) {
      throw new InvalidValueError('conceptEmbedding', conceptEmbedding, `${conceptEmbeddingDim} values`);
    }
    // Checked before any model runs, so a bad name fails fast.
    const targets = targetTable(options.targets).name;
    const rule = colorRule(options.colorRule);
    const results: ChunkResult[] = [];
    const batch = new Float32Array(this.batchSize * CLAP_INPUT_SIZE);
    let spans: ChunkSpan[] = [];
    const flush = async () => {
      if (spans.length === 0) return;
      const count = spans.length;
      let started = clock();
      const embeddings = await this.embedAudio(batch.subarray(0, count * CLAP_INPUT_SIZE), count);
      if (timings) timings.encoder_ms += clock() - started;
      const rows = new Float32Array(count * inputDim);
      for (let i = 0; i < count; i++) {
        fillRow(rows, i, embeddings.subarray(i * audioEmbeddingDim, (i + 1) * audioEmbeddingDim), conceptEmbedding);
      }
      started = clock();
      const probs = await runCdm(this.backend, this.models.cdm, rows, count);
      if (timings) timings.cdm_ms += clock() - started;
      spans.forEach((span, i) => {
        results.push(decodeChunk(probs.subarray(i * 9, i * 9 + 9), span, targets));
        options.onChunk?.(results.length, span);
      });
      spans = [];
    };
    const source = timings ? timedChunks(chunks, timings, now) : chunks;
    for await (const chunk of source) {
      if (chunk.features.length !== CLAP_INPUT_SIZE) {
        throw new InvalidValueError('chunk features', `${chunk.features.length} values`, `${CLAP_INPUT_SIZE} ([${CLAP_CHANNELS}, ${CLAP_FRAMES}, ${CLAP_MELS}])`);
      }
      batch.set(chunk.features, spans.length * CLAP_INPUT_SIZE);
      spans.push({ start_s: chunk.start_s, end_s: chunk.end_s });
      if (spans.length === this.batchSize) await flush();
    }
    await flush();
    return aggregateChunks(results, { ...(options.target === undefined ? {} : { target: options.target }), targets, colorRule: rule });
  }
}

/** `chunks`, adding the time spent waiting for each one to `timings.features_ms`. */
async function* timedChunks(chunks: AsyncIterable<FeatureChunk> | Iterable<FeatureChunk>, timings: StageTimings, now: () => number): AsyncGenerator<FeatureChunk> {
  const iterator = Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : chunks[Symbol.iterator]();
  try {
    for (;;) {
      const started = now();
      const next = await iterator.next();
      timings.features_ms += now() - started;
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await iterator.return?.();
  }
}

/** Writes `[audio 512 ‖ concept 768]` as row `row` of `rows`. */
function fillRow(rows: Float32Array, row: number, audio: ArrayLike<number>, concept: ArrayLike<number>): void {
  if (audio.length !== audioEmbeddingDim) throw new InvalidValueError('audioEmbedding', audio, `${audioEmbeddingDim} values`);
  if (concept.length !== conceptEmbeddingDim) throw new InvalidValueError('conceptEmbedding', concept, `${conceptEmbeddingDim} values`);
  const at = row * inputDim;
  for (let i = 0; i < audioEmbeddingDim; i++) rows[at + i] = audio[i]!;
  for (let i = 0; i < conceptEmbeddingDim; i++) rows[at + audioEmbeddingDim + i] = concept[i]!;
}

function checkedFloats(output: Tensor | undefined, size: number, what: string): Float32Array {
  if (!output || output.type !== 'float32' || output.size !== size) {
    throw new InvalidValueError(what, output ? `${output.type} [${output.dims.join(', ')}]` : 'missing', `float32 with ${size} values`);
  }
  return output.data as Float32Array;
}
