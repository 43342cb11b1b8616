import { Redis } from 'ioredis';
import { RefractorError } from '@refractor/core';

/** Default Redis: a local server on the standard port. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Default queue name; one queue holds work for one model set. */
export const DEFAULT_QUEUE = 'refractor';

/**
 * How long a command waits for Redis's answer by default (ms). A partition
 * (a link down, a host gone) loses packets without resetting the TCP
 * connection, so without a limit a command would wait for the kernel to give
 * up on the connection: a quarter of an hour.
 */
export const DEFAULT_REDIS_TIMEOUT_MS = 10_000;

/**
 * The longest a BullMQ worker blocks in `BZPOPMIN` waiting for a job (s):
 * its blocking connection may stay silent this long before Redis answers.
 */
const LONGEST_BLOCK_MS = 10_000;

/** Options for {@link connectRedis}. */
export interface ConnectOptions {
  /**
   * `worker`: commands wait for Redis however long it is away
   * (`maxRetriesPerRequest: null`, as BullMQ workers require), so a worker
   * rides out a restart or a partition. `client`: a command fails after a
   * few reconnect attempts or `timeoutMs`, so a command line tool tells the
   * user instead of hanging.
   */
  role: 'worker' | 'client';
  /**
   * `client`: how long a command (and the connection) waits for Redis (default 10 000 ms).
   * `worker`: a connection that got no answer for this long plus the longest
   * blocking wait for a job (10 s) is dropped and opened again, so a worker
   * cut off by the network finds out and reconnects when the link is back.
   * @defaultValue `10_000`
   */
  timeoutMs?: number;
  /** Called on connection errors (ioredis reports each failed reconnect). */
  onError?: (error: Error) => void;
}

/**
 * An ioredis connection for BullMQ. Reconnects forever with exponential
 * backoff capped at 5 s, so a worker that loses Redis comes back soon after
 * Redis does; TCP keepalive (10 s) keeps idle connections through NAT and
 * firewalls, and the time limits of {@link ConnectOptions.timeoutMs} turn a
 * silent network into an error. (BullMQ only builds its own connection from
 * options under CommonJS; an ESM package hands it an instance.)
 *
 * @example
 * ```ts
 * const redis = connectRedis('redis://127.0.0.1:6379', { role: 'client', timeoutMs: 5000 });
 * ```
 */
export function connectRedis(url: string, options: ConnectOptions): Redis {
  const timeoutMs = options.timeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
  const redis = new Redis(url, {
    maxRetriesPerRequest: options.role === 'worker' ? null : 3,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 5000),
    keepAlive: 10_000,
    connectTimeout: timeoutMs,
    ...(options.role === 'client'
      ? // A client command fails after timeoutMs, whatever the network does.
        { commandTimeout: timeoutMs }
      : // A worker's blocking connection (a duplicate of this one) is legitimately silent
        // while BZPOPMIN waits for a job: a command timeout would fail those waits. A socket
        // that stays silent longer than that wait is dead: drop it and reconnect.
        { socketTimeout: timeoutMs + LONGEST_BLOCK_MS }),
  });
  redis.on('error', options.onError ?? (() => undefined));
  return redis;
}

/**
 * A Redis URL fit for logs and error messages: the password (and a user
 * name's password part) replaced by `***`.
 *
 * @example
 * ```ts
 * redact('redis://app:s3cret@10.0.0.5:6379/0'); // 'redis://app:***@10.0.0.5:6379/0'
 * ```
 */
export function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i, (_match, scheme: string, auth: string) => {
    const colon = auth.indexOf(':');
    return `${scheme}${colon >= 0 ? `${auth.slice(0, colon)}:***` : '***'}@`;
  });
}

/**
 * The queue's Redis did not answer: it is down, or the network between
 * here and it is cut, or it answered slower than the time limit. Code
 * `queue-unreachable` (retryable; `refractor` exits 3): nothing is wrong
 * with the request, run it again when Redis answers. The URL in the
 * message has its password hidden ({@link redact}).
 */
export class QueueUnreachableError extends RefractorError {
  override readonly name = 'QueueUnreachableError';
  /** The Redis URL, password hidden. */
  readonly url: string;
  constructor(url: string, detail: string, options: { cause?: unknown } = {}) {
    const safe = redact(url);
    super(`cannot reach Redis at ${safe}: ${detail}`, { ...options, code: 'queue-unreachable' });
    this.url = safe;
  }
}

/** ioredis's and the kernel's words for "no answer from Redis" (and Redis's own while it loads its data after a restart). */
const UNREACHABLE =
  /^LOADING |Command timed out|Socket timeout|Connection is closed|Reached the max retries per request limit|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|ENOTFOUND|EAI_AGAIN|connect ETIMEDOUT|Stream isn't writeable/i;

/**
 * A Redis failure as a {@link QueueUnreachableError} when it means Redis
 * could not be reached (a timeout, a refused or lost connection), else the
 * error as it was (a Redis error reply, a bug). The URL's password is hidden.
 *
 * @example
 * ```ts
 * try { await queue.addBatch(batch); } catch (error) { throw queueError(error, url); }
 * ```
 */
export function queueError(error: unknown, url: string): unknown {
  if (error instanceof QueueUnreachableError || !(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  if (UNREACHABLE.test(error.message) || (typeof code === 'string' && UNREACHABLE.test(code))) {
    return new QueueUnreachableError(url, error.message, { cause: error });
  }
  return error;
}
