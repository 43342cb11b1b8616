import { resolve } from 'node:path';
import { sha256OfFile } from '@refractor/node/io';
import type { JobErrorRecord } from './errors.js';
import type { CandidateJobInput, CandidateJobSettings, ExtractJobSettings, JobData, JobFeatureSettings, JobInput, JobTask, SongJobSettings } from './jobs.js';

/** One input of a batch, as recorded in Redis (in input order). */
export interface QueuedInput {
  /** The input as the user named it (results carry it back). */
  file: string;
  /** Its job, or none when it could not be queued (then `error` says why). */
  job?: string;
  error?: JobErrorRecord;
  /** For extract batches: the song's id and color (they label its rows, not the job). */
  song?: { id: string; color: string };
}

/** The settings a batch records, per task: what every job of it shares. */
export interface BatchSettings {
  score: SongJobSettings;
  /** `rank`: `records()` ranks the candidates by confidence. */
  candidate: CandidateJobSettings & { rank: boolean };
  embed: JobFeatureSettings;
}

/** A job to add: its payload and its batch record. */
export interface NewJob<T extends JobTask = JobTask> {
  data: Extract<JobData, { task: T }>;
  item: Omit<QueuedInput, 'job'>;
}

/** An input that gets no job (unreadable, missing), recorded in the batch with its error. */
export interface NotQueued {
  /** None (so `entry.data` tells the two kinds of entry apart). */
  data?: undefined;
  item: QueuedInput & { error: JobErrorRecord };
}

/** One entry of a batch, in input order: a job, or an input that could not be queued. */
export type BatchEntry<T extends JobTask = JobTask> = NewJob<T> | NotQueued;

/**
 * A batch ready for `RefractorQueue.addBatch`: its task, the settings its
 * jobs share, and one entry per input in input order. Built by
 * {@link songBatch}, {@link candidateBatch} or {@link extractBatch}.
 */
export type Batch = { [T in JobTask]: { task: T; settings: BatchSettings[T]; entries: Array<BatchEntry<T>> } }[JobTask];

/** An input the caller already knows has nothing to queue (a missing file, a pattern that matched nothing). */
export interface InputError {
  file: string;
  error: JobErrorRecord;
}

/** Options of the batch builders. */
export interface BuildOptions {
  /** Files hashed so far, of all (for a progress bar: a catalog is long to read). */
  onHashed?: (done: number, total: number) => void;
}

/**
 * True for inputs that workers fetch rather than read (http and https URLs);
 * the batch builders queue the rest as paths.
 *
 * @example
 * ```ts
 * isUrl('https://example.org/a.ogg'); // true
 * isUrl('/music/a.ogg');              // false
 * ```
 */
export function isUrl(input: string): boolean {
  return /^https?:\/\//i.test(input);
}

type Hashed = JobInput | { error: JobErrorRecord };

/** Files hashed at once: reading is I/O bound (a shared file system most of all). */
const HASHING_IN_PARALLEL = 8;

/** A file the client cannot read: `not-found` (ENOENT, ENOTDIR) or `unreadable`, as workers classify them. */
function unreadable(file: string, error: NodeJS.ErrnoException): JobErrorRecord {
  const missing = error.code === 'ENOENT' || error.code === 'ENOTDIR';
  return { code: missing ? 'not-found' : 'unreadable', ...(error.code ? { reason: error.code } : {}), message: `${file}: ${error.message}` };
}

/** Hashes distinct files a few at a time (a job id names the bytes), keyed by the path as given. */
async function hashFiles(files: readonly string[], options: BuildOptions): Promise<Map<string, Hashed>> {
  const distinct = [...new Set(files)];
  const hashed = new Map<string, Hashed>();
  let next = 0;
  const lane = async () => {
    while (next < distinct.length) {
      const file = distinct[next++]!;
      hashed.set(
        file,
        await sha256OfFile(file).then(
          (sha256) => ({ path: resolve(file), sha256 }),
          (error: NodeJS.ErrnoException) => ({ error: unreadable(file, error) }),
        ),
      );
      options.onHashed?.(hashed.size, distinct.length);
    }
  };
  await Promise.all(Array.from({ length: HASHING_IN_PARALLEL }, lane));
  return hashed;
}

/** A path or URL as a job input (a path hashed already). */
const jobInput = (source: string, hashed: Map<string, Hashed>): Hashed => (isUrl(source) ? { url: source } : hashed.get(source)!);

/**
 * A batch of song (score) jobs: one per input, in order. Paths are hashed
 * (the job id names the bytes, so the same song under two names is scored
 * once) and must be readable by every worker; http(s) URLs are fetched by
 * the workers. An unreadable file, or an {@link InputError} the caller
 * passes, is recorded in the batch with its error and gets no job.
 *
 * @example
 * ```ts
 * const batch = await songBatch(['/music/a.wav', 'https://example.org/b.ogg'], {
 *   chunk_size_s: 30, chunk_stride_s: 5, crop: 'start', seed: 0, concept: null, target: 'Indigo',
 * });
 * const { batch: id } = await queue.addBatch(batch);
 * ```
 */
