import { Redis } from 'ioredis';

/** Default Redis: a local server on the standard port. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Default queue name; one queue holds work for one model set. */
export const DEFAULT_QUEUE = 'refractor';

/** Options for {@link connectRedis}. */
export interface ConnectOptions {
  /**
   * `worker`: commands wait for Redis however long it is away
   * (`maxRetriesPerRequest: null`, as BullMQ workers require), so a worker
   * rides out a restart. `client`: a command fails after a few reconnect
   * attempts, so a command line tool tells the user instead of hanging.
   */
  role: 'worker' | 'client';
  /** Called on connection errors (ioredis reports each failed reconnect). */
  onError?: (error: Error) => void;
}

/**
 * An ioredis connection for BullMQ. Reconnects forever with exponential
 * backoff capped at 5 s, so a worker that loses Redis comes back soon after
 * Redis does. (BullMQ only builds its own connection from options under
 * CommonJS; an ESM package hands it an instance.)
 *
 * @example
 * ```ts
 * const redis = connectRedis('redis://127.0.0.1:6379', { role: 'client' });
 * ```
 */
export function connectRedis(url: string, options: ConnectOptions): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: options.role === 'worker' ? null : 3,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 5000),
    // A client command should not wait for minutes when Redis is not there at all.
    ...(options.role === 'client' ? { connectTimeout: 5000 } : {}),
  });
  redis.on('error', options.onError ?? (() => undefined));
  return redis;
}
