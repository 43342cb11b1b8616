/**
 * @refractor/queue — Refractor on many machines: a BullMQ job queue on
 * Redis. The job client ({@link RefractorQueue}) adds batches (one job per
 * song, named by content and settings) and reads results back in input
 * order; the worker ({@link startWorker}) processes jobs with one loaded
 * model set, at least once, surviving worker deaths and Redis restarts.
 *
 * @packageDocumentation
 */
export { RefractorQueue, type AddOptions, type AddReport, type BatchInfo, type BatchItem, type BatchProgress, type NewJob, type Outcome, type QueueStatus } from './client.js';
export { startWorker, ModelSetMismatchError, type RefractorWorker, type WorkerOptions } from './worker.js';
export { createProcessor, type ProcessorOptions } from './processor.js';
export { connectRedis, DEFAULT_QUEUE, DEFAULT_REDIS_URL, type ConnectOptions } from './connection.js';
export { canonicalJson, describeJob, inputName, jobIdFor, type CandidateInput, type CandidateJobResult, type CandidateSettings, type EmbedJobResult, type EmbedSettings, type FeatureSettings, type JobData, type JobInput, type JobResult, type ScoreJobResult, type ScoreSettings } from './jobs.js';
export { classifyError, JobError, parseFailedReason, toBullError, type JobErrorCode, type JobErrorRecord } from './errors.js';
export { fetchInput, DEFAULT_FETCH_LIMITS, type FetchLimits } from './fetch-input.js';
export { decodeFloat32, encodeFloat32 } from './float32-base64.js';
export { sha256Bytes } from './hash.js';
/** The streamed SHA-256 of a file, hex: what a job's `input.sha256` must be (re-exported from `@refractor/node/io`). */
export { sha256OfFile } from '@refractor/node/io';
