import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import {
  CDM_CONTRACT,
  MODEL_CONTRACTS,
  RefractorScorer,
  EncoderBatcher,
  ObservedEncoder,
  CLAP_INPUT_SIZE,
  clapEncoder,
  conceptLookup,
  newStageTimings,
  openCheckedSession,
  prefetch,
  resolveBatchSize,
  resolveEncoderBatching,
  scoreSong,
  InvalidValueError,
  type ChunkResult,
  type CandidateItem,
  type ConceptEmbedder,
  type ConceptLookup,
  type ConceptStorage,
  type ChunkSpan,
  type EmbeddingPair,
  type EncoderBatchingOptions,
  type EncoderRunListener,
  type EncoderRunStats,
  type InferenceBackend,
  type ModelManifest,
  type RefractorContract,
  type ScorerOptions,
  type SongScoringOptions,
  type ScoredSong,
  type StageTimings,
} from '@refractor/core';
import {
  ClapFeatureExtractor,
  clipFeatures,
  openAudioStream,
  parseClapPreprocessorConfig,
  songChunkFeatures,
  songFeatureSettings,
  type AudioStream,
  type ChunkingOptions,
  type ClapPadding,
  type CropOptions,
} from '@refractor/audio';
import { openAudioFile, songChunkFeaturesInWorker, songFileFeaturesInWorker } from '@refractor/audio/node';
import { bundledManifest, bundledSetDirectory, missingSetPackage } from './bundled.js';
import { prepareMidi, scoreNodeCandidates, type Candidate, type CandidateScoreOptions } from './candidates.js';
import { createNodeBackend, type NodeBackendOptions, type NodeDevice } from './runtime.js';
import { chooseNodeDevice, type DeviceChoice, type NodeDeviceRequest } from './device.js';
import { resolveModelSet, type ResolvedModelSet, type StoreOptions } from './store/index.js';
import { FILE_DIGESTS_DIR, defaultConceptCacheDir, defaultExternalWeightsDir } from './concepts/index.js';
import { modelSetConceptEmbedder, type ConceptSettings, type TextModels } from './concepts/text-encoder.js';

