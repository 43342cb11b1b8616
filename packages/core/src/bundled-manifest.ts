import manifestJson from './manifest/default-manifest.json';
import { parseModelManifest, type ModelManifest } from './manifest.js';

/**
 * The model manifest shipped with Refractor: the `default` set (the real
 * models on the Hugging Face hub) and the `tiny` test set (shipped as
 * `@refractor/tiny-models`, sizes and SHA-256 written by the generator).
 * Bundled into the build, so Node, browsers and workers all reach it without I/O.
 *
 * @example
 * ```ts
 * BUNDLED_MANIFEST.sets.default.files.cdm.repo; // 'earthlyframes/refractor_cdm'
 * Object.keys(BUNDLED_MANIFEST.sets); // ['default', 'tiny']
 * ```
 */
export const BUNDLED_MANIFEST: ModelManifest = parseModelManifest(manifestJson, '@refractor/core default-manifest.json');
