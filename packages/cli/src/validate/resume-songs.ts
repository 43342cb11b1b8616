import { createHash } from 'node:crypto';
import { featureSettings, type ScoreSettings } from '@refractor/node';
import { featureOptionsOf, type ChunkingFlags, type CropFlags } from '../options.js';
import { type Dataset, fingerprint, type LabeledSong, type OutputRecord, recordsByKey, type ResumeFields, resumeKey, settingsDigest, type SkippedSong } from '@refractor/node/io';
import type { SongOutcome } from './report.js';
import { restoreSong } from './song-records.js';

/** A song's place in the report: scored (now or in an earlier run) or skipped. */
export type ValidatedSong = { outcome: SongOutcome; settings: ScoreSettings } | { skipped: SkippedSong };

/** What a validate run has to do, given the records of an earlier run. */
export interface SongPlan {
  /** Per song of the dataset (by index): its result when an earlier run recorded it. */
  results: Array<ValidatedSong | undefined>;
  /** The songs still to score, with their place and the resume fields their records carry. */
  todo: Array<{ song: LabeledSong; index: number; fields: ResumeFields }>;
  /** Songs the dataset itself rejects that no earlier record lists yet. */
  newSkips: Array<{ skip: SkippedSong; fields: ResumeFields }>;
}

/**
 * Sorts a dataset's songs into done (recorded by an earlier run with the same
 * audio bytes, label, concept and scoring settings) and still to score. The
 * label is part of the key: a relabelled song is scored again.
 *
 * @example
 * ```ts
 * const plan = await planSongs(dataset, flags, sink.existing);
 * console.log(`${plan.todo.length} songs to score`);
 * ```
 */
export async function planSongs(
  dataset: Dataset,
  flags: ChunkingFlags & CropFlags & { models: string; device: string; targets: string },
  existing: readonly OutputRecord[],
): Promise<SongPlan> {
  const digest = (id: string, concept: string | null, color: string | null) =>
    settingsDigest({
      command: 'validate',
      models: flags.models,
      device: flags.device,
      ...featureSettings(featureOptionsOf(flags)),
      targets: flags.targets,
      id,
      concept_sha256: concept ? createHash('sha256').update(concept).digest('hex') : null,
      true_color: color,
    });
  const fieldsFor = async (file: string, settings: string): Promise<ResumeFields> => {
    const input = await fingerprint(file).catch(() => undefined);
    return { ...(input ? { input } : {}), settings_digest: settings };
  };
  const byKey = recordsByKey(existing);
  const keyOf = (file: string, fields: ResumeFields) => resumeKey(file, fields.input, fields.settings_digest);

  const plan: SongPlan = { results: [], todo: [], newSkips: [] };
  for (const skip of dataset.skipped) {
    const fields = await fieldsFor(skip.file, digest(skip.id, null, null));
    if (!byKey.has(keyOf(skip.file, fields))) plan.newSkips.push({ skip, fields });
  }
  for (const [index, song] of dataset.songs.entries()) {
    const fields = await fieldsFor(song.audio, digest(song.id, song.concept, song.color));
    const record = byKey.get(keyOf(song.audio, fields));
    plan.results.push(record ? restoreSong(record) : undefined);
    if (!record) plan.todo.push({ song, index, fields });
  }
  return plan;
}