/** Options for {@link Refractor.load}. */
export interface RefractorLoadOptions extends StoreOptions, Omit<NodeBackendOptions, 'device'>, ScorerOptions {
  /**
   * Where inference runs: `cpu`, `cuda`, `webgpu`, or `auto` (the first of
   * cuda, webgpu, cpu that works here; see `chooseNodeDevice`). The device
   * used is `refractor.backend.device`, recorded in each song's settings.
   * @defaultValue `'cpu'`
   */
  device?: NodeDeviceRequest;
  /**
   * A set name from the manifest (`default`, `tiny`) or a directory holding a set.
   * @defaultValue `'default'`
   */
  models?: string;
  /**
   * The manifest that names the sets and their files.
   * @defaultValue the manifest shipped with @refractor/core
   */
  manifest?: ModelManifest;
  /**
   * The persistent concept-embedding cache: true (default) keeps it in
   * `concepts/` under the model cache directory (`cacheDir`, else
   * `$REFRACTOR_CACHE`, else the platform cache); a string is the directory
   * to use; a {@link ConceptStorage} (core's interface) keeps them wherever
   * it does; false neither reads nor writes one. A cached concept never opens
   * the text encoder, and its vector is bitwise the computed one.
   * @defaultValue `true`
   */
  conceptCache?: boolean | string | ConceptStorage;
  /**
   * Keep the text encoder open once a new concept needed it (default true:
   * right for servers and workers, which embed many concepts). False
   * releases it (~735 MB for the real DeBERTa) as soon as the concepts of a
   * call are embedded, as the CLI does.
   * @defaultValue `true`
   */
  keepTextEncoder?: boolean;
  /**
   * Concepts to embed while loading, before the audio models are opened: a
   * concept not cached then opens the text encoder alone, and (with
   * `keepTextEncoder: false`) releases it before CLAP takes its memory —
   * the lowest peak for a one-shot command. Later `prepareConcept` calls for
   * them come from memory.
   * @defaultValue none
   */
  concepts?: readonly string[];
  /**
   * Open a big text encoder from a copy whose weights sit in an external-data
   * file (made once, kept in `external-weights/` under the model cache
   * directory: the model's size again on disk), which onnxruntime maps
   * instead of copying out of the graph — for the real DeBERTa about half
   * the session-creation time and less than half its peak memory, with
   * bitwise the same results. False opens the file as it is.
   * @defaultValue `true`
   */
  externalWeights?: boolean;
  /**
   * Return as soon as the model files are found, and open the encoder
   * sessions in the background (default false): the first song then decodes
   * and computes features while CLAP opens (seconds for the real model), and a
   * model that fails to open rejects {@link Refractor.ready} and the first
   * scoring call instead of `load`. The CLI does this.
   * @defaultValue `false`
   */
  openInBackground?: boolean;
  /**
   * Chunks of features computed ahead of the encoder, at most (default 8,
   * 256 KB each): features keep coming while CLAP runs or opens, but never
   * faster than it consumes them beyond this bound.
   * @defaultValue `8`
   */
  prefetchChunks?: number;
  /**
   * The base Refractor model (`refractor.onnx`), needed to score MIDI. Default:
   * the set's own `refractor.onnx` when it has one (the default set does not).
   * @defaultValue the set's `refractor.onnx`, if any
   */
  baseModel?: string;
  /**
   * Gather the CLAP chunks of concurrent calls (songs scored at once by a
   * server's requests or a worker's jobs) into shared encoder runs of up to
   * `maxBatch` chunks, waiting at most `maxWaitMs` for others to join (see
   * core's `EncoderBatcher`). Results are the same as without. `true` uses
   * the defaults (16 chunks, 5 ms); `'auto'` turns it on on GPU devices
   * (where the backend's preferred batch size is above 1) and off on CPU,
   * where batch 1 is fastest; an object turns it on with those settings
   * (or, with `when: 'auto'`, uses them only where `'auto'` would be on).
   * The server and the worker default to `'auto'`. How many songs can share a
   * run is bounded by how many are scored at once: the server's
   * `limits.concurrency` (default 2), the worker's `concurrency` (default 1).
   * @defaultValue `false`
   */
  crossRequestBatching?: CrossRequestBatching;
}

/**
 * {@link RefractorLoadOptions.crossRequestBatching}: on, off, by device, or
 * with settings (on, or by device with `when: 'auto'`).
 */
export type CrossRequestBatching = boolean | 'auto' | CrossRequestBatchingSettings;

/** Cross-request batching's settings, and whether they apply always (default) or only where the device prefers batches. */
export interface CrossRequestBatchingSettings extends EncoderBatchingOptions {
  /**
   * `'always'`: on whatever the device; `'auto'`: on only where the backend
   * prefers batches above 1 (GPUs), as `crossRequestBatching: 'auto'`.
   * @defaultValue `'always'`
   */
  when?: 'always' | 'auto';
}

/**
 * Whether and how a backend batches across requests: the settings, or
 * undefined for off. `auto` is on where the backend prefers batches above 1
 * (GPUs), off on CPU.
 *
 * @example
 * ```ts
 * resolveCrossRequestBatching('auto', { preferredBatchSize: 16 }); // { maxBatch: 16, maxWaitMs: 5 }
 * resolveCrossRequestBatching('auto', { preferredBatchSize: 1 });  // undefined
 * resolveCrossRequestBatching({ maxBatch: 64, when: 'auto' }, { preferredBatchSize: 16 }); // { maxBatch: 64, maxWaitMs: 5 }
 * ```
 */
export function resolveCrossRequestBatching(
  option: CrossRequestBatching | undefined,
  backend: { preferredBatchSize?: number },
): Required<EncoderBatchingOptions> | undefined {
  if (option === undefined || option === false) return undefined;
  if (option !== true && option !== 'auto' && (typeof option !== 'object' || option === null)) {
    throw new InvalidValueError('crossRequestBatching', option, 'true, false, "auto" or { maxBatch, maxWaitMs, when }');
  }
  const settings = typeof option === 'object' ? option : {};
  const when = typeof option === 'object' ? (option.when ?? 'always') : option === 'auto' ? 'auto' : 'always';
  if (when !== 'always' && when !== 'auto') throw new InvalidValueError('crossRequestBatching.when', when, '"always" or "auto"');
  // Settings are checked even where `auto` leaves batching off, so a bad value fails on every machine.
  const resolved = resolveEncoderBatching({
    ...(settings.maxBatch !== undefined ? { maxBatch: settings.maxBatch } : {}),
    ...(settings.maxWaitMs !== undefined ? { maxWaitMs: settings.maxWaitMs } : {}),
  });
  if (when === 'auto' && (backend.preferredBatchSize ?? 1) <= 1) return undefined;
  return resolved;
}

