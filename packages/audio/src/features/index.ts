/**
 * CLAP log-mel features: a TypeScript port of Hugging Face transformers'
 * `ClapFeatureExtractor` (rand_trunc and fusion), matching it to ≤ 1e-3 dB.
 *
 * @example
 * ```ts
 * import { ClapFeatureExtractor, LARGER_CLAP_MUSIC_PREPROCESSOR } from './features/index.js';
 * const extractor = new ClapFeatureExtractor(LARGER_CLAP_MUSIC_PREPROCESSOR);
 * const mel = extractor.logMel(tenSecondsAt48k); // Float32Array(1001 * 64), [frame][mel]
 * ```
 *
 * @packageDocumentation
 */
export {
  CLAP_PADDINGS,
  CLAP_TRUNCATIONS,
  LARGER_CLAP_MUSIC_PREPROCESSOR,
  parseClapPreprocessorConfig,
  type ClapFeatureConfig,
  type ClapPadding,
  type ClapTruncation,
} from './config.js';
export {
  ClapFeatureExtractor,
  type ClapExtractOptions,
  type ClapExtractResult,
  type ClapOffsetRanges,
} from './extractor.js';
export { bilinearShrinkFrames, stackFusionChannels } from './fusion.js';
export { LogMelSpectrogram, MEL_POWER_FLOOR, powerToDb, type LogMelOptions } from './log-mel.js';
export {
  hertzToMel,
  melFilterBank,
  melToHertz,
  sparsifyMelFilters,
  type MelFilterBankOptions,
  type MelNorm,
  type MelScale,
  type SparseMelFilters,
} from './mel-filters.js';
export { centerOffset, cropOffsetRange, fusionOffsetRanges, isInRange, type OffsetRange } from './offsets.js';
export { padToLength } from './padding.js';
export { RealFft } from './real-fft.js';
export { PowerSpectrogram } from './stft.js';
export { periodicHannWindow } from './window.js';
