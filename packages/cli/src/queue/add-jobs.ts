import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { sha256File, type BatchItem, type EmbedSettings, type FeatureSettings, type NewJob, type ScoreSettings } from '@refractor/queue';
import { expandInputs } from '../score/inputs.js';
import { openDataset } from '../validate/dataset.js';

/** A batch to add: one entry per input, in input order (a job, or an input that could not be queued). */
export type BatchEntry = NewJob | { item: BatchItem };

/**
 * Reads a list of inputs, one per line (blank lines and `#` comments
 * skipped), or a JSON array of strings, for catalogs too long for a command line.
 */
export async function readInputList(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  if (text.trimStart().startsWith('[')) {
    const list: unknown = JSON.parse(text);
    if (!Array.isArray(list) || !list.every((entry) => typeof entry === 'string')) {
      throw new Error(`${file}: expected a JSON array of paths or URLs (strings)`);
    }
    return list;
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** Reads and hashes a local file for its job; an unreadable one becomes an error entry. */
async function fileInput(path: string): Promise<{ path: string; sha256: string } | { error: string }> {
  try {
    return { path: resolve(path), sha256: await sha256File(path) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/**
 * Score jobs for command-line inputs: files, directories and globs are
 * expanded as `refractor score` expands them (so results name files the
 * same way), each file is hashed; URLs are kept for the workers to fetch.
 */
export async function scoreEntries(inputs: readonly string[], settings: ScoreSettings, isUrl: (input: string) => boolean): Promise<BatchEntry[]> {
  const entries: BatchEntry[] = [];
  for (const input of inputs) {
    if (isUrl(input)) {
      entries.push({ data: { v: 1, task: 'score', input: { url: input }, settings }, item: { file: input } });
      continue;
    }
    for (const expanded of await expandInputs([input])) {
      if ('missing' in expanded) {
        entries.push({ item: { file: expanded.missing, error: { code: 'not-queued', message: `${expanded.missing}: ${expanded.reason}` } } });
        continue;
      }
      const file = await fileInput(expanded.file);
      entries.push(
        'error' in file
          ? { item: { file: expanded.file, error: { code: 'not-queued', message: `${expanded.file}: ${file.error}` } } }
          : { data: { v: 1, task: 'score', input: file, settings }, item: { file: expanded.file } },
      );
    }
  }
  return entries;
}

/**
 * Embed jobs for a labeled dataset (`refractor extract` on the queue): one
 * per song, in dataset order, each song's id and color in its batch item;
 * songs the dataset already rejects are recorded with their reason.
 */
export async function extractEntries(path: string, features: FeatureSettings): Promise<BatchEntry[]> {
  const dataset = await openDataset(path);
  const entries: BatchEntry[] = [];
  for (const song of dataset.songs) {
    const settings: EmbedSettings = { ...features, concept: song.concept };
    const file = await fileInput(song.audio);
    const meta = { id: song.id, color: song.color };
    entries.push(
      'error' in file
        ? { item: { file: song.audio, song: meta, error: { code: 'not-queued', message: `${song.audio}: ${file.error}` } } }
        : { data: { v: 1, task: 'embed', input: file, settings }, item: { file: song.audio, song: meta } },
    );
  }
  for (const skipped of dataset.skipped) {
    entries.push({ item: { file: skipped.file, song: { id: skipped.id, color: '' }, error: { code: skipped.reason, message: skipped.message } } });
  }
  return entries;
}