/**
 * Options for scoring a song: core's {@link SongScoringOptions} (the same as
 * the browser's `RefractorWeb`), chunking and crop, and Node's own extras.
 */
export interface SongScoreOptions extends SongScoringOptions, ChunkingOptions, CropOptions {
  /**
   * Featurize on a worker thread (default true): a file (path or bytes) is
   * read and decoded there too; a stream is decoded on this thread. False
   * does it all on this thread.
   */
  parallel?: boolean;
  /** Called once the song is scored with where its time went (for `--verbose`-style reports). */
  onTimings?: (timings: SongTimings) => void;
}

/**
 * Where a song's scoring time went, in milliseconds. Stages overlap:
 * `decode_ms` is time spent reading and decoding (on the worker thread for
 * a path or bytes featurized in parallel, else on this thread), and
 * `features_ms` the time the scorer waited for features (decode and log-mel
 * not hidden behind CLAP), so the parts need not add up to `total_ms`.
 */
export interface SongTimings extends StageTimings {
  decode_ms: number;
  total_ms: number;
}

/**
 * A song to score: a path, the file's bytes, or audio already being decoded
 * (`openAudioStream` over an upload, say; `name` labels it in errors).
 */
export type SongInput = string | Uint8Array | (AudioStream & { readonly name?: string });

/** One input of {@link Refractor.scoreBatch}: its result or why it failed. */
export interface BatchItem {
  input: string;
  result?: ScoredSong;
  error?: Error;
}

/**
 * The Refractor CDM in Node: the seed's `Refractor` API with the real models
 * (or the tiny test set), batched and deterministic. Sessions are opened once
 * (the concept encoder lazily, on first use) and reused. It implements core's
 * {@link RefractorContract}, as the browser's `RefractorWeb` does: same
 * methods, options and records.
 *
 * @example
 * ```ts
 * const refractor = await Refractor.load({ models: 'tiny' });
 * const song = await refractor.scoreFile('song.ogg', { concept: 'A song about forgetting the future', target: 'Indigo' });
 * console.log(song.predicted_color, song.confidence, song.drift?.overall_drift);
 * await refractor.close();
 * ```
 */
export class Refractor implements RefractorContract<SongInput, string | Uint8Array, ChunkingOptions & CropOptions> {
  /** Chunks per CLAP run (`auto` resolved for this backend: 1 on CPU). */
  readonly batchSize: number;
  /** The base model's session, when one was given or found beside the CDM. */
  private base: InferenceSession | undefined;
  /** Path of the loaded base model (`refractor.onnx`), if any. */
  baseModelPath: string | undefined;
  /** Cross-request batching as resolved at load (undefined: off). */
  readonly crossRequestBatching: Readonly<Required<EncoderBatchingOptions>> | undefined;
  /** Every scorer's CLAP runs go through this: shared batches when batching is on, counted either way. */
  private readonly encoder: Promise<ObservedEncoder>;
  private readonly encoderListeners = new Set<EncoderRunListener>();
  /** How the device was chosen (for `auto`: what was tried, and why), for `-v` output and logs. */
  deviceChoice: DeviceChoice = { requested: 'cpu', device: 'cpu', tried: [] };

