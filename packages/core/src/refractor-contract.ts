import type { InferenceBackend } from './backend.js';
import type { CandidateInput, CandidateItem, CandidateItemsOptions } from './base/items.js';
import type { ChunkSpan } from './chunk.js';
import type { ConceptLookup } from './concept-lookup.js';
import type { ChunkResult } from './results.js';
import type { EmbeddingPair } from './scorer.js';
import type { ScoredSong } from './settings.js';
import type { SongScoringOptions } from './song-scoring.js';

/**
 * What every Refractor class offers, whatever runtime it loads models with:
 * `Refractor` in @refractor/node (onnxruntime-node, files and paths) and
 * `RefractorWeb` in @refractor/web (onnxruntime-web, bytes fetched by URL)
 * both implement it, the way onnxruntime-node and onnxruntime-web both
 * implement `InferenceSession`. Same method names, options and records, so
 * code written against the contract runs on either; the same song with the
 * same settings gives the same record.
 *
 * Type parameters say what a runtime reads: `Song` is a song input (Node: a
 * path, bytes or an audio stream; browsers: bytes or a `Blob`), `Source` a
 * candidate's MIDI or audio (Node: a path or bytes; browsers: bytes), and
 * `Features` the chunking and crop options (@refractor/audio's
 * `ChunkingOptions & CropOptions`; core declares no audio types). Every
 * class accepts bytes, so `RefractorContract<Uint8Array, Uint8Array>` is
 * what both satisfy.
 *
 * @example
 * ```ts
 * import type { RefractorContract } from '@refractor/core';
 *
 * // Runs with Node's Refractor and with the browser's RefractorWeb alike.
 * async function colorOf(refractor: RefractorContract<Uint8Array, Uint8Array>, bytes: Uint8Array): Promise<string> {
 *   const song = await refractor.scoreFile(bytes, { name: 'upload.ogg', concept: 'A song about forgetting the future' });
 *   return song.predicted_color;
 * }
 * ```
 */
export interface RefractorContract<Song, Source = Song, Features extends object = object> {
  /** The runtime and device that run the models (`backend.name` and `device` are recorded in every song's settings). */
  readonly backend: InferenceBackend & { readonly device: string };
  /** Chunks per CLAP run (`auto` resolved for the backend). */
  readonly batchSize: number;
  /** The loaded set's name (a manifest set, directory or base URL) and whether its predictions mean nothing. */
  readonly modelSet: { readonly name: string; readonly testOnly: boolean };
  /** Whether a base model (`refractor.onnx`) is loaded: MIDI and lyric candidates need one. */
  readonly hasBaseModel: boolean;
  /** True while the text encoder is open. */
  readonly textEncoderOpen: boolean;

  /** Resolves once the audio models are open; rejects if one failed. */
  ready(): Promise<void>;

  /**
   * Scores a whole song: streamed decode and features, CLAP in batches, the
   * concept embedded once, the CDM per chunk, aggregated with the per-chunk
   * timeline and the settings that reproduce it.
   */
  scoreFile(input: Song, options?: SongScoringOptions & Features): Promise<ScoredSong>;

  /** The per-chunk CLAP embeddings of a song (`chunks.length × 512`), chunked as {@link scoreFile} chunks; no concept, no CDM. */
  embedChunks(input: Song, options?: Features): Promise<{ embeddings: Float32Array; chunks: ChunkSpan[] }>;

  /**
   * Scores candidates (each any of MIDI, audio and lyric) against one
   * concept: audio-only ones through the CDM, the rest through the base
   * model. A bad input fails only its own item.
   */
  scoreCandidates(candidates: readonly CandidateInput<Source>[], options?: CandidateItemsOptions & Features): Promise<CandidateItem[]>;

  /** Scores one embedding pair (512-d audio, 768-d concept); its axis rows come from the table `targets` (default `canonical`). */
  score(pair: EmbeddingPair, options?: { targets?: string }): Promise<ChunkResult>;

  /** The 512-d CLAP embedding of a mono waveform at any rate, cropped to 10 s or padded. */
  prepareAudio(waveform: Float32Array, sampleRate: number, options?: Features): Promise<Float32Array>;

  /** A MIDI file as the base model's `[128, 256]` piano roll. */
  prepareMidi(input: Source): Promise<Float32Array>;

  /** The 768-d concept embedding (zeros for no text), from memory, the concept storage or the text encoder. */
  prepareConcept(text?: string | null): Promise<Float32Array>;

  /** Several concept embeddings, in order, opening the text encoder at most once for all not stored. */
  prepareConcepts(texts: readonly (string | null | undefined)[]): Promise<Float32Array[]>;

  /** A lookup holding a run's concepts: the given texts embedded up front, any other on demand (see `conceptLookup`). */
  conceptLookup(texts?: readonly (string | null | undefined)[]): Promise<ConceptLookup>;

  /** Releases the text encoder now if it is open and idle; the next new concept opens it again. */
  releaseTextEncoder(): Promise<void>;

  /** Releases every session. */
  close(): Promise<void>;
}
