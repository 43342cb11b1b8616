import type { InferenceSession } from 'onnxruntime-web';
import {
  CDM_CONTRACT,
  MODEL_CONTRACTS,
  RefractorScorer,
  conceptLookup,
  modelSetForDtype,
  openCheckedSession,
  resolveBatchSize,
  scoreCandidateItems,
  scoreSong,
  type CandidateInput,
  type CandidateItem,
  type CandidateItemsOptions,
  type ChunkResult,
  type ChunkSpan,
  type ConceptEmbedder,
  type ConceptLookup,
  type ConceptStorage,
  type AnyModelFileRole,
  type EmbeddingPair,
  type FeatureChunk,
  type ModelFileRole,
  type RefractorContract,
  type ScoreSettings,
  type ScorerOptions,
  type SongResult,
  type SongScoringOptions,
} from '@refractor/core';
import {
  ClapFeatureExtractor,
  clipFeatures,
  decodeAudio,
  downmix,
  midiToPianoRoll,
  openAudioStream,
  parseClapPreprocessorConfig,
  songChunkFeatures,
  songFeatureSettings,
  type ChunkingOptions,
  type ClapPadding,
  type CropOptions,
} from '@refractor/audio';
import { createWebBackend, type WebBackend, type WebBackendOptions, type WebDevice } from './backend.js';
import { webConceptEmbedder } from './concepts.js';
import { releaseModelBytes } from './external-data.js';
import { defaultFeaturesWorker, hasWebWorkers, remoteChunkFeatures } from './remote-features.js';
import { IndexedDbConceptStorage, hasIndexedDb } from './indexeddb-concept-storage.js';
import { MANIFEST, fetchModelFile, fetchModelJson, modelUrl, type FetchModelOptions, type FileProgress, type ModelLocation } from './models.js';

/** What {@link RefractorWeb} reports while it works. */
export type RefractorProgress =
  | ({ phase: 'download' } & FileProgress)
  | { phase: 'init'; message: string }
  | { phase: 'analyze'; name: string; chunks: number; seconds: number }
  /** After each chunk's CLAP run: keeps moving during long real-size runs. */
  | { phase: 'score'; name: string; scored: number; seconds: number };

/** Options for {@link RefractorWeb.load}. */
export interface RefractorWebLoadOptions extends ModelLocation, WebBackendOptions, ScorerOptions {
  onProgress?: (progress: RefractorProgress) => void;
  /**
   * Keep model files in the Cache Storage API (default true).
   * @defaultValue `true`
   */
  cache?: boolean;
  /**
   * Marks results as coming from a test-only set (default: from the manifest, or the set's config naming `refractor-test/…`).
   * @defaultValue from the manifest
   */
  testOnly?: boolean;
  /**
   * URL of a base Refractor model (`refractor.onnx`, e.g. `/models/tiny/refractor.onnx`),
   * needed to score MIDI candidates. None by default: its weights are not published.
   * @defaultValue none
   */
  baseModelUrl?: string;
  /**
   * Keep the text encoder open once a new concept needed it. Default: false
   * when `concepts` are given (the run's concepts are known, as in the Node
   * CLI: it is released, ~735 MB for the real DeBERTa, as soon as they are
   * embedded, and again after any later new concept), else true, as Node's
   * `Refractor` (a page scoring many new concepts keeps it warm).
   * @defaultValue `false` with `concepts`, else `true`
   */
  keepTextEncoder?: boolean;
  /**
   * The run's concepts, embedded during `load` with the text encoder opened
   * first and released before CLAP is fetched (unless `keepTextEncoder`), so
   * the two big encoders are never in memory together. Concepts already in
   * the `conceptStorage` never open the text encoder. Others can still be
   * scored later; they open it then.
   * @defaultValue none
   */
  concepts?: readonly string[];
  /**
   * Where concept embeddings persist across visits (core's `ConceptStorage`):
   * by default an {@link IndexedDbConceptStorage} where IndexedDB exists
   * (pages and workers), memory only elsewhere; `false` keeps them in memory
   * only. Keyed as Node's cache is, by the text model's identity (the text
   * files' digests: the manifest's SHA-256s, or for a set from `baseUrl` the
   * digests taken when the files were fetched) and the text.
   * @defaultValue an `IndexedDbConceptStorage` where IndexedDB exists
   */
  conceptStorage?: ConceptStorage | false;
  /**
   * Where the text encoder runs: by default in a Web Worker of its own
   * (this package's `text-worker.js`, started where web Workers exist: pages and workers, not Node), ended
   * when the encoder is released, so its WASM heap (~0.9 GB for the real
   * DeBERTa; a WASM heap never shrinks while its thread lives) is returned to
   * the OS before CLAP is opened. A function starts that worker your way (a
   * bundler's URL); `false` opens it in this thread (as in Node).
   * @defaultValue its own worker where web Workers exist
   */
  textEncoderWorker?: (() => Worker) | false;
  /**
   * Where `scoreFile` decodes the song and computes its CLAP features: in a
   * Web Worker of their own (this package's `features-worker.js`, one per
   * song) that streams each chunk's features to this thread as they are
   * ready, so the thread running onnxruntime-web only runs models and the
   * next chunk is ready while one is encoded; or in this thread, between
   * model runs. Default (`undefined`): the worker where web Workers exist and a
   * core is left beside onnxruntime-web's threads (`hardwareConcurrency` >
   * WASM threads, or WebGPU), else this thread: with every core running
   * onnxruntime-web's threads, a third busy thread can only take turns with
   * them (on 2 cores: 1.10–1.18 chunks/s with the worker against 1.08–1.19
   * in-thread, and a worker's own memory besides). `true` always uses the worker, `false` never; a
   * function starts it your way. The features are bitwise the same either way.
   * @defaultValue the worker when a core is spare, else this thread
   */
  featuresWorker?: (() => Worker) | boolean;
}

