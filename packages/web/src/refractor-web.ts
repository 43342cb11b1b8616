import type { InferenceSession } from 'onnxruntime-web';
import {
  MODEL_CONTRACTS,
  RefractorScorer,
  openCheckedSession,
  scoreCandidateItems,
  scoreSettings,
  type CandidateInput,
  type CandidateItem,
  type CandidateItemsOptions,
  type ConceptTokenizer,
  type AnyModelFileRole,
  type ModelFileRole,
  type ScoreSettings,
  type ScorerOptions,
  type SongResult,
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
  type ChunkFeatures,
  type ChunkingOptions,
  type CropOptions,
} from '@refractor/audio';
import { createWebBackend, type WebBackend, type WebBackendOptions, type WebDevice } from './backend.js';
import { MANIFEST, fetchModelFile, fetchModelJson, modelUrl, type FileProgress, type ModelLocation } from './models.js';
import { conceptTokenizer } from './tokenizer.js';

/** What {@link RefractorWeb} reports while it works. */
export type RefractorProgress =
  | ({ phase: 'download' } & FileProgress)
  | { phase: 'init'; message: string }
  | { phase: 'analyze'; name: string; chunks: number; seconds: number };

/** Options for {@link RefractorWeb.load}. */
export interface RefractorWebLoadOptions extends ModelLocation, WebBackendOptions, ScorerOptions {
  onProgress?: (progress: RefractorProgress) => void;
  /** Keep model files in the Cache Storage API (default true). */
  cache?: boolean;
  /** Marks results as coming from a test-only set (default: from the manifest, or the set's config naming `refractor-test/…`). */
  testOnly?: boolean;
  /**
   * URL of a base Refractor model (`refractor.onnx`, e.g. `/models/tiny/refractor.onnx`),
   * needed to score MIDI candidates. None by default: its weights are not published.
   */
  baseModelUrl?: string;
}

/** A candidate for {@link RefractorWeb.scoreCandidates}: any of MIDI and audio file bytes and lyric text. */
export type WebCandidate = CandidateInput<Uint8Array>;

/** Options for {@link RefractorWeb.scoreCandidates}: core's, plus where CLAP crops each audio clip. */
export interface WebCandidateOptions extends CandidateItemsOptions, CropOptions {}

/** How a browser user supplies the base model, for routing errors. */
const WEB_BASE_MODEL_HINT = 'load it with the baseModelUrl option (the demo page: ?base=<url of refractor.onnx>)';

/** Options for {@link RefractorWeb.scoreBytes}. */
export interface WebScoreOptions extends ChunkingOptions, CropOptions {
  /** Names the input in errors (default `<bytes>`). */
  name?: string;
  /** Concept text (none: zeros, as the original). Loads the concept encoder on first use. */
  concept?: string | null;
  /** A color name or letter: adds chromatic match and drift. */
  target?: string | null;
  onProgress?: (progress: RefractorProgress) => void;
}

/** How a result was produced: core's `ScoreSettings` (the same fields as Node's), `device` being the web provider. */
export type WebScoreSettings = ScoreSettings & { device: 'webgpu' | 'wasm' };

/** A song result with the settings that produced it: the shape of Node's `scoreFile`. */
export type WebScoredSong = SongResult & { settings: WebScoreSettings };

/**
 * The Refractor CDM in a browser (or a Web Worker): the same scoring code as
 * Node (`RefractorScorer`, `openAudioStream`, `songChunkFeatures`) on
 * onnxruntime-web, with model files fetched by URL and cached.
 *
 * @example
 * ```ts
 * const refractor = await RefractorWeb.load({ baseUrl: '/models/tiny/', device: 'auto', wasmPaths: '/ort/' });
 * const song = await refractor.scoreBytes(new Uint8Array(await file.arrayBuffer()), { name: file.name, target: 'Indigo' });
 * console.log(song.predicted_color, song.settings.backend);
 * ```
 */
export class RefractorWeb {
  private textModels: Promise<{ session: InferenceSession; tokenizer: ConceptTokenizer }> | undefined;
  /** The base model's session, when `baseModelUrl` was given. */
  private base: InferenceSession | undefined;

  private constructor(
    readonly backend: WebBackend,
    readonly extractor: ClapFeatureExtractor,
    private readonly clap: InferenceSession,
    private readonly cdm: InferenceSession,
    private readonly options: RefractorWebLoadOptions,
    readonly modelsName: string,
    readonly testOnly: boolean,
  ) {}

