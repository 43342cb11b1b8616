import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';

const HIDDEN = { hide: true } as const;

/** `/healthz`, `/readyz`, `/metrics`, `/v1/models` and `/openapi.json`. */
export function infoRoutes(app: FastifyInstance, context: ServerContext): void {
  const { models, metrics } = context;

  app.get('/healthz', { schema: { summary: 'Liveness: 200 while the process serves requests', tags: ['health'] } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { summary: 'Readiness: 200 once the models are loaded, 503 before (or if loading failed)', tags: ['health'] } }, async (_request, reply) => {
    const state = models.state;
    if (state === 'ready') return { status: 'ready', models: models.get().modelSet.name };
    void reply.code(503);
    if (state === 'loading') void reply.header('retry-after', '2');
    return { status: state, ...(models.error ? { message: models.error.message.split('\n')[0] } : {}) };
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics (text exposition format)', tags: ['health'] } }, async (_request, reply) => {
    void reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  let files: Promise<Array<{ role: string; file: string; bytes: number }>> | undefined;
  app.get('/v1/models', { schema: { summary: 'The loaded model set: name, files (names and sizes), backend and device', tags: ['models'] } }, async () => {
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
      batch_size: refractor.audioScorer().batchSize,
      load_seconds: models.loadSeconds,
      files: await files,
    };
  });

  app.get('/openapi.json', { schema: HIDDEN }, async () => app.swagger());
}