/** A candidate for {@link RefractorWeb.scoreCandidates}: any of MIDI and audio file bytes and lyric text. */
export type WebCandidate = CandidateInput<Uint8Array>;

/** Options for {@link RefractorWeb.scoreCandidates}: core's, plus where CLAP crops each audio clip. */
export interface WebCandidateOptions extends CandidateItemsOptions, CropOptions {}

/** How a browser user supplies the base model, for routing errors. */
const WEB_BASE_MODEL_HINT = 'load it with the baseModelUrl option (the demo page: ?base=<url of refractor.onnx>)';

/**
 * Options for {@link RefractorWeb.scoreFile}: core's `SongScoringOptions`
 * (the same as Node's `scoreFile`), chunking and crop, and progress messages.
 */
export interface WebScoreOptions extends SongScoringOptions, ChunkingOptions, CropOptions {
  /** Called with `analyze` and `score` messages as the song goes (besides `onChunk` and `onScored`). */
  onProgress?: (progress: RefractorProgress) => void;
}

/** A song for {@link RefractorWeb.scoreFile}: the file's bytes, or a `Blob`/`File` (a `File` names itself). */
export type WebSongInput = Uint8Array | Blob;

/** How a result was produced: core's `ScoreSettings` (the same fields as Node's), `device` being the web provider. */
export type WebScoreSettings = ScoreSettings & { device: 'webgpu' | 'wasm' };

/** A song result with the settings that produced it: the shape of Node's `scoreFile`. */
export type WebScoredSong = SongResult & { settings: WebScoreSettings };

/**
 * The Refractor CDM in a browser (or a Web Worker): the same scoring code as
 * Node (`RefractorScorer`, `scoreSong`, `openAudioStream`, `songChunkFeatures`) on
 * onnxruntime-web, with model files fetched by URL and cached. It implements
 * core's {@link RefractorContract}, as Node's `Refractor` does: same methods,
 * options and records.
 *
 * @example
 * ```ts
 * const refractor = await RefractorWeb.load({ baseUrl: '/models/tiny/', device: 'auto', wasmPaths: '/ort/' });
 * const song = await refractor.scoreFile(file, { concept: 'A song about forgetting the future', target: 'Indigo' });
 * console.log(song.predicted_color, song.settings.backend);
 * ```
 */
