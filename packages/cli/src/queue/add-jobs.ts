import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { candidateLabel, routeCandidate, type Candidate } from '@refractor/node';
import { type BatchItem, type CandidateInput, type CandidateSettings, type EmbedSettings, type FeatureSettings, type JobInput, type NewJob, type ScoreSettings } from '@refractor/queue';
import { createProgress } from '../progress.js';
import { candidatesFromFiles, expandInputs, openDataset, sha256OfFile, type ExpandedInput } from '@refractor/node/io';

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

type Hashed = { path: string; sha256: string } | { error: string };

/** Files hashed at once: reading is I/O bound (a shared file system most of all). */
const HASHING_IN_PARALLEL = 8;

/**
 * Hashes files for their jobs, a few at a time, with a progress bar on a
 * terminal (a catalog is long work); an unreadable file gives its error.
 */
async function hashFiles(files: readonly string[]): Promise<Hashed[]> {
  const hashed: Hashed[] = new Array(files.length);
  const progress = files.length > 50 ? createProgress('hashing', files.length) : { update: () => undefined, stop: () => undefined };
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < files.length) {
      const index = next++;
      const file = files[index]!;
      hashed[index] = await sha256OfFile(file).then(
        (sha256) => ({ path: resolve(file), sha256 }),
        (error: Error) => ({ error: error.message }),
      );
      progress.update(++done);
    }
  };
  try {
    await Promise.all(Array.from({ length: HASHING_IN_PARALLEL }, lane));
  } finally {
    progress.stop();
  }
  return hashed;
}

/** An input the client could not read: no job, and the error `refractor score --format jsonl` gives it. */
const notQueued = (file: string, reason: string) => ({ code: /no such file|ENOENT|no file matches|holds no audio/i.test(reason) ? 'not-found' : 'unreadable', message: `${file}: ${reason}` });

/**
 * Score jobs for command-line inputs: files, directories and globs are
 * expanded as `refractor score` expands them (so results name files the
 * same way), each file is hashed; URLs are kept for the workers to fetch.
 */
export async function scoreEntries(inputs: readonly string[], settings: ScoreSettings, isUrl: (input: string) => boolean): Promise<BatchEntry[]> {
  const planned: Array<ExpandedInput | { url: string }> = [];
  for (const input of inputs) planned.push(...(isUrl(input) ? [{ url: input }] : await expandInputs([input])));
  const files = planned.flatMap((entry) => ('file' in entry ? [entry.file] : []));
  const hashed = await hashFiles(files);
  let fileIndex = 0;
  return planned.map((entry): BatchEntry => {
    if ('url' in entry) return { data: { v: 1, task: 'score', input: { url: entry.url }, settings }, item: { file: entry.url } };
    if ('missing' in entry) return { item: { file: entry.missing, error: notQueued(entry.missing, entry.reason) } };
    const file = hashed[fileIndex++]!;
    return 'error' in file ? { item: { file: entry.file, error: notQueued(entry.file, file.error) } } : { data: { v: 1, task: 'score', input: file, settings }, item: { file: entry.file } };
  });
}

/**
 * Embed jobs for a labeled dataset (`refractor extract` on the queue): one
 * per song, in dataset order, each song's id and color in its batch item;
 * songs the dataset already rejects are recorded with their reason.
 */
export async function extractEntries(path: string, features: FeatureSettings): Promise<BatchEntry[]> {
  const dataset = await openDataset(path);
  const hashed = await hashFiles(dataset.songs.map((song) => song.audio));
  const entries = dataset.songs.map((song, i): BatchEntry => {
    const settings: EmbedSettings = { ...features, concept: song.concept };
    const file = hashed[i]!;
    const meta = { id: song.id, color: song.color };
    return 'error' in file
      ? { item: { file: song.audio, song: meta, error: notQueued(song.audio, file.error) } }
      : { data: { v: 1, task: 'embed', input: file, settings }, item: { file: song.audio, song: meta } };
  });
  for (const skipped of dataset.skipped) {
    entries.push({ item: { file: skipped.file, song: { id: skipped.id, color: '' }, error: { code: skipped.reason, message: skipped.message } } });
  }
  return entries;
}

/**
 * Candidate jobs (the base model's path, as `refractor score` takes it):
 * command-line files (MIDI recognised by content, the rest audio; URLs as
 * audio), then the rows of a candidates file, each named as `score` names it;
 * each MIDI and audio file hashed for the job id.
 */
export async function candidateEntries(
  inputs: readonly string[],
  fromFile: readonly Candidate[],
  lyric: string | undefined,
  settings: CandidateSettings,
  isUrl: (input: string) => boolean,
): Promise<BatchEntry[]> {
  const planned: Array<{ candidate: Candidate; url?: string } | { missing: string; reason: string }> = [];
  for (const input of inputs) {
    if (isUrl(input)) {
      planned.push({ candidate: { audio: input, ...(lyric !== undefined ? { lyric } : {}) }, url: input });
      continue;
    }
    for (const expanded of await expandInputs([input])) {
      if ('missing' in expanded) planned.push(expanded);
      else planned.push({ candidate: (await candidatesFromFiles([expanded.file], lyric))[0]! });
    }
  }
  for (const candidate of fromFile) planned.push({ candidate });
  const paths = planned.flatMap((entry) => ('candidate' in entry && !entry.url ? [entry.candidate.midi, entry.candidate.audio].filter((p): p is string => typeof p === 'string') : []));
  const hashed = new Map((await hashFiles(paths)).map((result, i) => [paths[i]!, result]));
  return planned.map((entry, index): BatchEntry => {
    if ('missing' in entry) return { item: { file: entry.missing, error: notQueued(entry.missing, entry.reason) } };
    const { candidate } = entry;
    const file = candidateLabel(candidate, index);
    const input: CandidateInput = { ...(candidate.lyric !== undefined ? { lyric: candidate.lyric } : {}) };
    for (const key of ['midi', 'audio'] as const) {
      const source = candidate[key];
      if (typeof source !== 'string') continue;
      if (entry.url) {
        input[key] = { url: source };
        continue;
      }
      const result = hashed.get(source)!;
      if ('error' in result) return { item: { file, error: notQueued(source, result.error) } };
      input[key] = result satisfies JobInput;
    }
    return { data: { v: 1, task: 'candidate', input, settings }, item: { file } };
  });
}

/**
 * The first queued candidate that goes to the base model (MIDI, or lyric text
 * without audio: the original's routing, `routeCandidate`) while no concept is
 * given, by its name; undefined when every candidate can be scored. The base
 * model needs a concept, so such a job could only fail on a worker: `queue add`
 * refuses it up front, as `refractor score` does.
 *
 * @example
 * ```ts
 * baseCandidateWithoutConcept(await candidateEntries(['take.mid'], [], undefined, settings, isUrl), null); // 'take.mid'
 * ```
 */
export function baseCandidateWithoutConcept(entries: readonly BatchEntry[], concept: string | null): string | undefined {
  const hasConcept = concept !== null && concept.trim() !== '';
  for (const entry of entries) {
    if (!('data' in entry) || entry.data.task !== 'candidate') continue;
    const { input } = entry.data;
    try {
      // The worker's models are not known here: assume both are loaded, so only the concept (or an empty candidate) can fail.
      routeCandidate({ midi: input.midi !== undefined, audio: input.audio !== undefined, lyric: input.lyric !== undefined, concept: hasConcept, cdmLoaded: true, baseLoaded: true });
    } catch {
      return entry.item.file;
    }
  }
  return undefined;
}
