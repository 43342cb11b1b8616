/**
 * @refractor/server — the Refractor CDM as an HTTP scoring service (Fastify):
 * streamed uploads, limits, a bounded queue with `429`, Prometheus metrics,
 * OpenAPI, structured logs and graceful shutdown.
 *
 * @packageDocumentation
 */
export { createServer, type RefractorServer } from './server.js';
export { DEFAULT_LIMITS, resolveLimits, type ServerLimits, type ServerOptions } from './options.js';
export { ApiError, toApiError, type ErrorBody } from './errors.js';
export { Admission } from './admission.js';
export type { BatchEntry, ScoreResponse } from './routes/score.js';
export type { ScoreParams } from './score-options.js';