export class RefractorWeb implements RefractorContract<WebSongInput, Uint8Array, ChunkingOptions & CropOptions> {
  /** The base model's session, when `baseModelUrl` was given. */
  private base: InferenceSession | undefined;
  /** Chunks per CLAP run (`auto` resolved for this backend: 1 on WASM). */
  readonly batchSize: number;

  private constructor(
    readonly backend: WebBackend,
    readonly extractor: ClapFeatureExtractor,
    private readonly clap: InferenceSession,
    private readonly cdm: InferenceSession,
    private readonly options: RefractorWebLoadOptions,
    /** The set's name (a manifest set or the base URL) and whether its predictions mean nothing. */
    readonly modelSet: { readonly name: string; readonly testOnly: boolean },
    private readonly concepts: ConceptEmbedder<{ session: InferenceSession }>,
  ) {
    this.batchSize = resolveBatchSize(options.batchSize, backend);
  }

  /**
   * Picks the backend; embeds the `concepts` (text encoder first, released
   * after unless `keepTextEncoder`); then downloads (or reads from cache) and
   * opens CLAP, its preprocessor config and the CDM, one model at a time,
   * each file's bytes dropped as soon as its session holds the weights.
   */
  static async load(options: RefractorWebLoadOptions = {}): Promise<RefractorWeb> {
    const report = options.onProgress;
    const backend = await createWebBackend(options);
    report?.({ phase: 'init', message: `runtime: ${backend.name}` });
    const fetchOptions = (role: ModelFileRole) => fileOptions(options, role);
    const url = (role: ModelFileRole) => modelUrl(options.baseUrl, role, options);
    const concepts = webConceptEmbedder(backend, {
      ...options,
      fileOptions: (role) => fileOptions(options, role),
      onOpening: () => report?.({ phase: 'init', message: 'opening the concept encoder' }),
      onReleased: () => report?.({ phase: 'init', message: 'concept encoder released' }),
      ...(options.textEncoderWorker === undefined ? {} : { worker: options.textEncoderWorker }),
      backendOptions: {
        ...(options.wasmPaths === undefined ? {} : { wasmPaths: options.wasmPaths }),
        ...(options.numThreads === undefined ? {} : { numThreads: options.numThreads }),
        ...(options.sessionOptions === undefined ? {} : { sessionOptions: options.sessionOptions }),
      },
      keepTextEncoder: options.keepTextEncoder ?? !(options.concepts && options.concepts.length > 0),
      storage: resolveConceptStorage(options.conceptStorage),
    });
    // The text encoder first, and gone before CLAP is fetched: the two real-size encoders are never in memory together.
    const texts = (options.concepts ?? []).filter((text) => text.trim() !== '');
    if (texts.length > 0) {
      report?.({ phase: 'init', message: `embedding ${texts.length === 1 ? 'the concept' : `${texts.length} concepts`}` });
      await concepts.embedMany(texts);
    }
    const [preprocessor, clapConfig] = await Promise.all([
      fetchModelJson('clap.preprocessor', url('clap.preprocessor'), fetchOptions('clap.preprocessor')),
      fetchModelJson('clap.config', url('clap.config'), fetchOptions('clap.config')),
    ]);
    const config = parseClapPreprocessorConfig(preprocessor, url('clap.preprocessor'));
    // CLAP's bytes are read (Cache Storage or network) while the small CDM is opened, which is also when onnxruntime-web
    // starts its WASM runtime (compiles it, starts its threads): the two overlap instead of adding up. Sessions are still
    // created one at a time (onnxruntime-web's WebGPU EP refuses concurrent session creation), one big file in memory at a time.
    let clapBytes: Promise<Uint8Array> | undefined = fetchModelFile('clap.model', url('clap.model'), fetchOptions('clap.model'));
    clapBytes.catch(() => undefined);
    const cdm = await openModel(backend, 'cdm', url('cdm'), fetchOptions('cdm'), MODEL_CONTRACTS.cdm, report);
    const clap = await openFetchedModel(backend, 'clap.model', url('clap.model'), clapBytes, MODEL_CONTRACTS.clap, report);
    // Forgotten here, so load's frame does not keep the 276 MB alive while anything else is opened.
    clapBytes = undefined;
    const hasBase = options.baseUrl !== undefined && options.baseUrl !== '';
    const setName = options.set ?? 'default';
    const namedTest = /^refractor-test\//.test(String((clapConfig as { _name_or_path?: unknown })?._name_or_path ?? ''));
    const testOnly = options.testOnly ?? (hasBase ? namedTest : ((options.manifest ?? MANIFEST).sets[setName]?.testOnly ?? false));
    const modelSet = { name: hasBase ? options.baseUrl! : setName, testOnly };
    const refractor = new RefractorWeb(backend, new ClapFeatureExtractor(config), clap, cdm, options, modelSet, concepts);
    if (options.baseModelUrl) {
      refractor.base = await openModel(backend, 'base', options.baseModelUrl, fileOptions({ ...options, baseUrl: options.baseModelUrl }, 'base'), MODEL_CONTRACTS.base, report);
    }
    return refractor;
  }

