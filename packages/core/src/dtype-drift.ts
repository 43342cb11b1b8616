import { COLOR_NAMES, type ColorName } from './colors.js';
import { InvalidValueError } from './errors.js';
import type { SongResult } from './results.js';

/**
 * The cosine of the angle between two vectors, summed in float64: 1 for the
 * same direction, 0 for orthogonal. Two zero vectors count as the same (1), a
 * zero vector against another as unrelated (0): an all-zero concept is "no
 * concept", and staying one is no drift.
 *
 * @example
 * ```ts
 * cosineSimilarity([1, 0], [1, 1]); // 0.7071…
 * ```
 */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new InvalidValueError('vectors', `lengths ${a.length} and ${b.length}`, 'two vectors of the same length');
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  if (na === 0 && nb === 0) return 1;
  if (na === 0 || nb === 0) return 0;
  return dot / Math.sqrt(na * nb);
}

/** One model variant's view of a song: its per-chunk CLAP embeddings (rows of `dim`) and its scored song. */
export interface DriftSide {
  embeddings: Float32Array;
  song: SongResult;
}

/** The chunk that moved most, for a reader who wants to listen to it. */
export interface DriftWorstChunk {
  song: string;
  /** The chunk's index in the song. */
  chunk: number;
  start_s: number;
  /** Its largest change in a color probability. */
  prob_change: number;
  embedding_cosine: number;
}

/** How far one dtype's results sit from the reference dtype's over a set of songs. */
export interface DtypeDriftSummary {
  /** The dtype measured, e.g. `q8`. */
  dtype: string;
  /** The dtype it is compared with, e.g. `fp32`. */
  reference: string;
  songs: number;
  chunks: number;
  /** Cosine between each chunk's two CLAP embeddings: mean and smallest. */
  embedding_cosine: { mean: number; min: number };
  /** Cosine between the two concept embeddings (only when a concept was embedded by both). */
  concept_cosine?: number;
  /** Largest |Δp| over the nine color probabilities of a chunk: the largest over all chunks, and its mean. */
  chunk_prob_change: { max: number; mean: number };
  /** The same for the songs' pooled color probabilities. */
  song_prob_change: { max: number; mean: number };
  /** Chunks whose predicted color differs from the reference's. */
  chunk_color_flips: { count: number; rate: number };
  /** Songs whose predicted color (by the color rule used) differs, and which. */
  song_color_flips: { count: number; rate: number; songs: { song: string; reference: ColorName; dtype: ColorName }[] };
  /** The chunk with the largest color-probability change (absent with no chunks). */
  worst?: DriftWorstChunk;
}

/** Largest absolute difference over the nine color probabilities. */
function largestProbChange(a: Record<ColorName, number>, b: Record<ColorName, number>): number {
  let largest = 0;
  for (const color of COLOR_NAMES) largest = Math.max(largest, Math.abs(a[color] - b[color]));
  return largest;
}

/**
 * Gathers, song by song, how a lower-precision model variant (q8, fp16)
 * moves the results away from the reference (fp32, what the CDM was trained
 * on): the embeddings' cosine, the largest change in a color probability, and
 * how often the predicted color flips, per chunk and per song. What
 * `refractor drift` prints; runtime-free, so any host can feed it.
 *
 * @example
 * ```ts
 * const drift = new DtypeDriftAccumulator('q8', 'fp32', 512);
 * drift.addSong('song.ogg', { embeddings: fp32Embeddings, song: fp32Song }, { embeddings: q8Embeddings, song: q8Song });
 * const { embedding_cosine, chunk_color_flips } = drift.summary();
 * ```
 */
export class DtypeDriftAccumulator {
  private songs = 0;
  private chunks = 0;
  private cosineSum = 0;
  private cosineMin = 1;
  private chunkChangeMax = 0;
  private chunkChangeSum = 0;
  private songChangeMax = 0;
  private songChangeSum = 0;
  private chunkFlips = 0;
  private readonly songFlips: { song: string; reference: ColorName; dtype: ColorName }[] = [];
  private worst: DriftWorstChunk | undefined;
  private concept: number | undefined;

