/**
 * @refractor/node — the Refractor CDM in Node with onnxruntime-node (CPU,
 * CUDA, WebGPU): the model store (local directories, the user cache, Hugging Face hub
 * downloads), the tiny test set (through the optional `@refractor/tiny-models`),
 * and the `Refractor` scorer. Training lives in `@refractor/train`.
 *
 * @packageDocumentation
 */
export * from '@refractor/core';
export {
  Refractor,
  resolveCrossRequestBatching,
  type BatchItem,
  type CrossRequestBatching,
  type CrossRequestBatchingSettings,
  type RefractorLoadOptions,
  type SongInput,
  type SongScoreOptions,
  type SongTimings,
} from './refractor.js';
export { MidiParseError, isMidi } from '@refractor/audio';
export { prepareMidi, type Candidate, type CandidateScoreOptions } from './candidates.js';
export { createNodeBackend, DeviceUnavailableError, PREFERRED_BATCH_SIZE, type NodeBackendOptions } from './runtime.js';
export { intraOpThreads, physicalCores } from './cpu-cores.js';
export { chooseNodeDevice, cudaProviderInstalled, describeDeviceChoice, NODE_DEVICES, type DeviceChoice, type NodeDevice, type NodeDeviceRequest } from './device.js';
export { probeExecutionProvider, type ProbeResult } from './device-probe.js';
export { conceptTokenizer, loadConceptTokenizer } from './tokenizer.js';
export { bundledManifest, bundledSetDirectory, bundledSetPackage, TINY_MODELS_PACKAGE } from './bundled.js';
export * from './store/index.js';
export * from './concepts/index.js';
export { writeFileAtomic } from './atomic-file.js';
export { measureDtypeDrift, type DtypeDriftOptions, type DtypeDriftReport } from './dtype-drift.js';
export {
  openOutputFile,
  OutputTargetError,
  resolveOutputTarget,
  temporaryPathFor,
  type OpenOutputOptions,
  type OutputFile,
  type OutputTarget,
} from './output-file.js';
