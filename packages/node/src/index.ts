/**
 * @refractor/node — the Refractor CDM in Node with onnxruntime-node (CPU,
 * CUDA): the model store (local directories, the user cache, Hugging Face hub
 * downloads), the tiny test set, and the `Refractor` scorer.
 *
 * @packageDocumentation
 */
export * from '@refractor/core';
export { Refractor, type BatchItem, type RefractorLoadOptions, type SongScoreOptions } from './refractor.js';
export { createNodeBackend, DeviceUnavailableError, PREFERRED_BATCH_SIZE, type NodeBackendOptions, type NodeDevice } from './runtime.js';
export { conceptTokenizer, loadConceptTokenizer } from './tokenizer.js';
export { bundledManifest, bundledSetDirectory } from './bundled.js';
export * from './store/index.js';
export * from './npz/index.js';
export * from './train/index.js';
