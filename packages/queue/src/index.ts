/**
 * @refractor/queue — Refractor on many machines: a BullMQ job queue on
 * Redis. This entry is the job client: build a batch per task
 * ({@link songBatch}, {@link candidateBatch}, {@link extractBatch}), add it
 * with {@link RefractorQueue} (one job per song, named by content and
 * settings), and read the result records back in input order
 * ({@link RefractorQueue.records}). It loads no model runtime: the worker
 * ({@link https://github.com/refractor-audio/refractor/tree/main/packages/queue#workers | `@refractor/queue/worker`})
 * processes jobs with one loaded model set, at least once, surviving worker
 * deaths and Redis restarts.
 *
 * @packageDocumentation
 */
export { RefractorQueue, type AddOptions, type AddReport, type BatchInfo, type BatchProgress, type OpenOptions, type QueueStatus, type SongEmbeddings } from './client.js';
export {
  candidateBatch,
  extractBatch,
  isUrl,
  songBatch,
  type Batch,
  type BatchEntry,
  type QueuedInput,
  type BatchSettings,
  type BuildOptions,
  type CandidateSource,
  type ExtractSong,
  type InputError,
  type NewJob,
  type NotQueued,
} from './batches.js';
export { isErrorRecord, resultRecord, type ErrorRecord, type Outcome, type RecordContext, type ResultRecord } from './records.js';
export { connectRedis, DEFAULT_QUEUE, DEFAULT_REDIS_TIMEOUT_MS, DEFAULT_REDIS_URL, QueueUnreachableError, queueError, redact, type ConnectOptions } from './connection.js';
export {
  describeJob,
  inputName,
  jobIdFor,
  type CandidateJobInput,
  type CandidateJobResult,
  type CandidateJobSettings,
  type EmbedJobResult,
  type ExtractJobSettings,
  type JobData,
  type JobFeatureSettings,
  type JobInput,
  type JobResult,
  type JobTask,
  type ScoreJobResult,
  type SongJobSettings,
} from './jobs.js';
export { JobError, parseFailedReason, type JobErrorCode, type JobErrorRecord } from './errors.js';
export { decodeFloat32, encodeFloat32 } from './float32-base64.js';
export { sha256Bytes } from './hash.js';
/** The streamed SHA-256 of a file, hex: what a job's `input.sha256` must be (re-exported from `@refractor/node/io`). */
export { sha256OfFile } from '@refractor/node/io';