  /**
   * @param dtype - the variant measured
   * @param reference - the variant compared with
   * @param dim - the embedding size (512 for CLAP)
   */
  constructor(
    readonly dtype: string,
    readonly reference: string,
    readonly dim: number,
  ) {
    if (!Number.isInteger(dim) || dim < 1) throw new InvalidValueError('dim', dim, 'an integer >= 1');
  }

  /** Adds one song scored by both variants (same chunking, so the chunks line up one to one). */
  addSong(song: string, reference: DriftSide, candidate: DriftSide): void {
    const n = reference.song.chunks.length;
    if (candidate.song.chunks.length !== n) {
      throw new InvalidValueError(`${song}: chunks`, `${candidate.song.chunks.length} (${this.dtype}) vs ${n} (${this.reference})`, 'the same chunks from both variants');
    }
    for (const [side, { embeddings }] of [
      [this.reference, reference],
      [this.dtype, candidate],
    ] as const) {
      if (embeddings.length !== n * this.dim) throw new InvalidValueError(`${song}: ${side} embeddings`, `${embeddings.length} values`, `${n} chunks × ${this.dim}`);
    }
    for (let i = 0; i < n; i++) {
      const a = reference.song.chunks[i]!;
      const b = candidate.song.chunks[i]!;
      const cosine = cosineSimilarity(reference.embeddings.subarray(i * this.dim, (i + 1) * this.dim), candidate.embeddings.subarray(i * this.dim, (i + 1) * this.dim));
      const change = largestProbChange(a.color_probs, b.color_probs);
      this.cosineSum += cosine;
      this.cosineMin = Math.min(this.cosineMin, cosine);
      this.chunkChangeSum += change;
      if (a.predicted_color !== b.predicted_color) this.chunkFlips++;
      if (this.worst === undefined || change > this.worst.prob_change) this.worst = { song, chunk: i, start_s: a.start_s, prob_change: change, embedding_cosine: cosine };
      this.chunkChangeMax = Math.max(this.chunkChangeMax, change);
    }
    this.chunks += n;
    this.songs++;
    const songChange = largestProbChange(reference.song.color_probs, candidate.song.color_probs);
    this.songChangeMax = Math.max(this.songChangeMax, songChange);
    this.songChangeSum += songChange;
    if (reference.song.predicted_color !== candidate.song.predicted_color) {
      this.songFlips.push({ song, reference: reference.song.predicted_color, dtype: candidate.song.predicted_color });
    }
  }

  /** Adds the concept embedding of both variants' text encoders. */
  addConcept(reference: ArrayLike<number>, candidate: ArrayLike<number>): void {
    this.concept = cosineSimilarity(reference, candidate);
  }

  /** The figures so far. */
  summary(): DtypeDriftSummary {
    const perChunk = (sum: number) => (this.chunks ? sum / this.chunks : 0);
    return {
      dtype: this.dtype,
      reference: this.reference,
      songs: this.songs,
      chunks: this.chunks,
      embedding_cosine: { mean: this.chunks ? this.cosineSum / this.chunks : 1, min: this.cosineMin },
      ...(this.concept !== undefined ? { concept_cosine: this.concept } : {}),
      chunk_prob_change: { max: this.chunkChangeMax, mean: perChunk(this.chunkChangeSum) },
      song_prob_change: { max: this.songChangeMax, mean: this.songs ? this.songChangeSum / this.songs : 0 },
      chunk_color_flips: { count: this.chunkFlips, rate: perChunk(this.chunkFlips) },
      song_color_flips: { count: this.songFlips.length, rate: this.songs ? this.songFlips.length / this.songs : 0, songs: [...this.songFlips] },
      ...(this.worst ? { worst: { ...this.worst } } : {}),
    };
  }
}
