import { createHash } from 'node:crypto';
import { DEFAULT_COLOR_RULE, DEFAULT_TARGETS, canonicalJson } from '@refractor/core';

/**
 * A short, stable digest of the settings that decide a result (models,
 * concept, target, chunking, crop, seed, …; never the batch size or thread
 * count, which do not change results): two runs with equal digests give
 * equal records, which is what `--resume` relies on.
 *
 * @example
 * ```ts
 * settingsDigest({ command: 'score', models: 'tiny', crop: 'start', seed: 0 }); // '3b1f…' (16 hex digits)
 * ```
 */
export function settingsDigest(settings: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(settings)).digest('hex').slice(0, 16);
}

/** What decides a song record, for {@link songSettingsDigest}. */
export interface SongDigestInput {
  /** The model set as named (`tiny`, `default`, a directory). */
  models: string;
  /** `cpu`, `cuda` or `webgpu`. */
  device: string;
  /** The concept text (absent, null or empty: none). */
  concept?: string | null | undefined;
  /** The target color's canonical name, or none. */
  target?: string | null | undefined;
  /** The target table's name (absent: `canonical`). */
  targets?: string | undefined;
  /** The song color rule (absent: `vote`). */
  color_rule?: string | undefined;
  chunk_size_s: number;
  chunk_stride_s: number;
  crop: string;
  seed: number;
}

/**
 * The `settings_digest` of a song record: the same value from every door
 * (`refractor score`, the server, a queue worker) for the same settings.
 * The concept enters as its SHA-256, so the digest does not reveal it.
 *
 * @example
 * ```ts
 * songSettingsDigest({ ...song.settings, concept: 'A song about the past', target: song.target_color });
 * ```
 */
export function songSettingsDigest(input: SongDigestInput): string {
  return settingsDigest({
    command: 'score',
    models: input.models,
    device: input.device,
    concept_sha256: input.concept ? createHash('sha256').update(input.concept).digest('hex') : null,
    target: input.target ?? null,
    targets: input.targets ?? DEFAULT_TARGETS,
    color_rule: input.color_rule ?? DEFAULT_COLOR_RULE,
    chunk_size_s: input.chunk_size_s,
    chunk_stride_s: input.chunk_stride_s,
    crop: input.crop,
    seed: input.seed,
  });
}
