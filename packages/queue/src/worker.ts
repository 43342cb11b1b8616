/**
 * `@refractor/queue/worker` — the worker side: processes Refractor jobs with
 * one loaded model set (it loads onnxruntime-node through `@refractor/node`).
 * A program that only adds jobs and reads results imports `@refractor/queue`
 * and never loads a model runtime.
 *
 * @example
 * ```ts
 * import { Refractor } from '@refractor/node';
 * import { startWorker } from '@refractor/queue/worker';
 *
 * const refractor = await Refractor.load({ models: 'tiny' });
 * const worker = await startWorker(refractor, { redis: 'redis://127.0.0.1:6379' });
 * ```
 *
 * @packageDocumentation
 */
export { startWorker, ModelSetMismatchError, type RefractorWorker, type WorkerOptions } from './start-worker.js';
export { createProcessor, type ProcessorOptions } from './processor.js';
export { classifyError, toBullError } from './errors.js';
export { HealthTracker, startHealthServer, type HealthServer, type HealthWindows, type WorkerHealth } from './health.js';
export { fetchInput, DEFAULT_FETCH_LIMITS, type FetchLimits } from './fetch-input.js';
