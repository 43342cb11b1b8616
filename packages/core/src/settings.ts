import type { ColorName } from './colors.js';
import type { SongResult } from './results.js';
import { sha256Text } from './text-digest.js';

/** How a song result was produced: enough to reproduce it (Node and browsers report the same fields). */
export interface ScoreSettings {
  /** The model set (`default`, `tiny`, a directory or a base URL). */
  models: string;
  /** True for sets whose predictions mean nothing. */
  test_only: boolean;
  crop: string;
  seed: number;
  chunk_size_s: number;
  chunk_stride_s: number;
  /** `cpu`, `cuda`, `webgpu` or `wasm`. */
  device: string;
  /** The runtime and provider that ran, e.g. `onnxruntime-web (wasm, 2 threads)`. */
  backend: string;
  batch_size: number;
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
  features: { chunkSizeS: number; chunkStrideS: number; crop: string; seed: number };
  backend: { device: Device; name: string };
  batchSize: number;
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
    crop: input.features.crop,
    seed: input.features.seed,
    chunk_size_s: input.features.chunkSizeS,
    chunk_stride_s: input.features.chunkStrideS,
    device: input.backend.device,
    backend: input.backend.name,
    batch_size: input.batchSize,
    concept_sha256: input.concept == null || input.concept.trim() === '' ? null : sha256Text(input.concept),
    target: input.target ?? null,
  };
}
