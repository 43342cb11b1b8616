import type { ChunkSpan } from './chunk.js';
import { colorRule } from './color-rules.js';
import type { ChunkProgress, FeatureChunk, RefractorScorer, StageTimings } from './scorer.js';
import { scoreSettings, type ScoreSettingsInput, type ScoredSong, type ScoreSettings } from './settings.js';
import { targetTable } from './targets.js';

/** Options for scoring one song, the same in Node and browsers (each runtime adds chunking, crop and its own extras). */
export interface SongScoringOptions {
  /**
   * Concept text, embedded once per song (none or blank: zeros, as the
   * original). Its digest is the record's `settings.concept_sha256`, so pass
   * it with `conceptEmbedding` too for records that name their concept.
   */
  concept?: string | null;
  /** A precomputed concept embedding (768 values); wins over `concept` for scoring. */
  conceptEmbedding?: ArrayLike<number>;
  /** A color name or letter: adds chromatic match and drift (none, null or empty: no target). */
  target?: string | null;
  /**
   * The target table the axis distributions, chromatic match, drift and the
   * `targets` color rule use: `canonical` (derived from the rainbow table, as
   * the original since 2026-04-15) or `card` (the seed card's numbers).
   * @defaultValue `'canonical'`
   */
  targets?: string;
  /**
   * Which song color is `predicted_color`: `vote` (majority of chunk colors),
   * `probs` (pooled probabilities) or `targets` (nearest target). All three
   * are always in the record.
   * @defaultValue `'vote'`
   */
  colorRule?: string;
  /** The input's name in errors and records when it is given as bytes (default `bytes`). */
  name?: string;
  /** Called as each chunk's features are ready, with the count so far and where the chunk sits (for progress bars). */
  onChunk?: (chunksDone: number, span: ChunkSpan) => void;
  /** Called as each chunk is scored (after its CLAP run), in song order. */
  onScored?: ChunkProgress;
}

/** One song's scoring run, as a runtime sets it up: its scorer, its running feature stream and what the record names. */
export interface SongScoringRun<Device extends string = string> {
  /** The scorer, or its promise (Node opens CLAP in the background): awaited after the concept is embedded, so the two overlap. */
  scorer: RefractorScorer | PromiseLike<RefractorScorer>;
  /** The song's feature chunks, already running (or lazy); closed when scoring ends or fails part-way. */
  chunks: AsyncIterableIterator<FeatureChunk>;
  /** Embeds the concept text, unless the options carry an embedding. */
  prepareConcept(text: string | null | undefined): Promise<ArrayLike<number>>;
  /** What the record's `settings` say, less the batch size (the scorer's) and the table and rule (the options'). */
  settings: Omit<ScoreSettingsInput<Device>, 'batchSize' | 'targets' | 'colorRule'>;
  /** Accumulates where the time went (see {@link StageTimings}), read with `clock`. */
  timings?: StageTimings;
  clock?: () => number;
}

/**
 * The sequence features → chunks → record, written once for Node and
 * browsers: the concept embedded (once) while the features stream in, CLAP
 * and the CDM over the chunks in batches, the aggregate with its timeline,
 * and the `settings` that reproduce it. The feature stream is closed even
 * when scoring fails part-way, so a decoder or worker behind it stops.
 *
 * @example
 * ```ts
 * const chunks = songChunkFeatures(await openAudioStream([bytes]), extractor, features);
 * const song = await scoreSong(
 *   { scorer, chunks, prepareConcept: (text) => scorer.prepareConcept(text), settings: { models: 'tiny', testOnly: true, features, backend } },
 *   { concept: 'A song about forgetting the future', target: 'Indigo' },
 * );
 * ```
 */
export async function scoreSong<Device extends string>(
  run: SongScoringRun<Device>,
  options: SongScoringOptions = {},
): Promise<ScoredSong & { settings: ScoreSettings & { device: Device } }> {
  // Handled here too, so a scorer that fails while the concept is embedded (or is never awaited) is no unhandled rejection.
  const scorerReady = Promise.resolve(run.scorer);
  scorerReady.catch(() => undefined);
  try {
    // Checked before the concept is embedded, so a bad name fails fast.
    const targets = targetTable(options.targets).name;
    const rule = colorRule(options.colorRule);
    const concept = options.conceptEmbedding ?? (await run.prepareConcept(options.concept));
    const chunks = options.onChunk ? countedChunks(run.chunks, options.onChunk) : run.chunks;
    const target = options.target == null || options.target === '' ? {} : { target: options.target };
    const scorer = await scorerReady;
    const song = await scorer.scoreChunks(chunks, concept, {
      ...target,
      targets,
      colorRule: rule,
      ...(run.timings ? { timings: run.timings, ...(run.clock ? { clock: run.clock } : {}) } : {}),
      ...(options.onScored ? { onChunk: options.onScored } : {}),
    });
    const settings = scoreSettings({ ...run.settings, batchSize: scorer.batchSize, concept: options.concept ?? null, target: song.target_color ?? null, targets, colorRule: rule });
    return { ...song, settings };
  } finally {
    await run.chunks.return?.();
  }
}

/** `chunks`, reporting the running count and each chunk's span as it arrives. */
async function* countedChunks(chunks: AsyncIterable<FeatureChunk>, onChunk: (done: number, span: ChunkSpan) => void): AsyncGenerator<FeatureChunk> {
  let done = 0;
  for await (const chunk of chunks) {
    onChunk(++done, { start_s: chunk.start_s, end_s: chunk.end_s });
    yield chunk;
  }
}