export async function songBatch(inputs: readonly (string | InputError)[], settings: SongJobSettings, options: BuildOptions = {}): Promise<Batch> {
  const hashed = await hashFiles(inputs.filter((input): input is string => typeof input === 'string' && !isUrl(input)), options);
  const entries = inputs.map((input): BatchEntry<'score'> => {
    if (typeof input !== 'string') return { item: { file: input.file, error: input.error } };
    const source = jobInput(input, hashed);
    return 'error' in source ? { item: { file: input, error: source.error } } : { data: { v: 1, task: 'score', input: source, settings }, item: { file: input } };
  });
  return { task: 'score', settings, entries };
}

/** One candidate to queue: MIDI and/or audio (paths or http(s) URLs) and/or lyric text, and how results name it. */
export interface CandidateSource {
  /** How results name it (default: its MIDI, else its audio, else `candidate <index>`). */
  id?: string;
  midi?: string;
  audio?: string;
  lyric?: string;
}

/**
 * A batch of candidate jobs (the base model's path, as `refractor score`
 * takes candidates): each MIDI and audio path is hashed, URLs are fetched by
 * the workers. `settings.rank` makes `records()` rank them by confidence.
 * The batch is not checked against the base model's needs: run core's
 * `checkCandidates` first (as `refractor queue add` does), since the
 * workers' models are not known here.
 *
 * @example
 * ```ts
 * const batch = await candidateBatch([{ midi: '/takes/a.mid', lyric: 'rain' }, { audio: '/takes/b.wav' }], {
 *   concept: 'A song about the past', sounds_like: [], crop: 'start', seed: 0, rank: true,
 * });
 * ```
 */
export async function candidateBatch(
  candidates: readonly (CandidateSource | InputError)[],
  settings: CandidateJobSettings & { rank: boolean },
  options: BuildOptions = {},
): Promise<Batch> {
  const paths = candidates.flatMap((c) => ('error' in c ? [] : [c.midi, c.audio].filter((p): p is string => p !== undefined && !isUrl(p))));
  const hashed = await hashFiles(paths, options);
  const { rank: _rank, ...jobSettings } = settings;
  const entries = candidates.map((candidate, index): BatchEntry<'candidate'> => {
    if ('error' in candidate) return { item: { file: candidate.file, error: candidate.error } };
    const file = candidate.id ?? candidate.midi ?? candidate.audio ?? `candidate ${index}`;
    const input: CandidateJobInput = { ...(candidate.lyric !== undefined ? { lyric: candidate.lyric } : {}) };
    for (const key of ['midi', 'audio'] as const) {
      const path = candidate[key];
      if (path === undefined) continue;
      const source = jobInput(path, hashed);
      if ('error' in source) return { item: { file, error: source.error } };
      input[key] = source;
    }
    return { data: { v: 1, task: 'candidate', input, settings: jobSettings }, item: { file } };
  });
  return { task: 'candidate', settings, entries };
}

/** One song of a labelled dataset, for {@link extractBatch}. */
export interface ExtractSong {
  id: string;
  /** Its color (canonical name): labels its rows. */
  color: string;
  /** The audio file (a path every worker can read, or a URL). */
  audio: string;
  /** Its concept text (null: none). */
  concept: string | null;
}

/**
 * A batch of extract (embed) jobs: `refractor extract` on the queue, one job
 * per song of a labelled dataset, in dataset order; each song's id and color
 * label its rows in the batch record. Songs the dataset reader rejected
 * can be passed as {@link InputError}s with their id, so the results name them.
 *
 * @example
 * ```ts
 * const batch = await extractBatch([{ id: 's1', color: 'Red', audio: '/data/s1.wav', concept: 'a fire' }], {
 *   chunk_size_s: 30, chunk_stride_s: 5, crop: 'start', seed: 0,
 * });
 * ```
 */
export async function extractBatch(songs: readonly (ExtractSong | (InputError & { id: string }))[], features: JobFeatureSettings, options: BuildOptions = {}): Promise<Batch> {
  const hashed = await hashFiles(songs.flatMap((song) => ('audio' in song && !isUrl(song.audio) ? [song.audio] : [])), options);
  const entries = songs.map((song): BatchEntry<'embed'> => {
    if (!('audio' in song)) return { item: { file: song.file, song: { id: song.id, color: '' }, error: song.error } };
    const meta = { id: song.id, color: song.color };
    const source = jobInput(song.audio, hashed);
    if ('error' in source) return { item: { file: song.audio, song: meta, error: source.error } };
    const settings: ExtractJobSettings = { ...features, concept: song.concept };
    return { data: { v: 1, task: 'embed', input: source, settings }, item: { file: song.audio, song: meta } };
  });
  return { task: 'embed', settings: features, entries };
}
