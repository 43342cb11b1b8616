import type { DtypeChoice } from '@refractor/core';
import { resolve } from 'node:path';
import type { AnyModelFileRole } from '@refractor/core';
import { defaultCacheDir, type CacheEnv } from './cache-dir.js';

/** How far one file's download has got. */
export interface DownloadProgress {
  /** Bytes of the file on disk so far (a resumed download starts at the kept part's size). */
  loaded: number;
  /** The file's size: from the manifest, else from the server; undefined when neither says. */
  total: number | undefined;
  /** True on the last event for this file: it is complete, verified and in place. */
  done: boolean;
}

/** Progress of one file of a set, as {@link StoreOptions.onProgress} receives it. */
export interface StoreProgressEvent extends DownloadProgress {
  role: AnyModelFileRole;
  /** The file as `<repo>/<path>`, e.g. `refractor-test/tiny-clap/onnx/audio_model.onnx`. */
  file: string;
  /** True when the file came from the cache (then this is its only event, with `done: true`). */
  cached: boolean;
}

/** Where models are cached and how they are fetched. Every field has a default. */
export interface StoreOptions {
  /**
   * The cache root. Default: `$REFRACTOR_CACHE`, else the platform cache
   * directory (see {@link defaultCacheDir}).
   * @defaultValue `$REFRACTOR_CACHE`, else the platform cache directory
   */
  cacheDir?: string;
  /**
   * The hub to download from. A trailing slash is fine.
   * @defaultValue `$HF_ENDPOINT`, else `https://huggingface.co`
   */
  endpoint?: string;
  /**
   * A Hugging Face access token for private or gated repositories. Default:
   * `$HF_TOKEN`. Sent as `Authorization: Bearer` to the endpoint only, never
   * to the CDN the hub redirects to.
   * @defaultValue `$HF_TOKEN`
   */
  token?: string;
  /**
   * Never touch the network.
   * @defaultValue true when `$REFRACTOR_OFFLINE` or `$HF_HUB_OFFLINE` is `1`, else false
   */
  offline?: boolean;
  /**
   * Called as files are found in the cache or downloaded. During a download it
   * is called for every chunk received, so throttle any rendering. `loaded`
   * only grows, except that it drops to 0 if the server refuses to resume.
   * @defaultValue none
   */
  onProgress?: (event: StoreProgressEvent) => void;
  /**
   * The `fetch` to use, for tests and custom agents.
   * @defaultValue the global `fetch`
   */
  fetch?: typeof fetch;
  /**
   * Cancels downloads in flight; the partial file is kept and resumes next time.
   * @defaultValue none: downloads run to the end
   */
  signal?: AbortSignal;
  /**
   * Which weights of the two encoders (default `fp32`), for both
   * (`'q8'`) or each (`{ clap: 'q8', text: 'fp32' }`): `fp16` or `q8` pick
   * the transformers.js variant files (`audio_model_fp16.onnx`,
   * `audio_model_quantized.onnx`, `model_quantized.onnx`, …). They change
   * the embeddings the CDM was trained on, so predictions can shift.
   * @defaultValue `'fp32'`
   */
  dtype?: DtypeChoice;
}

/** {@link StoreOptions} with every default applied. */
export interface ResolvedStoreOptions {
  /** Absolute. */
  cacheDir: string;
  /** Without a trailing slash. */
  endpoint: string;
  token: string | undefined;
  offline: boolean;
  onProgress: ((event: StoreProgressEvent) => void) | undefined;
  fetch: typeof fetch;
  signal: AbortSignal | undefined;
}

/** The hub used when neither `endpoint` nor `$HF_ENDPOINT` says otherwise. */
export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

/**
 * Applies the documented defaults, reading the environment at call time (so a
 * long-lived process sees changes, and tests can stub it).
 *
 * @example
 * ```ts
 * resolveStoreOptions({}, { HF_ENDPOINT: 'https://hf-mirror.example/', HF_HUB_OFFLINE: '1' });
 * // { endpoint: 'https://hf-mirror.example', offline: true, cacheDir: '/home/me/.cache/refractor', … }
 * ```
 */
export function resolveStoreOptions(options: StoreOptions = {}, env: CacheEnv = process.env): ResolvedStoreOptions {
  const endpoint = (options.endpoint ?? (env.HF_ENDPOINT || DEFAULT_HUB_ENDPOINT)).replace(/\/+$/, '');
  return {
    cacheDir: resolve(options.cacheDir ?? defaultCacheDir(env)),
    endpoint,
    // An empty HF_TOKEN (e.g. `HF_TOKEN= refractor …`) means "no token", not "send an empty one".
    token: (options.token ?? env.HF_TOKEN) || undefined,
    offline: options.offline ?? (env.REFRACTOR_OFFLINE === '1' || env.HF_HUB_OFFLINE === '1'),
    onProgress: options.onProgress,
    // Looked up at call time rather than captured at import, so test doubles installed later apply.
    fetch: options.fetch ?? globalThis.fetch,
    signal: options.signal,
  };
}