  /** Resolves at once: `load` returns with every audio model open (the same method as Node's, for code written against the contract). */
  async ready(): Promise<void> {}

  /** Whether a base model is loaded (needed for MIDI candidates). */
  get hasBaseModel(): boolean {
    return this.base !== undefined;
  }

  /**
   * Scores candidates (each any of MIDI bytes, audio bytes, lyric text)
   * against one concept with the same core code as Node: audio-only ones go
   * to the CDM (one 10 s CLAP crop), the rest to the base model (load one
   * with `baseModelUrl`; a concept is required), one ONNX run per batch. The
   * piano roll is computed here, in TypeScript. Bad inputs fail alone.
   *
   * @example
   * ```ts
   * const refractor = await RefractorWeb.load({ baseUrl: '/models/tiny/', baseModelUrl: '/models/tiny/refractor.onnx' });
   * const [item] = await refractor.scoreCandidates([{ id: file.name, midi: new Uint8Array(await file.arrayBuffer()) }], { concept: 'leaving home' });
   * item.result?.temporal.future;
   * ```
   */
  async scoreCandidates(candidates: readonly WebCandidate[], options: WebCandidateOptions = {}): Promise<CandidateItem[]> {
    const crop: CropOptions = { ...(options.crop ? { crop: options.crop } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) };
    return scoreCandidateItems(
      {
        backend: this.backend,
        base: this.base,
        cdm: this.cdm,
        baseModelHint: WEB_BASE_MODEL_HINT,
        embedText: (text) => this.prepareConcept(text),
        pianoRoll: async (bytes, name) => midiToPianoRoll(bytes, { name }),
        embedAudio: async (bytes, name) => {
          const { channels, sampleRate } = await decodeAudio(bytes, { name });
          return this.prepareAudio(downmix(channels), sampleRate, crop);
        },
      },
      candidates,
      options,
    );
  }

  /** A scorer over this instance's CLAP and CDM sessions. */
  private scorer(): RefractorScorer {
    return new RefractorScorer(this.backend, { clap: this.clap, cdm: this.cdm }, { batchSize: this.batchSize });
  }

  /**
   * The 512-d CLAP embedding of a waveform (mono, any rate): resampled to
   * 48 kHz, cropped to 10 s (`crop`/`seed`) or padded, then encoded.
   */
  async prepareAudio(waveform: Float32Array, sampleRate: number, options: CropOptions & { padding?: ClapPadding } = {}): Promise<Float32Array> {
    return this.scorer().embedAudio(clipFeatures(this.extractor, waveform, sampleRate, options), 1);
  }

  /** A MIDI file's bytes as the base model's `[128, 256]` piano roll; a bad file throws `MidiParseError`. Needs no model. */
  async prepareMidi(input: Uint8Array): Promise<Float32Array> {
    return midiToPianoRoll(input);
  }

  /**
   * The 768-d concept embedding (zeros for no text): from memory, the
   * `conceptStorage`, or the text encoder, fetched and opened only for a
   * concept not stored (about 600 MB for the real DeBERTa).
   */
  async prepareConcept(text?: string | null): Promise<Float32Array> {
    return (await this.prepareConcepts([text]))[0]!;
  }