  private constructor(
    readonly modelSet: ResolvedModelSet,
    readonly backend: InferenceBackend & { device: NodeDevice },
    readonly extractor: ClapFeatureExtractor,
    private readonly sessions: Promise<{ clap: InferenceSession; cdm: InferenceSession }>,
    private readonly prefetchChunks: number,
    batchSize: ScorerOptions['batchSize'],
    private readonly concepts: ConceptEmbedder<TextModels>,
    crossRequestBatching: CrossRequestBatching | undefined,
  ) {
    this.batchSize = resolveBatchSize(batchSize, backend);
    this.crossRequestBatching = resolveCrossRequestBatching(crossRequestBatching, backend);
    const batching = this.crossRequestBatching;
    this.encoder = sessions.then(({ clap }) => {
      const direct = clapEncoder(backend, clap);
      const encoder = batching ? new EncoderBatcher(direct, { inputSize: CLAP_INPUT_SIZE, outputSize: CDM_CONTRACT.audioEmbeddingDim }, batching) : new ObservedEncoder(direct);
      encoder.onRun((run) => {
        for (const listener of this.encoderListeners) listener(run);
      });
      return encoder;
    });
    this.encoder.catch(() => undefined); // the sessions' failure is reported by ready() and the first use
  }

  /** Resolves the model set (directory, cache or hub download), opens CLAP and the CDM and checks their contracts. */
  static async load(options: RefractorLoadOptions = {}): Promise<Refractor> {
    const spec = options.models ?? 'default';
    const manifest = options.manifest ?? bundledManifest();
    const shipped = bundledSetDirectory(spec);
    const modelSet = await resolveModelSet(shipped ?? spec, manifest, options).catch((error: unknown) => {
      throw missingSetPackage(spec, error) ?? error;
    });
    const deviceChoice = await chooseNodeDevice(options.device ?? 'cpu');
    const backend = createNodeBackend({ ...options, device: deviceChoice.device });
    const concepts = modelSetConceptEmbedder(backend, modelSet, conceptSettings(options, modelSet, manifest, spec));
    // Before the audio models open, so a text encoder opened here is released before CLAP takes its memory.
    if (options.concepts) await concepts.embedMany(options.concepts.filter((text) => text.trim() !== ''));
    const config = parseClapPreprocessorConfig(JSON.parse(await readFile(modelSet.files['clap.preprocessor'], 'utf8')), modelSet.files['clap.preprocessor']);
    const prefetchChunks = options.prefetchChunks ?? 8;
    if (!Number.isInteger(prefetchChunks) || prefetchChunks < 1) throw new InvalidValueError('prefetchChunks', prefetchChunks, 'an integer >= 1');
    // The CDM is tiny; CLAP takes seconds, mostly graph optimization on one core.
    const sessions = Promise.all([
      openCheckedSession(backend, modelSet.files['clap.model'], MODEL_CONTRACTS.clap),
      openCheckedSession(backend, modelSet.files.cdm, MODEL_CONTRACTS.cdm),
    ]).then(([clap, cdm]) => ({ clap, cdm }));
    sessions.catch(() => undefined); // reported by ready() and the first use, never as an unhandled rejection
    // A set shipped as a directory keeps its manifest name and test-only flag.
    const named = shipped ? { ...modelSet, name: spec, testOnly: manifest.sets[spec]?.testOnly ?? false } : modelSet;
    const refractor = new Refractor(named, backend, new ClapFeatureExtractor(config), sessions, prefetchChunks, options.batchSize, concepts, options.crossRequestBatching);
    refractor.deviceChoice = deviceChoice;
    // The base model auto-loads from the set (refractor.onnx beside refractor_cdm.onnx), as the card says.
    const basePath = options.baseModel ?? modelSet.files.base;
    if (basePath !== undefined) {
      refractor.base = await openCheckedSession(backend, basePath, MODEL_CONTRACTS.base);
      refractor.baseModelPath = basePath;
    }
    if (!options.openInBackground) await refractor.ready();
    return refractor;
  }

  /** Resolves once CLAP and the CDM are open (at once unless loaded with `openInBackground`); rejects if either failed. */
  async ready(): Promise<void> {
    await this.sessions;
  }

  /** Whether a base model is loaded (needed for MIDI candidates). */
  get hasBaseModel(): boolean {
    return this.base !== undefined;
  }

  /**
   * A MIDI file (path or bytes) as the base model's piano roll: float32
   * `[128, 256]`, pitch-major (`roll[pitch * 256 + step]`), 100 ms steps,
   * velocity / 127, with the original's quirks. A bad file throws
   * `MidiParseError` naming it. Needs no model.
   *
   * @example
   * ```ts
   * const roll = await refractor.prepareMidi('take.mid');
   * ```
   */
  prepareMidi(input: string | Uint8Array): Promise<Float32Array> {
    return prepareMidi(input);
  }

