/**
 * The model store: finds a model set's files in a directory or the cache,
 * downloading them from the Hugging Face hub (resumable, verified) when needed.
 *
 * @packageDocumentation
 */
export { defaultCacheDir, cachedPath, type CacheEnv } from './cache-dir.js';
export { ModelStoreError, type ModelStoreErrorCode } from './errors.js';
export { sha256OfFile } from './file-check.js';
export { downloadFile, hubFileUrl, type DownloadOptions } from './hub-download.js';
export {
  modelSetStatus,
  resolveModelSet,
  verifyModelSet,
  type ModelFileStatus,
  type ResolvedModelSet,
  type VerifiedFile,
} from './model-store.js';
export {
  DEFAULT_HUB_ENDPOINT,
  resolveStoreOptions,
  type DownloadProgress,
  type ResolvedStoreOptions,
  type StoreOptions,
  type StoreProgressEvent,
} from './options.js';