  /** The concept embeddings of several texts, in order, opening the text encoder at most once for all not stored (zeros for no text). */
  async prepareConcepts(texts: readonly (string | null | undefined)[]): Promise<Float32Array[]> {
    const blank = (text: string | null | undefined): text is null | undefined => text == null || text.trim() === '';
    const vectors = await this.concepts.embedMany(texts.filter((text): text is string => !blank(text)));
    return texts.map((text) => (blank(text) ? new Float32Array(CDM_CONTRACT.conceptEmbeddingDim) : vectors.shift()!));
  }

  /** A lookup holding a run's concepts: the given texts embedded up front, any other on demand. */
  conceptLookup(texts: readonly (string | null | undefined)[] = []): Promise<ConceptLookup> {
    return conceptLookup(this, texts);
  }

  /** Releases the text encoder now if it is open and idle; the next new concept opens it again. */
  async releaseTextEncoder(): Promise<void> {
    await this.concepts.releaseEncoder();
  }

  /** True while the text encoder is open. */
  get textEncoderOpen(): boolean {
    return this.concepts.encoderOpen;
  }

  /** Scores one embedding pair (512-d audio, 768-d concept). */
  async score(pair: EmbeddingPair, options: { targets?: string } = {}): Promise<ChunkResult> {
    return this.scorer().score(pair, undefined, options.targets);
  }

  /**
   * Scores a whole song from its file (bytes, or a `Blob`/`File`: WAV, AIFF,
   * MP3, FLAC, OGG, Opus, M4A): streamed decode and features, CLAP in
   * batches, the concept embedded once, the CDM per chunk, aggregated with
   * the per-chunk timeline — core's `scoreSong`, as in Node. Unreadable
   * input rejects with @refractor/audio's `AudioDecodeError`.
   *
   * @example
   * ```ts
   * const song = await refractor.scoreFile(fileInput.files[0], { concept: 'leaving home', target: 'Indigo', onProgress: console.log });
   * ```
   */
  async scoreFile(input: WebSongInput, options: WebScoreOptions = {}): Promise<WebScoredSong> {
    const onProgress = options.onProgress ?? this.options.onProgress;
    const name = options.name ?? fileName(input) ?? 'bytes';
    const features = { name, ...songFeatureSettings(options) };
    const chunks = await this.chunkFeatures(input, features);
    return scoreSong(
      {
        scorer: this.scorer(),
        chunks,
        prepareConcept: (text) => this.prepareConcept(text),
        settings: { models: this.modelSet.name, testOnly: this.modelSet.testOnly, features, backend: this.backend },
      },
      {
        ...options,
        onChunk: (count, span) => {
          options.onChunk?.(count, span);
          onProgress?.({ phase: 'analyze', name, chunks: count, seconds: span.start_s });
        },
        onScored: (scored, span) => {
          options.onScored?.(scored, span);
          onProgress?.({ phase: 'score', name, scored, seconds: span.end_s });
        },
      },
    );
  }

  /**
   * A song's chunk features: in a worker of their own where one can start
   * (see `featuresWorker`), so that decoding and log-mels never hold up the
   * encoder and the next chunk is ready while this one is encoded; else here.
   * Either way the same @refractor/audio code, so the same bits.
   */
  private async chunkFeatures(input: WebSongInput, features: ReturnType<typeof songFeatureSettings> & { name: string }): Promise<AsyncIterableIterator<FeatureChunk>> {
    const start = featuresWorkerStart(this.options.featuresWorker, this.backend);
    if (start) {
      // A copy the worker may take: the caller's bytes stay theirs.
      const bytes = input instanceof Uint8Array ? input.slice() : new Uint8Array(await input.arrayBuffer());
      const remote = await remoteChunkFeatures(start, bytes, this.extractor.config, features);
      if (remote) return remote;
      return songChunkFeatures(await openAudioStream([bytes], { name: features.name }), this.extractor, features);
    }
    return songChunkFeatures(await openAudioStream([await bytesOf(input)], { name: features.name }), this.extractor, features);
  }

