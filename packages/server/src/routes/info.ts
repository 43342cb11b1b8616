import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { readiness } from '../readiness.js';

const HIDDEN = { hide: true } as const;

/** `/healthz`, `/readyz`, `/metrics`, `/v1/models` and `/openapi.json`. */
export function infoRoutes(app: FastifyInstance, context: ServerContext): void {
  const { models, metrics } = context;

  app.get('/healthz', { schema: { summary: 'Liveness: 200 while the process serves requests', tags: ['health'] } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { summary: 'Readiness: 200 once the models are loaded and a scoring slot can be had; 503 before, if loading failed, or while every slot is stuck past the time limit', tags: ['health'] } }, async (_request, reply) => {
    const { statusCode, body, retryAfter } = readiness(models, context.admission, context.limits.timeoutMs);
    void reply.code(statusCode);
    if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
    return body;
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics (text exposition format), among them `refractor_encoder_batch_size`: chunks per CLAP run', tags: ['health'] } }, async (_request, reply) => {
    void reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  let files: Promise<Array<{ role: string; file: string; bytes: number }>> | undefined;
  app.get('/v1/models', { schema: { summary: 'The loaded model set: name, files (names and sizes), backend, device, batch size and cross-request batching', tags: ['models'] } }, async () => {
    const refractor = models.get();
    // Sizes only change with a restart; names only (server paths stay private).
    files ??= Promise.all(
      Object.entries(refractor.modelSet.files).map(async ([role, path]) => ({ role, file: basename(path), bytes: (await stat(path)).size })),
    );
    return {
      name: refractor.modelSet.name.includes('/') ? basename(refractor.modelSet.name) : refractor.modelSet.name,
      test_only: refractor.modelSet.testOnly,
      source: refractor.modelSet.source,
      device: refractor.backend.device,
      backend: refractor.backend.name,
      batch_size: refractor.batchSize,
      cross_request_batching: refractor.crossRequestBatching ? { max_batch: refractor.crossRequestBatching.maxBatch, max_wait_ms: refractor.crossRequestBatching.maxWaitMs } : null,
      load_seconds: models.loadSeconds,
      files: await files,
    };
  });

  app.get('/openapi.json', { schema: HIDDEN }, async () => app.swagger());
}
