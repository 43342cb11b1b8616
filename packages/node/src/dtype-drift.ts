import {
  aggregateChunks,
  CDM_CONTRACT,
  DtypeDriftAccumulator,
  InvalidValueError,
  MODEL_DTYPES,
  type AggregateOptions,
  type DriftSide,
  type DtypeDriftSummary,
  type ModelDtype,
} from '@refractor/core';
import type { ChunkingOptions, CropOptions } from '@refractor/audio';
import { Refractor, type RefractorLoadOptions } from './refractor.js';

/** What {@link measureDtypeDrift} compares, and how it loads and chunks. */
export interface DtypeDriftOptions extends Omit<RefractorLoadOptions, 'dtype' | 'concepts'>, ChunkingOptions, CropOptions, Pick<AggregateOptions, 'targets' | 'colorRule'> {
  /** The variants to measure (e.g. `['q8', 'fp16']`); each must differ from `reference`. */
  dtypes: readonly ModelDtype[];
  /** The variant they are compared with (default `fp32`: what the CDM was trained on). */
  reference?: ModelDtype;
  /** A concept text, embedded by each variant's own text encoder (default none: zeros, as the original). */
  concept?: string;
  /** Called after each song with its place in the run. */
  onSong?: (progress: { song: string; index: number; total: number; error?: Error }) => void;
}

/** What {@link measureDtypeDrift} found. */
export interface DtypeDriftReport {
  reference: ModelDtype;
  /** One summary per measured dtype, in the order asked for. */
  summaries: DtypeDriftSummary[];
  /** Songs that could not be read or scored (they count in no summary). */
  failed: { song: string; error: Error }[];
}

/** One loaded variant and what it embedded for the run's concept. */
interface Variant {
  dtype: ModelDtype;
  refractor: Refractor;
  concept: Float32Array;
}

/** A song as one variant sees it: CLAP per chunk, then the CDM and the aggregate exactly as `score` does. */
async function songSide(variant: Variant, song: string, options: DtypeDriftOptions): Promise<DriftSide> {
  const chunking = { chunkSizeS: options.chunkSizeS, chunkStrideS: options.chunkStrideS, crop: options.crop, seed: options.seed };
  const { embeddings, chunks: spans } = await variant.refractor.embedChunks(song, chunking);
  const scorer = await variant.refractor.audioScorer();
  const dim = CDM_CONTRACT.audioEmbeddingDim;
  const chunks = [];
  for (const [i, span] of spans.entries()) {
    chunks.push(await scorer.score({ audioEmbedding: embeddings.subarray(i * dim, (i + 1) * dim), conceptEmbedding: variant.concept }, span, options.targets));
  }
  if (chunks.length === 0) throw new InvalidValueError(`${song}`, 'no chunks', 'a song with audio');
  return { embeddings, song: aggregateChunks(chunks, { targets: options.targets, colorRule: options.colorRule }) };
}

/**
 * Measures how much lower-precision encoder weights (q8, fp16) move the
 * results away from the reference (fp32) on real songs: each variant of the
 * model set is loaded (CLAP and, with a concept, the text encoder in that
 * dtype; the CDM is shared), every song is scored by each, and the chunks are
 * compared one to one (see {@link DtypeDriftAccumulator}). Anyone can rerun it
 * on any model set: the real one, or the bench models (whose seeded weights
 * only bound the quantization noise).
 *
 * @example
 * ```ts
 * const { summaries } = await measureDtypeDrift(['song.ogg'], { models: 'default', dtypes: ['q8', 'fp16'] });
 * for (const s of summaries) console.log(s.dtype, s.embedding_cosine.mean, s.chunk_color_flips.rate);
 * ```
 */
export async function measureDtypeDrift(songs: readonly string[], options: DtypeDriftOptions): Promise<DtypeDriftReport> {
  const reference = options.reference ?? 'fp32';
  for (const dtype of [reference, ...options.dtypes]) {
    if (!MODEL_DTYPES.includes(dtype)) throw new InvalidValueError('dtype', dtype, `one of ${MODEL_DTYPES.join(', ')}`);
  }
  const dtypes = [...new Set(options.dtypes)];
  if (dtypes.length === 0) throw new InvalidValueError('dtypes', '[]', 'at least one dtype to compare with the reference');
  if (dtypes.includes(reference)) throw new InvalidValueError('dtypes', dtypes.join(','), `dtypes other than the reference (${reference})`);
  const { dtypes: _d, reference: _r, concept, onSong, chunkSizeS: _cs, chunkStrideS: _st, crop: _c, seed: _s, targets: _t, colorRule: _cr, ...load } = options;
  const variants: Variant[] = [];
  try {
    // One variant at a time while loading: each embeds the concept with its own text encoder and releases it before the next opens.
    for (const dtype of [reference, ...dtypes]) {
      const refractor = await Refractor.load({ ...load, dtype: { clap: dtype, text: dtype }, keepTextEncoder: false, ...(concept ? { concepts: [concept] } : {}) });
      variants.push({ dtype, refractor, concept: await refractor.prepareConcept(concept) });
    }
    const [base, ...others] = variants as [Variant, ...Variant[]];
    const accumulators = others.map((variant) => new DtypeDriftAccumulator(variant.dtype, reference, CDM_CONTRACT.audioEmbeddingDim));
    if (concept) for (const [i, variant] of others.entries()) accumulators[i]!.addConcept(base.concept, variant.concept);
    const failed: { song: string; error: Error }[] = [];
    for (const [index, song] of songs.entries()) {
      try {
        const ref = await songSide(base, song, options);
        for (const [i, variant] of others.entries()) accumulators[i]!.addSong(song, ref, await songSide(variant, song, options));
        onSong?.({ song, index, total: songs.length });
      } catch (error) {
        failed.push({ song, error: error as Error });
        onSong?.({ song, index, total: songs.length, error: error as Error });
      }
    }
    return { reference, summaries: accumulators.map((a) => a.summary()), failed };
  } finally {
    await Promise.all(variants.map((variant) => variant.refractor.close()));
  }
}