  /**
   * Scores candidates (each any of MIDI, audio, lyric) against one concept,
   * as the original's `score_batch`: audio-only candidates go to the CDM (one
   * 10 s CLAP crop), the rest to the base model (needs one, and a concept),
   * one ONNX run per `batchSize` (default 64). A bad input fails only its own
   * item. With `rank`, items come sorted by confidence with a 0-based rank.
   *
   * @example
   * ```ts
   * const refractor = await Refractor.load({ models: 'tiny' }); // the tiny set ships a base model
   * const items = await refractor.scoreCandidates([{ midi: 'a.mid' }, { midi: 'b.mid', lyric: 'la la' }], { concept: 'a song about leaving', rank: true });
   * for (const item of items) console.log(item.rank, item.input, item.result?.confidence ?? item.error?.message);
   * ```
   */
  async scoreCandidates(candidates: readonly Candidate[], options: CandidateScoreOptions = {}): Promise<CandidateItem[]> {
    return scoreNodeCandidates(
      {
        backend: this.backend,
        base: this.base,
        cdm: (await this.sessions).cdm,
        embedText: (text) => this.prepareConcept(text),
        prepareAudio: (waveform, sampleRate, crop) => this.prepareAudio(waveform, sampleRate, crop),
      },
      candidates,
      options,
    );
  }

  /**
   * A scorer over this instance's CLAP and CDM sessions with other options
   * (e.g. another batch size). Its CLAP runs go through this instance's
   * shared encoder (cross-request batching, run counts) unless `options.encoder` says otherwise.
   */
  async audioScorer(options: ScorerOptions = { batchSize: this.batchSize }): Promise<RefractorScorer> {
    const [{ clap, cdm }, encoder] = await Promise.all([this.sessions, this.encoder]);
    return new RefractorScorer(this.backend, { clap, cdm }, { encoder, ...options });
  }

  /**
   * Calls `listener` after every CLAP run of this instance's scorers with its
   * size in chunks (a shared run when cross-request batching is on); returns
   * a function that stops it. What the server's `/metrics` histogram uses.
   *
   * @example
   * ```ts
   * const stop = refractor.onEncoderRun(({ rows, ok }) => console.log(`CLAP ran ${rows} chunks${ok ? '' : ' and failed'}`));
   * ```
   */
  onEncoderRun(listener: EncoderRunListener): () => void {
    this.encoderListeners.add(listener);
    return () => this.encoderListeners.delete(listener);
  }

  /**
   * Counts of this instance's CLAP runs so far: runs, chunks, failed runs and
   * runs by size (zeros until the models are open).
   *
   * @example
   * ```ts
   * const { runs, rows } = await refractor.encoderStats();
   * console.log(`mean batch ${(rows / runs).toFixed(1)} chunks`);
   * ```
   */
  async encoderStats(): Promise<EncoderRunStats> {
    const encoder = await this.encoder.catch(() => undefined);
    return encoder?.stats() ?? { runs: 0, rows: 0, failedRuns: 0, runsBySize: [] };
  }

  /**
   * The 512-d CLAP embedding of a waveform (mono, any rate): resampled to
   * 48 kHz, cropped to 10 s (`crop`/`seed`) or padded (`pad`, as the original
   * wrapper, or the checkpoint's `repeatpad`), then encoded.
   */
  async prepareAudio(waveform: Float32Array, sampleRate: number, options: CropOptions & { padding?: ClapPadding } = {}): Promise<Float32Array> {
    return (await this.audioScorer()).embedAudio(clipFeatures(this.extractor, waveform, sampleRate, options), 1);
  }

  /**
   * The 768-d concept embedding (zeros for no text): from memory, the
   * persistent concept cache, or the text encoder, opened only for a concept
   * not cached (and released afterwards when `keepTextEncoder` is false).
   */
  async prepareConcept(text?: string | null): Promise<Float32Array> {
    return (await this.prepareConcepts([text]))[0]!;
  }

