/**
 * The persistent concept-embedding cache on disk (core's `ConceptStorage` in
 * files) and what the text encoder needs in Node.
 *
 * @packageDocumentation
 */
import { join } from 'node:path';
import { resolveStoreOptions, type StoreOptions } from '../store/options.js';

export { memoizedFileSha256 } from './file-digest.js';
export { conceptModelIdentity, type ConceptModelFiles } from './model-identity.js';
export { decodeConceptRecord, encodeConceptRecord } from './record.js';
export { FileConceptStorage, FILE_DIGESTS_DIR, clearConceptCache, conceptCacheStats, type ConceptCacheStats } from './file-concept-storage.js';
export {
  clearExternalWeights,
  externalWeightsCopy,
  externalWeightsStats,
  type ExternalWeightsOptions,
  type ExternalWeightsStats,
} from './external-weights.js';

/**
 * Where concept embeddings are cached unless told otherwise: `concepts/`
 * inside the model cache directory (`$REFRACTOR_CACHE`, else the platform's
 * cache; `cacheDir` overrides both).
 *
 * @example
 * ```ts
 * defaultConceptCacheDir(); // '/home/me/.cache/refractor/concepts'
 * defaultConceptCacheDir({ cacheDir: '/tmp/models' }); // '/tmp/models/concepts'
 * ```
 */
export function defaultConceptCacheDir(options: Pick<StoreOptions, 'cacheDir'> = {}): string {
  return join(resolveStoreOptions(options).cacheDir, 'concepts');
}

/**
 * Where the external-weights copies of big text encoders are kept:
 * `external-weights/` inside the model cache directory.
 *
 * @example
 * ```ts
 * defaultExternalWeightsDir({ cacheDir: '/tmp/models' }); // '/tmp/models/external-weights'
 * ```
 */
export function defaultExternalWeightsDir(options: Pick<StoreOptions, 'cacheDir'> = {}): string {
  return join(resolveStoreOptions(options).cacheDir, 'external-weights');
}
