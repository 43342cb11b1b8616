import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

const controllers = new WeakMap<FastifyRequest, AbortController>();

/**
 * Per-request deadlines and cancellation: each request gets an AbortSignal
 * that aborts when its time is up (the client gets `503` with
 * `Retry-After`) or when the client goes away before its answer. Fastify's
 * own `request.signal` is not used because it also aborts as soon as the
 * upload has been read to its end, which for a scoring service is always
 * before the answer.
 */
export function installDeadlines(app: FastifyInstance, timeoutMs: number): void {
  app.addHook('onRequest', async (request, reply) => {
    const controller = new AbortController();
    controllers.set(request, controller);
    const timer = setTimeout(() => {
      if (reply.sent) return;
      const error = new ApiError('timeout', `the request took longer than the server's ${timeoutMs / 1000} s limit; retry later or send a shorter file`, undefined, {
        'retry-after': '5',
        connection: 'close',
      });
      controller.abort(error);
      void reply.send(error);
    }, timeoutMs);
    reply.raw.once('close', () => {
      clearTimeout(timer);
      if (!reply.raw.writableFinished) controller.abort(new ApiError('client-closed', 'the client closed the connection'));
    });
  });
}

/** The request's cancellation signal (see {@link installDeadlines}). */
export function requestSignal(request: FastifyRequest): AbortSignal {
  return controllers.get(request)!.signal;
}
