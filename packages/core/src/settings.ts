import { colorRule, type ColorRule } from './color-rules.js';
import type { SongResult } from './results.js';
import { targetTable, type TargetTableName } from './targets.js';
import type { ColorName } from './colors.js';
import { sha256Text } from './text-digest.js';

/**
 * How a song was cut into chunks and cropped, as every record and job names
 * it: the song record's `settings`, an embedding record's, a queued job's
 * (snake_case: the wire format). Built by {@link featureSettings}.
 */
export interface FeatureSettings {
  /** Window length in seconds. */
  chunk_size_s: number;
  /** Distance between window starts in seconds. */
  chunk_stride_s: number;
  /** CLAP's crop of each window: `start`, `center` or `random`. */
  crop: string;
  /** The seed of `random` crops. */
  seed: number;
}

/** Chunking and crop as the libraries name them, with defaults filled in (@refractor/audio's `songFeatureSettings` gives this). */
export interface FeatureOptions {
  chunkSizeS: number;
  chunkStrideS: number;
  crop: string;
  seed: number;
}

/**
 * The {@link FeatureSettings} record of chunking and crop options, built in
 * one place for the CLI, the server, the queue and the browser.
 *
 * @example
 * ```ts
 * featureSettings(songFeatureSettings({ chunkStrideS: 10 }));
 * // { crop: 'start', seed: 0, chunk_size_s: 30, chunk_stride_s: 10 }
 * ```
 */
export function featureSettings(options: FeatureOptions): FeatureSettings {
  // The published key order of every record: crop and seed, then chunking.
  return { crop: options.crop, seed: options.seed, chunk_size_s: options.chunkSizeS, chunk_stride_s: options.chunkStrideS };
}

/** How a song result was produced: enough to reproduce it (Node and browsers report the same fields). */
export interface ScoreSettings extends FeatureSettings {
  /** The model set (`default`, `tiny`, a directory or a base URL). */
  models: string;
  /** True for sets whose predictions mean nothing. */
  test_only: boolean;
  /** `cpu`, `cuda`, `webgpu` or `wasm`. */
  device: string;
  /** The runtime and provider that ran, e.g. `onnxruntime-web (wasm, 2 threads)`. */
  backend: string;
  batch_size: number;
  /** The target table (`canonical` or `card`) the distributions, match, drift and `targets` color used. */
  targets: TargetTableName;
  /** The rule that picked `predicted_color` (`vote`, `probs` or `targets`). */
  color_rule: ColorRule;
  /** SHA-256 of the concept text ({@link sha256Text}), or null when none was given (zeros, as the original). */
  concept_sha256: string | null;
  /** The target color the match and drift were computed against, or null for none. */
  target: ColorName | null;
}

/** A song result with the settings that produced it. */
export type ScoredSong = SongResult & { settings: ScoreSettings };

/** What a runtime knows when it records {@link ScoreSettings}. */
export interface ScoreSettingsInput<Device extends string = string> {
  models: string;
  testOnly: boolean;
  /** Chunking and crop with defaults filled in (@refractor/audio's `songFeatureSettings`). */
  features: FeatureOptions;
  backend: { device: Device; name: string };
  batchSize: number;
  /** The target table's name. @defaultValue `'canonical'` */
  targets?: string;
  /** The song color rule. @defaultValue `'vote'` */
  colorRule?: string;
  /** The concept text (none, null or blank: no concept). */
  concept?: string | null;
  /** The resolved target color (none or null: no target). */
  target?: ColorName | null;
}

/**
 * The settings record attached to every song result, built in one place so
 * Node and browsers report the same fields the same way.
 *
 * @example
 * ```ts
 * const settings = scoreSettings({ models: 'tiny', testOnly: true, features, backend, batchSize: 16, concept: 'rain', target: 'Blue' });
 * settings.concept_sha256; // sha256Text('rain')
 * ```
 */
export function scoreSettings<Device extends string>(input: ScoreSettingsInput<Device>): ScoreSettings & { device: Device } {
  return {
    models: input.models,
    test_only: input.testOnly,
    ...featureSettings(input.features),
    device: input.backend.device,
    backend: input.backend.name,
    batch_size: input.batchSize,
    concept_sha256: input.concept == null || input.concept.trim() === '' ? null : sha256Text(input.concept),
    target: input.target ?? null,
    targets: targetTable(input.targets).name,
    color_rule: colorRule(input.colorRule),
  };
}
