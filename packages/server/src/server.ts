import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import { Admission } from './admission.js';
import { bearerAuth } from './auth.js';
import type { ServerContext } from './context.js';
import { installDeadlines } from './deadline.js';
import { ApiError, toApiError } from './errors.js';
import { STALL_MS, trackConnections } from './connections.js';
import { lingerAfterAnswer } from './linger.js';
import { completeDocument } from './openapi.js';
import { createMetrics } from './metrics.js';
import { ModelHolder } from './models.js';
import { loggerOptions, resolveLimits, type ServerOptions } from './options.js';
import { embedRoutes } from './routes/embed.js';
import { infoRoutes } from './routes/info.js';
import { scoreRoutes } from './routes/score.js';

/** What {@link createServer} returns. */
export interface RefractorServer {
  /** The Fastify instance: `listen()` it, `inject()` into it, `close()` it (which also releases the models it loaded). */
  app: FastifyInstance;
  /** Resolves once the models are loaded (`/readyz` turns 200); rejects if they cannot be. */
  ready: Promise<void>;
}

/** The longest a client may take to send its request headers (less when the request timeout is shorter). */
const HEADERS_TIMEOUT_MS = 10_000;

/** Methods a path may answer (for `405` with `Allow`). */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** A client's `X-Request-Id` when it is a sane token, else a fresh UUID. */
function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

/**
 * Creates the Refractor HTTP scoring service: `POST /v1/score`,
 * `/v1/score/batch`, `/v1/embed`, `GET /healthz`, `/readyz`, `/metrics`,
 * `/v1/models`, `/openapi.json`. The models start loading at once; routes
 * that need them answer `503` until `ready` resolves.
 *
 * @example
 * ```ts
 * import { createServer } from '@refractor/server';
 *
 * const { app, ready } = createServer({ models: 'tiny', limits: { concurrency: 2 } });
 * await app.listen({ host: '127.0.0.1', port: 8080 });
 * await ready;
 * // curl --data-binary @song.ogg -H 'content-type: audio/ogg' 'http://127.0.0.1:8080/v1/score?concept=rain'
 * await app.close();
 * ```
 */
export function createServer(options: ServerOptions = {}): RefractorServer {
  const limits = resolveLimits(options.limits);
  const app = Fastify({
    logger: loggerOptions(options.logger),
    genReqId: requestId,
    // Socket-level guards (checked every second): headers that trickle in (slowloris),
    // uploads that trickle in forever, and sockets with no traffic at all (a client
    // that never reads its answer) longer than a whole request may take.
    requestTimeout: limits.timeoutMs + 1000,
    connectionTimeout: limits.timeoutMs + 5000,
    http: {
      maxHeaderSize: limits.headerBytes,
      headersTimeout: Math.min(HEADERS_TIMEOUT_MS, limits.timeoutMs),
      requestTimeout: limits.timeoutMs + 1000,
      connectionsCheckingInterval: 1000,
    },
    // Only JSON bodies ({ concept }) go through Fastify's own parser; uploads stream.
    bodyLimit: limits.fieldBytes,
    // Unknown fields are an error, not silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
    forceCloseConnections: 'idle',
    // Answered by the hook below instead, in the error shape and through onSend.
    return503OnClosing: false,
  });
  const models = new ModelHolder(options);
  const admission = new Admission(limits.concurrency, limits.queue);
  const metrics = createMetrics(admission);
  const context: ServerContext = { limits, models, admission, metrics };
  let stopObserving: (() => void) | undefined;
  void models.ready.then(
    (refractor) => {
      metrics.modelLoadSeconds.set(models.loadSeconds!);
      stopObserving = refractor.onEncoderRun(({ rows }) => metrics.encoderBatchSize.observe(rows));
      app.log.info(
        { models: refractor.modelSet.name, seconds: models.loadSeconds, device: refractor.backend.device, crossRequestBatching: refractor.crossRequestBatching ?? false },
        'models ready',
      );
    },
    (error: Error) => app.log.error({ err: error }, 'models failed to load'),
  );

  const connections = trackConnections(app.server);
  // While closing, answers end their connections so keep-alive sockets do not hold close() open.
  let closing = false;
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (closing) throw new ApiError('shutting-down', 'the server is shutting down; retry on another instance', undefined, { 'retry-after': '5' });
  });
  installDeadlines(app, limits.timeoutMs);
  if (options.token) app.addHook('onRequest', bearerAuth(options.token));
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
  });
  app.addHook('preClose', async () => {
    closing = true;
    // Once every scoring is done, a connection without traffic only waits on a client that stopped reading.
    void admission.idle().then(() => connections.dropStalled(STALL_MS));
  });
  app.addHook('onSend', async (request, reply) => {
    if (closing) void reply.header('connection', 'close');
    // Answered before the upload was read to its end (error, timeout): close after it, without a reset.
    if (!request.raw.complete) {
      void reply.header('connection', 'close');
      lingerAfterAnswer(request.raw);
    }
  });
  // Work whose client has gone is not an in-flight request to Fastify; it still holds the sessions.
  app.addHook('onClose', async () => {
    await admission.idle();
    // A Refractor passed in outlives the server: stop feeding this server's histogram.
    stopObserving?.();
    await models.close();
  });
  app.setErrorHandler((error, request, reply) => {
    const api = toApiError(error);
    if (api.code === 'failed') request.log.error({ err: error }, 'request failed');
    // Only the code and field: messages may quote bytes of the upload.
    else request.log.info({ error: api.code, field: api.field, statusCode: api.statusCode }, 'request refused');
    void reply.code(api.statusCode).headers(api.headers).send(api.body());
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = METHODS.filter((method) => app.hasRoute({ method, url: path }));
    if (allowed.length) {
      const api = new ApiError('method-not-allowed', `${path} takes ${allowed.join(' or ')}, not ${request.method}; see /openapi.json`);
      void reply.code(api.statusCode).header('allow', allowed.join(', ')).send(api.body());
      return;
    }
    const api = new ApiError('not-found', `no route ${request.method} ${path}; see /openapi.json`);
    void reply.code(api.statusCode).send(api.body());
  });

  // Raw uploads: the body stays a stream, read by the decoder as it arrives.
  app.removeContentTypeParser('text/plain');
  const passThrough = (_request: unknown, payload: IncomingMessage, done: (error: Error | null, body?: unknown) => void) => done(null, payload);
  app.addContentTypeParser('application/octet-stream', passThrough);
  app.addContentTypeParser(/^audio\/[\w.+-]+$/, passThrough);

  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Refractor scoring service',
        version: '0.1.0',
        description: 'Which of nine rainbow colors is this song? The Refractor CDM over HTTP. Errors are `{ error, message, field? }`.',
      },
    },
    transformObject: (documents) => ('openapiObject' in documents ? completeDocument(documents.openapiObject, { limits, token: Boolean(options.token) }) : documents.swaggerObject),
  });
  if (options.cors) {
    // A list, so only a listed origin is echoed back (a single string would be sent to everyone).
    const origins = [options.cors].flat();
    void app.register(cors, { origin: origins.includes('*') ? '*' : origins, exposedHeaders: ['x-request-id', 'retry-after'] });
  }
  void app.register(multipart);
  void app.register(async (routes) => {
    infoRoutes(routes, context);
    scoreRoutes(routes, context);
    embedRoutes(routes, context);
  });
  const ready = models.ready.then(() => undefined);
  ready.catch(() => undefined); // reported through the log and /readyz when nobody awaits it
  return { app, ready };
}
