import type { FastifyServerOptions } from 'fastify';
import type { Refractor, RefractorLoadOptions } from '@refractor/node';

/** Every limit the server enforces; all have defaults ({@link DEFAULT_LIMITS}). */
export interface ServerLimits {
  /**
   * Largest upload (raw body, or the whole multipart body), in bytes: beyond it `413`.
   * @defaultValue `200 * 1024 * 1024` (200 MiB)
   */
  bodyBytes: number;
  /**
   * Longest audio a request may carry, in seconds (checked while decoding): beyond it `413`.
   * @defaultValue `3600`
   */
  audioSeconds: number;
  /**
   * Scorings that run at once; the rest wait in the queue. Also the most
   * songs whose chunks can share one CLAP run with cross-request batching
   * on: raise it on a GPU.
   * @defaultValue `2`
   */
  concurrency: number;
  /**
   * Requests that may wait for a scoring slot; beyond it `429` with `Retry-After`.
   * @defaultValue `32`
   */
  queue: number;
  /**
   * Milliseconds a request may take from arrival to response (queueing included): beyond it `503`.
   * @defaultValue `300_000`
   */
  timeoutMs: number;
  /**
   * Candidates (file parts) in one `/v1/score/batch` request.
   * @defaultValue `64`
   */
  candidates: number;
  /**
   * Characters in a concept, lyric or sounds-like text.
   * @defaultValue `4000`
   */
  textChars: number;
  /**
   * Entries in `sounds_like`.
   * @defaultValue `16`
   */
  soundsLike: number;
  /**
   * Non-file form fields in a multipart request.
   * @defaultValue `32`
   */
  fields: number;
  /**
   * Bytes in one form field's value.
   * @defaultValue `64 * 1024`
   */
  fieldBytes: number;
  /**
   * Bytes of HTTP request headers (Node's `maxHeaderSize`).
   * @defaultValue `16 * 1024`
   */
  headerBytes: number;
  /**
   * Header lines inside one multipart part.
   * @defaultValue `32`
   */
  partHeaderPairs: number;
}

/**
 * The default limits: a 200 MiB upload holds about 20 minutes of 16-bit
 * stereo WAV (hours of compressed audio); an hour of audio is the longest
 * song the design promises; two scorings at once keep a small machine's
 * cores busy without thrashing.
 */
export const DEFAULT_LIMITS: Readonly<ServerLimits> = Object.freeze({
  bodyBytes: 200 * 1024 * 1024,
  audioSeconds: 3600,
  concurrency: 2,
  queue: 32,
  timeoutMs: 300_000,
  candidates: 64,
  textChars: 4000,
  soundsLike: 16,
  fields: 32,
  fieldBytes: 64 * 1024,
  headerBytes: 16 * 1024,
  partHeaderPairs: 32,
});

/** Options for {@link createServer}. */
/**
 * Options for `createServer`: @refractor/node's {@link RefractorLoadOptions}
 * as they are (same names, same defaults: `device`, `offline`, `batchSize`,
 * `dtype`, `allowSpinning`, `conceptCache`, `intraOpNumThreads`,
 * `baseModel`, …), plus the server's own. The text encoder stays open by
 * default (`keepTextEncoder`), as a server embeds many concepts.
 *
 * `crossRequestBatching` defaults to `'auto'` here (library default: off):
 * on a GPU the CLAP chunks of concurrent requests share encoder runs; on CPU,
 * where batch 1 is fastest, it stays off unless asked. At most
 * `limits.concurrency` songs are scored at once (default 2), so that many at
 * most can share a run: raise it on a GPU (e.g. 16–32) for batching to fill
 * its runs. `/metrics` shows the run sizes (`refractor_encoder_batch_size`).
 *
 * @example
 * ```ts
 * const { app, ready } = createServer({ models: 'tiny', intraOpNumThreads: 2, baseModel: './refractor.onnx', token: 'secret' });
 * ```
 */
export interface ServerOptions extends Omit<RefractorLoadOptions, 'models'> {
  /**
   * The models: a set name (`default`, `tiny`), a directory holding a set,
   * or an already loaded `Refractor` from @refractor/node (the server then
   * does not close it, and the load options are not used).
   * @defaultValue `'default'`
   */
  models?: string | Refractor;
  /**
   * Any subset of the limits; the rest keep their defaults.
   * @defaultValue {@link DEFAULT_LIMITS}
   */
  limits?: Partial<ServerLimits>;
  /**
   * A bearer token every request except `/healthz` and `/readyz` must carry (compared in constant time).
   * @defaultValue none: no authentication
   */
  token?: string;
  /**
   * Allowed CORS origins (`*` for any).
   * @defaultValue none: CORS is off
   */
  cors?: string | string[];
  /**
   * pino logger settings (`false` for none); uploaded content is never logged.
   * @defaultValue `{ level: 'info' }`
   */
  logger?: boolean | { level?: string; stream?: NodeJS.WritableStream };
}

/**
 * The options `Refractor.load` gets from {@link ServerOptions}: all of them
 * but the server's own, with cross-request batching `'auto'` unless given (on
 * where the device prefers batches above 1, i.e. GPUs; off on CPU).
 */
export function loadOptionsOf(options: ServerOptions & { models?: string }): RefractorLoadOptions {
  const { limits: _limits, token: _token, cors: _cors, logger: _logger, ...load } = options;
  return { crossRequestBatching: 'auto', ...load, models: options.models ?? 'default' };
}

/** Fills in default limits and checks that every limit is a positive number. */
export function resolveLimits(limits: Partial<ServerLimits> = {}): ServerLimits {
  const resolved = { ...DEFAULT_LIMITS, ...limits };
  for (const [key, value] of Object.entries(resolved)) {
    const integer = key !== 'audioSeconds';
    // An empty queue is allowed: every request beyond the running ones is refused.
    const min = key === 'queue' ? 0 : Number.MIN_VALUE;
    if (typeof value !== 'number' || !(value >= min) || (integer && !Number.isInteger(value))) {
      throw new RangeError(`limits.${key} is ${JSON.stringify(value)}; expected ${integer ? 'an integer' : 'a number'} ${key === 'queue' ? '>= 0' : '> 0'}`);
    }
  }
  return resolved;
}

/** Fastify's own logger settings with serializers that keep uploads, query strings and headers out of the logs. */
export function loggerOptions(logger: ServerOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === false) return false;
  const base = logger === true || logger === undefined ? {} : logger;
  return {
    level: base.level ?? 'info',
    ...(base.stream ? { stream: base.stream } : {}),
    serializers: {
      // The path only: query strings carry concept and lyric text.
      req: (request: { method: string; url: string; id: string }) => ({ id: request.id, method: request.method, path: request.url.split('?')[0] }),
      res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
    },
  };
}