  /**
   * @deprecated Use {@link scoreFile} (the name Node's `Refractor` has too); it takes the same bytes and options.
   */
  scoreBytes(bytes: Uint8Array, options: WebScoreOptions = {}): Promise<WebScoredSong> {
    return this.scoreFile(bytes, options);
  }

  /**
   * The per-chunk CLAP embeddings of a song (`chunks.length × 512`), chunked
   * exactly as {@link scoreFile} chunks it; no concept, no CDM.
   */
  async embedChunks(input: WebSongInput, options: ChunkingOptions & CropOptions & { name?: string } = {}): Promise<{ embeddings: Float32Array; chunks: ChunkSpan[] }> {
    const name = options.name ?? fileName(input) ?? 'bytes';
    const stream = await openAudioStream([await bytesOf(input)], { name });
    return this.scorer().embedChunks(songChunkFeatures(stream, this.extractor, { name, ...songFeatureSettings(options) }));
  }

  /** Releases the sessions. */
  async close(): Promise<void> {
    await Promise.all([this.clap.release(), this.cdm.release(), this.base?.release(), this.concepts.close()]);
  }
}

/** How to start the features worker, or false for this thread (see `RefractorWebLoadOptions.featuresWorker`). */
function featuresWorkerStart(option: (() => Worker) | boolean | undefined, backend: WebBackend): (() => Worker) | false {
  if (typeof option === 'function') return option;
  if (option === false || !hasWebWorkers()) return false;
  if (option === true) return defaultFeaturesWorker;
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return backend.device === 'webgpu' || cores > backend.threads ? defaultFeaturesWorker : false;
}

/** A `File`'s name (a `Blob` or bytes have none). */
function fileName(input: WebSongInput): string | undefined {
  const name = (input as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

async function bytesOf(input: WebSongInput): Promise<Uint8Array> {
  return input instanceof Uint8Array ? input : new Uint8Array(await input.arrayBuffer());
}

export type { WebDevice };

/** The concept storage `load` uses: the given one, none for `false`, else IndexedDB where there is one. */
function resolveConceptStorage(option: ConceptStorage | false | undefined): ConceptStorage | undefined {
  if (option === false) return undefined;
  return option ?? (hasIndexedDb() ? new IndexedDbConceptStorage() : undefined);
}

/**
 * Fetches one model and opens it. A function of its own so the bytes are
 * local to it: garbage as soon as the session holds the weights, not kept
 * alive by `load`'s frame until every model is open.
 */
async function openModel(
  backend: WebBackend,
  role: AnyModelFileRole,
  url: string,
  options: FetchModelOptions,
  contract: (typeof MODEL_CONTRACTS)[keyof typeof MODEL_CONTRACTS],
  report: ((progress: RefractorProgress) => void) | undefined,
): Promise<InferenceSession> {
  return openFetchedModel(backend, role, url, fetchModelFile(role, url, options), contract, report);
}

/** Opens a model whose bytes are being fetched, in a function of its own for the same reason as {@link openModel}. */
async function openFetchedModel(
  backend: WebBackend,
  role: AnyModelFileRole,
  url: string,
  fetching: Promise<Uint8Array>,
  contract: (typeof MODEL_CONTRACTS)[keyof typeof MODEL_CONTRACTS],
  report: ((progress: RefractorProgress) => void) | undefined,
): Promise<InferenceSession> {
  const bytes = await fetching;
  report?.({ phase: 'init', message: `opening ${role}` });
  const session = await openCheckedSession(backend, bytes, contract, url);
  releaseModelBytes(bytes);
  return session;
}

function fileOptions(options: RefractorWebLoadOptions, role: AnyModelFileRole) {
  const set = (options.manifest ?? MANIFEST).sets[options.set ?? 'default'];
  const size = options.baseUrl || !set ? undefined : modelSetForDtype(set, options.dtype ?? 'fp32').files[role as ModelFileRole]?.size;
  return {
    cache: options.cache ?? true,
    ...(size === undefined ? {} : { size }),
    ...(options.onProgress ? { onProgress: (p: FileProgress) => options.onProgress!({ phase: 'download', ...p }) } : {}),
  };
}
