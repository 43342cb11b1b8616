import { createHash } from 'node:crypto';
import { canonicalJson, type CandidateResult, type CandidateSettings, type ColorRule, type FeatureSettings, type ScoredSong, type TargetTableName } from '@refractor/core';

/** Where a job's audio comes from: a path every worker can read (shared file system), or an http(s) URL. */
export type JobInput =
  | {
      /** An absolute path, the same on every worker machine. */
      path: string;
      /** sha256 of the file's bytes when it was queued; a worker refuses a file that changed since. */
      sha256: string;
    }
  | {
      /** Fetched by the worker, with size and time limits. */
      url: string;
    };

/**
 * The crop and chunking settings of song and extract jobs (the names of
 * `ScoredSong.settings`; snake_case because they are stored in Redis and
 * hashed into job ids).
 */
export interface JobFeatureSettings extends FeatureSettings {
  crop: 'start' | 'center' | 'random';
}

/** What a song (score) job is asked for, besides its input: everything that changes its result. */
export interface SongJobSettings extends JobFeatureSettings {
  /** Concept text (null: none, i.e. zeros, as the original). */
  concept: string | null;
  /** A canonical color name, or null for no target. */
  target: string | null;
  /** The target table (absent: `canonical`, the library's default). */
  targets?: TargetTableName;
  /** The song color rule for `predicted_color` (absent: `vote`, the library's default). */
  color_rule?: ColorRule;
}

/** What an extract (embed) job — one song of `refractor extract` — is asked for. */
export interface ExtractJobSettings extends JobFeatureSettings {
  /** The song's concept text (null: none). */
  concept: string | null;
}

/** One candidate of the original wrapper's batches (the base model's path): any of MIDI, audio and lyric text. */
export interface CandidateJobInput {
  midi?: JobInput;
  audio?: JobInput;
  lyric?: string;
}

/** What a candidate job is asked for, besides its input (as `Refractor.scoreCandidates` takes it). */
export interface CandidateJobSettings {
  /** The concept every candidate is scored against (the base model requires one). */
  concept: string | null;
  /** Artist descriptions (their mean embedding feeds the base model). */
  sounds_like: string[];
  crop: JobFeatureSettings['crop'];
  seed: number;
  /** The target table (absent: `canonical`, the library's default). */
  targets?: TargetTableName;
}

/** The payload of a job, as stored in Redis. */
export type JobData =
  | { v: 1; task: 'score'; input: JobInput; settings: SongJobSettings }
  | { v: 1; task: 'embed'; input: JobInput; settings: ExtractJobSettings }
  | { v: 1; task: 'candidate'; input: CandidateJobInput; settings: CandidateJobSettings };

/** A job's task: `score` (songs), `candidate` (the base model's path) or `embed` (extract). */
export type JobTask = JobData['task'];

/** What a finished score job returns: the song result, and the hash of the bytes it was computed from. */
export interface ScoreJobResult {
  task: 'score';
  /** sha256 of the audio bytes the worker scored. */
  content_sha256: string;
  /** Size in bytes of what the worker scored (absent in results of workers before 1.0). */
  content_size?: number;
  song: ScoredSong;
}

/**
 * What a finished embed job returns: one song's rows of the training cache,
 * float32 little-endian, base64 (JSON numbers would round-trip too, at three
 * times the size).
 */
export interface EmbedJobResult {
  task: 'embed';
  content_sha256: string;
  /** Rows (chunks). */
  chunks: number;
  /** `chunks × 512` CLAP embeddings. */
  clap: string;
  /** The 768-d concept embedding (the same for every row). */
  concept: string;
}

/** What a finished candidate job returns: the result of `Refractor.scoreCandidates` and how it was made. */
export interface CandidateJobResult {
  task: 'candidate';
  /** sha256 of the MIDI and audio bytes the worker scored. */
  content_sha256: { midi?: string; audio?: string };
  result: CandidateResult;
  /** How it was made, as `refractor score` reports candidates (core's `candidateSettings`). */
  settings: CandidateSettings;
}

export type JobResult = ScoreJobResult | EmbedJobResult | CandidateJobResult;

/** What names an input in a job id: the content hash for files, the URL for URLs. */
const identityOf = (input: JobInput | undefined) => (input === undefined ? null : 'sha256' in input ? { sha256: input.sha256 } : { url: input.url });

/** An input for messages and logs: its path or URL. */
export function inputName(input: JobInput): string {
  return 'url' in input ? input.url : input.path;
}

/** A job's input for messages and logs (a candidate's MIDI, else its audio, else "lyric"). */
export function describeJob(data: JobData | undefined): string {
  if (!data?.input) return '(no input)';
  if (data.task !== 'candidate') return inputName(data.input);
  const { midi, audio } = data.input;
  return midi ? inputName(midi) : audio ? inputName(audio) : '(lyric only)';
}

/**
 * The job id: sha256 over the task, what identifies the input (the content
 * hash for files, the URL for URLs) and the canonical settings. Adding the
 * same work twice gives the same id, which BullMQ keeps once. Hex only
 * (BullMQ forbids `:` in custom ids).
 *
 * For URLs the id is the URL, not the content: hashing the content at
 * enqueue time would download every song twice (once by the client, once by
 * a worker). The worker records the sha256 of what it fetched in the result
 * (`content_sha256`), so a result still names the exact bytes it belongs to.
 *
 * @example
 * ```ts
 * jobIdFor({ v: 1, task: 'score', input: { path: '/music/a.wav', sha256 }, settings }); // 'score-3f…'
 * ```
 */
export function jobIdFor(data: JobData): string {
  const identity =
    data.task === 'candidate'
      ? { midi: identityOf(data.input.midi), audio: identityOf(data.input.audio), lyric: data.input.lyric ?? null }
      : identityOf(data.input);
  const digest = createHash('sha256')
    .update(canonicalJson({ v: data.v, task: data.task, input: identity, settings: data.settings }))
    .digest('hex');
  return `${data.task}-${digest}`;
}