  /** Picks the backend, downloads (or reads from cache) CLAP, its preprocessor config and the CDM, opens and checks them. */
  static async load(options: RefractorWebLoadOptions = {}): Promise<RefractorWeb> {
    const report = options.onProgress;
    const backend = await createWebBackend(options);
    report?.({ phase: 'init', message: `runtime: ${backend.name}` });
    const fetchOptions = (role: ModelFileRole) => fileOptions(options, role);
    const url = (role: ModelFileRole) => modelUrl(options.baseUrl, role, options);
    const [preprocessor, clapConfig, clapBytes, cdmBytes] = await Promise.all([
      fetchModelJson('clap.preprocessor', url('clap.preprocessor'), fetchOptions('clap.preprocessor')),
      fetchModelJson('clap.config', url('clap.config'), fetchOptions('clap.config')),
      fetchModelFile('clap.model', url('clap.model'), fetchOptions('clap.model')),
      fetchModelFile('cdm', url('cdm'), fetchOptions('cdm')),
    ]);
    const config = parseClapPreprocessorConfig(preprocessor, url('clap.preprocessor'));
    report?.({ phase: 'init', message: 'opening models' });
    // One at a time: onnxruntime-web's WebGPU EP refuses concurrent session creation.
    const clap = await openCheckedSession(backend, clapBytes, MODEL_CONTRACTS.clap, url('clap.model'));
    const cdm = await openCheckedSession(backend, cdmBytes, MODEL_CONTRACTS.cdm, url('cdm'));
    const hasBase = options.baseUrl !== undefined && options.baseUrl !== '';
    const setName = options.set ?? 'default';
    const namedTest = /^refractor-test\//.test(String((clapConfig as { _name_or_path?: unknown })?._name_or_path ?? ''));
    const testOnly = options.testOnly ?? (hasBase ? namedTest : ((options.manifest ?? MANIFEST).sets[setName]?.testOnly ?? false));
    const refractor = new RefractorWeb(backend, new ClapFeatureExtractor(config), clap, cdm, options, hasBase ? options.baseUrl! : setName, testOnly);
    if (options.baseModelUrl) {
      const bytes = await fetchModelFile('base', options.baseModelUrl, fileOptions({ ...options, baseUrl: options.baseModelUrl }, 'base'));
      refractor.base = await openCheckedSession(backend, bytes, MODEL_CONTRACTS.base, options.baseModelUrl);
    }
    return refractor;
  }

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
          return (await this.scorer(false)).embedAudio(clipFeatures(this.extractor, downmix(channels), sampleRate, crop), 1);
        },
      },
      candidates,
      options,
    );
  }

  /** The concept encoder and tokenizer, fetched and opened on first use (about 600 MB for the real DeBERTa). */
  private loadText(onProgress?: (p: RefractorProgress) => void) {
    this.textModels ??= (async () => {
      const opts = { ...this.options, onProgress: onProgress ?? this.options.onProgress };
      const url = (role: ModelFileRole) => modelUrl(opts.baseUrl, role, opts);
      const [json, config, bytes] = await Promise.all([
        fetchModelJson('text.tokenizer', url('text.tokenizer'), fileOptions(opts, 'text.tokenizer')),
        fetchModelJson('text.tokenizer_config', url('text.tokenizer_config'), fileOptions(opts, 'text.tokenizer_config')),
        fetchModelFile('text.model', url('text.model'), fileOptions(opts, 'text.model')),
      ]);
      opts.onProgress?.({ phase: 'init', message: 'opening the concept encoder' });
      const session = await openCheckedSession(this.backend, bytes, MODEL_CONTRACTS.text, url('text.model'));
      return { session, tokenizer: conceptTokenizer(json as object, config as object) };
    })();
    this.textModels.catch(() => (this.textModels = undefined));
    return this.textModels;
  }

  private async scorer(withText: boolean, onProgress?: (p: RefractorProgress) => void): Promise<RefractorScorer> {
    const text = withText ? await this.loadText(onProgress) : undefined;
    const scorerOptions = this.options.batchSize === undefined ? {} : { batchSize: this.options.batchSize };
    return new RefractorScorer(this.backend, { clap: this.clap, cdm: this.cdm, ...(text ? { text: text.session, tokenizer: text.tokenizer } : {}) }, scorerOptions);
  }

  /** The 768-d concept embedding (zeros for no text). */
  async prepareConcept(text?: string | null, onProgress?: (p: RefractorProgress) => void): Promise<Float32Array> {
    const hasText = text != null && text.trim() !== '';
    return (await this.scorer(hasText, onProgress)).prepareConcept(text);
  }

  /**
   * Scores a whole song from its file bytes (WAV, AIFF, MP3, FLAC, OGG, Opus,
   * M4A): streamed decode and features, CLAP in batches, the concept embedded
   * once, the CDM per chunk, aggregated with the per-chunk timeline.
   * Unreadable input rejects with @refractor/audio's `AudioDecodeError`.
   */
  async scoreBytes(bytes: Uint8Array, options: WebScoreOptions = {}): Promise<WebScoredSong> {
    const onProgress = options.onProgress ?? this.options.onProgress;
    const concept = await this.prepareConcept(options.concept, onProgress);
    const name = options.name ?? 'bytes';
    const featureOptions = { name, ...songFeatureSettings(options) };
    const stream = await openAudioStream([bytes], { name });
    const chunks = counted(songChunkFeatures(stream, this.extractor, featureOptions), (count, seconds) =>
      onProgress?.({ phase: 'analyze', name, chunks: count, seconds }),
    );
    const scorer = await this.scorer(false);
    const target = options.target == null || options.target === '' ? {} : { target: options.target };
    const song = await scorer.scoreChunks(chunks, concept, target);
    return {
      ...song,
      settings: scoreSettings({ models: this.modelsName, testOnly: this.testOnly, features: featureOptions, backend: this.backend, batchSize: scorer.batchSize }),
    };
  }

  /** Releases the sessions. */
  async close(): Promise<void> {
    const text = await this.textModels?.catch(() => undefined);
    await Promise.all([this.clap.release(), this.cdm.release(), this.base?.release(), text?.session.release()]);
  }
}

export type { WebDevice };

function fileOptions(options: RefractorWebLoadOptions, role: AnyModelFileRole) {
  const size = options.baseUrl ? undefined : (options.manifest ?? MANIFEST).sets[options.set ?? 'default']?.files[role]?.size;
  return {
    cache: options.cache ?? true,
    ...(size === undefined ? {} : { size }),
    ...(options.onProgress ? { onProgress: (p: FileProgress) => options.onProgress!({ phase: 'download', ...p }) } : {}),
  };
}

async function* counted(chunks: AsyncIterable<ChunkFeatures>, report: (count: number, seconds: number) => void): AsyncGenerator<ChunkFeatures> {
  let count = 0;
  for await (const chunk of chunks) {
    count++;
    report(count, chunk.start_s);
    yield chunk;
  }
}

