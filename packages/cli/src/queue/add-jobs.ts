import { readFile } from 'node:fs/promises';
import type { Candidate } from '@refractor/node';
import { candidateBatch, extractBatch, isUrl, songBatch, type Batch, type BuildOptions, type CandidateJobSettings, type CandidateSource, type InputError, type JobFeatureSettings, type SongJobSettings } from '@refractor/queue';
import { createProgress } from '../progress.js';
import { candidatesFromFiles, expandInputs, openDataset, type ExpandedInput } from '@refractor/node/io';

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

/** A progress bar for hashing on a terminal, for catalogs (a few files hash in no time). */
async function withHashingProgress<T>(build: (options: BuildOptions) => Promise<T>): Promise<T> {
  let bar: ReturnType<typeof createProgress> | undefined;
  try {
    return await build({ onHashed: (done, total) => (bar ??= total > 50 ? createProgress('hashing', total) : { update: () => undefined, stop: () => undefined }).update(done) });
  } finally {
    bar?.stop();
  }
}

/** An input `refractor score` would report as missing: recorded in the batch, with the same code family. */
const missing = (entry: Extract<ExpandedInput, { missing: string }>): InputError => ({ file: entry.missing, error: { code: 'not-found', message: `${entry.missing}: ${entry.reason}` } });

/** Command-line inputs expanded as `refractor score` expands them (so results name files the same way); URLs kept for the workers. */
async function expand(inputs: readonly string[]): Promise<Array<string | InputError>> {
  const planned: Array<string | InputError> = [];
  for (const input of inputs) {
    if (isUrl(input)) planned.push(input);
    else for (const entry of await expandInputs([input])) planned.push('missing' in entry ? missing(entry) : entry.file);
  }
  return planned;
}

/** Song jobs for command-line inputs (files, directories, globs, URLs). */
export async function scoreBatch(inputs: readonly string[], settings: SongJobSettings): Promise<Batch> {
  const planned = await expand(inputs);
  return withHashingProgress((options) => songBatch(planned, settings, options));
}

/** Extract jobs for a labeled dataset (`refractor extract` on the queue); songs the dataset rejects are recorded with their reason. */
export async function datasetBatch(path: string, features: JobFeatureSettings): Promise<Batch> {
  const dataset = await openDataset(path);
  const songs = [
    ...dataset.songs.map((song) => ({ id: song.id, color: song.color, audio: song.audio, concept: song.concept })),
    ...dataset.skipped.map((skipped) => ({ id: skipped.id, file: skipped.file, error: { code: skipped.reason, message: skipped.message } })),
  ];
  return withHashingProgress((options) => extractBatch(songs, features, options));
}

/**
 * Candidate jobs (the base model's path, as `refractor score` takes it):
 * command-line files (MIDI recognised by content, the rest audio; URLs as
 * audio), then the rows of a candidates file.
 */
export async function candidatesBatch(
  inputs: readonly string[],
  fromFile: readonly Candidate[],
  lyric: string | undefined,
  settings: CandidateJobSettings & { rank: boolean },
): Promise<Batch> {
  const withLyric = lyric !== undefined ? { lyric } : {};
  const planned: Array<CandidateSource | InputError> = [];
  for (const input of await expand(inputs)) {
    if (typeof input !== 'string') planned.push(input);
    else if (isUrl(input)) planned.push({ audio: input, ...withLyric });
    else planned.push((await candidatesFromFiles([input], lyric))[0] as CandidateSource);
  }
  for (const candidate of fromFile) planned.push(candidate as CandidateSource);
  return withHashingProgress((options) => candidateBatch(planned, settings, options));
}