  /**
   * The concept embeddings of several texts, in order, opening the text
   * encoder at most once for all that are not cached (zeros for no text).
   *
   * @example
   * ```ts
   * const [a, none] = await refractor.prepareConcepts(['A song about forgetting the future', null]);
   * ```
   */
  async prepareConcepts(texts: readonly (string | null | undefined)[]): Promise<Float32Array[]> {
    const blank = (text: string | null | undefined): text is null | undefined => text == null || text.trim() === '';
    const vectors = await this.concepts.embedMany(texts.filter((text): text is string => !blank(text)));
    return texts.map((text) => (blank(text) ? new Float32Array(CDM_CONTRACT.conceptEmbeddingDim) : vectors.shift()!));
  }

  /**
   * A lookup for a run's concepts, held for the whole run: the distinct
   * `texts` embedded up front (one opening of the text encoder at most, for
   * all not cached; released before the audio work when `keepTextEncoder` is
   * false), any other text on demand. What the CLI, the server and the queue
   * worker use for per-item concepts.
   *
   * @example
   * ```ts
   * const concept = await refractor.conceptLookup(songs.map((song) => song.concept));
   * const song = await refractor.scoreFile(songs[0].path, { conceptEmbedding: await concept(songs[0].concept) });
   * ```
   */
  conceptLookup(texts: readonly (string | null | undefined)[] = []): Promise<ConceptLookup> {
    return conceptLookup(this, texts);
  }

  /** Releases the text encoder now if it is open and idle; the next new concept opens it again. */
  async releaseTextEncoder(): Promise<void> {
    await this.concepts.releaseEncoder();
  }

  /** True while the text encoder is open (for tests and diagnostics). */
  get textEncoderOpen(): boolean {
    return this.concepts.encoderOpen;
  }

  /** Scores one embedding pair, as the seed's `score(audio_emb=…, concept_emb=…)`. */
  async score(pair: EmbeddingPair, options: { targets?: string } = {}): Promise<ChunkResult> {
    return (await this.audioScorer()).score(pair, undefined, options.targets);
  }

  /**
   * Scores a whole song from a path, its bytes or an open audio stream: streamed features (decode
   * here, featurize on a worker thread), CLAP in batches, the concept embedded
   * once, the CDM per chunk, aggregated with the per-chunk timeline.
   */
  async scoreFile(input: SongInput, options: SongScoreOptions = {}): Promise<ScoredSong> {
    const started = performance.now();
    const timings = options.onTimings ? { decode_ms: 0, total_ms: 0, ...newStageTimings() } : undefined;
    // Features start first, so decoding overlaps opening the encoders (and embedding the concept).
    const { chunks, featureOptions } = await this.featureChunks(input, options, timings);
    const song = await scoreSong(
      {
        scorer: this.audioScorer(),
        chunks,
        prepareConcept: (text) => this.prepareConcept(text),
        settings: { models: this.modelSet.name, testOnly: this.modelSet.testOnly, features: featureOptions, backend: this.backend },
        ...(timings ? { timings, clock: () => performance.now() } : {}),
      },
      options,
    );
    if (timings) options.onTimings!({ ...timings, total_ms: performance.now() - started });
    return song;
  }

  /**
   * The per-chunk CLAP embeddings of a song from a path or its bytes, with
   * each chunk's span: features streamed exactly as {@link scoreFile} streams
   * them (same chunking and crops), CLAP in batches; no concept, no CDM. This
   * is what a training cache holds per row.
   *
   * @example
   * ```ts
   * const { embeddings, chunks } = await refractor.embedChunks('song.wav', { chunkSizeS: 30, chunkStrideS: 5 });
   * console.log(chunks.length, 'chunks;', embeddings.length / 512, 'rows of 512');
   * ```
   */
  async embedChunks(
    input: SongInput,
    options: ChunkingOptions & CropOptions & { parallel?: boolean } = {},
  ): Promise<{ embeddings: Float32Array; chunks: ChunkSpan[] }> {
    const { chunks } = await this.featureChunks(input, options);
    try {
      return await (await this.audioScorer()).embedChunks(chunks);
    } finally {
      await chunks.return?.(undefined);
    }
  }

