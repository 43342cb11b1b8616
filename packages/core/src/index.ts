/**
 * @refractor/core — the Refractor CDM's color taxonomy, the model card's
 * target table, chunk decoding and aggregation, match, drift and validation
 * metrics. No I/O and no runtime imports: it runs in Node, browsers and workers.
 *
 * @packageDocumentation
 */
export * from './colors.js';
export * from './errors.js';
export * from './error-table.js';
export * from './error-outcome.js';
export * from './numeric.js';
export * from './results.js';
export * from './settings.js';
export * from './text-digest.js';
export * from './song-report.js';
export * from './rainbow-table.js';
export * from './target-derivation.js';
export * from './canonical-json.js';
export * from './targets.js';
export * from './color-rules.js';
export * from './chunk.js';
export * from './target-match.js';
export * from './aggregate.js';
export * from './metrics.js';
export * from './backend.js';
export * from './cdm.js';
export * from './model-contracts.js';
export * from './manifest.js';
export { BUNDLED_MANIFEST } from './bundled-manifest.js';
export * from './contract-check.js';
export * from './scorer.js';
export * from './encoder-batcher.js';
export * from './dtype-drift.js';
export * from './prefetch.js';
export * from './truncating-tokenizer.js';
export * from './base/index.js';
export * from './concept-storage.js';
export * from './concept-embedder.js';
export * from './onnx-initializers.js';
export * from './onnx-stream-split.js';
export * from './row-subset-tokenizer.js';
export * from './concept-lookup.js';
export * from './song-scoring.js';
export type * from './refractor-contract.js';