  /**
   * A song's chunk features as a stream, already running: decoded here,
   * featurized on a worker thread unless `parallel` is false, at most
   * `prefetchChunks` ahead of the consumer.
   */
  private async featureChunks(
    input: SongInput,
    options: ChunkingOptions & CropOptions & { parallel?: boolean; name?: string },
    timings?: { decode_ms: number },
  ) {
    const name = typeof input === 'string' ? input : input instanceof Uint8Array ? (options.name ?? 'bytes') : (input.name ?? options.name ?? 'stream');
    const featureOptions = { name, ...songFeatureSettings(options) };
    if ((typeof input === 'string' || input instanceof Uint8Array) && options.parallel !== false) {
      // Read and decoded on the worker too: this thread is onnxruntime's while it runs CLAP (run() is synchronous).
      const source = songFileFeaturesInWorker(input, {
        ...featureOptions,
        config: this.extractor.config,
        ...(timings ? { onSummary: (_summary: unknown, decodeMs: number) => (timings.decode_ms += decodeMs) } : {}),
      });
      return { chunks: prefetch(source, this.prefetchChunks), featureOptions };
    }
    const started = performance.now();
    const opened: AudioStream =
      typeof input === 'string' ? await openAudioFile(input) : input instanceof Uint8Array ? await openAudioStream([input], { name }) : input;
    const stream = timings ? timedStream(opened, timings, performance.now() - started) : opened;
    const source =
      options.parallel === false
        ? songChunkFeatures(stream, this.extractor, featureOptions)
        : songChunkFeaturesInWorker(stream, { ...featureOptions, config: this.extractor.config });
    return { chunks: prefetch(source, this.prefetchChunks), featureOptions };
  }

  /** Scores several songs in turn; a failing input is reported and the rest still scored. */
  async scoreBatch(inputs: readonly string[], options: SongScoreOptions = {}): Promise<BatchItem[]> {
    const concept = options.conceptEmbedding ?? (await this.prepareConcept(options.concept));
    const items: BatchItem[] = [];
    for (const input of inputs) {
      try {
        items.push({ input, result: await this.scoreFile(input, { ...options, conceptEmbedding: concept }) });
      } catch (error) {
        items.push({ input, error: error as Error });
      }
    }
    return items;
  }

  /** Runs the chunks queued for a shared CLAP run, then releases the sessions. */
  async close(): Promise<void> {
    await (await this.encoder.catch(() => undefined))?.close();
    const sessions = await this.sessions.catch(() => undefined);
    await Promise.all([sessions?.clap.release(), sessions?.cdm.release(), this.base?.release(), this.concepts.close()]);
  }
}


/** The concept cache directory and encoder policy that {@link Refractor.load}'s options ask for. */
function conceptSettings(options: RefractorLoadOptions, modelSet: ResolvedModelSet, manifest: ModelManifest, spec: string): ConceptSettings {
  const option = options.conceptCache ?? true;
  const cache = option === false ? undefined : option === true ? defaultConceptCacheDir(options) : option;
  const knownSha256: Record<string, string> = {};
  if (modelSet.source === 'cache') {
    // Files of a manifest set are downloaded and verified against these, so they need no hashing.
    for (const [role, file] of Object.entries(manifest.sets[spec]?.files ?? {})) {
      const path = modelSet.files[role as keyof ResolvedModelSet['files']];
      if (file?.sha256 && path) knownSha256[path] = file.sha256;
    }
  }
  return {
    cache,
    keepTextEncoder: options.keepTextEncoder ?? true,
    knownSha256,
    digestsDir: join(typeof cache === 'string' ? cache : defaultConceptCacheDir(options), FILE_DIGESTS_DIR),
    externalWeightsDir: options.externalWeights === false ? undefined : defaultExternalWeightsDir(options),
  };
}

/** `stream`, adding the time spent opening it and producing each block to `timings.decode_ms`. */
function timedStream(stream: AudioStream, timings: { decode_ms: number }, openMs: number): AudioStream {
  timings.decode_ms += openMs;
  return {
    format: stream.format,
    async *[Symbol.asyncIterator]() {
      const iterator = stream[Symbol.asyncIterator]();
      try {
        for (;;) {
          const started = performance.now();
          const next = await iterator.next();
          timings.decode_ms += performance.now() - started;
          if (next.done) return;
          yield next.value;
        }
      } finally {
        await iterator.return?.();
      }
    },
  };
}
