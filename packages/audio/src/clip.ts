import { CropPlanner, type CropOptions } from './crop.js';
import type { ClapFeatureExtractor, ClapPadding } from './features/index.js';
import { cropOffsetRange } from './features/index.js';
import { resample } from './resample/index.js';

/**
 * The CLAP input of ONE clip, as the original wrapper embedded a waveform:
 * resampled to the extractor's rate, one 10 s crop (`crop`/`seed`) when
 * longer, padded when shorter (`pad` as the original wrapper, or the
 * checkpoint's `repeatpad`). Node and browsers share it.
 *
 * @example
 * ```ts
 * const features = clipFeatures(extractor, mono, 44100, { crop: 'center' }); // [1, 1001, 64]
 * ```
 */
export function clipFeatures(
  extractor: ClapFeatureExtractor,
  waveform: Float32Array,
  sampleRate: number,
  options: CropOptions & { padding?: ClapPadding } = {},
): Float32Array {
  const rate = extractor.config.sampling_rate;
  const audio = sampleRate === rate ? waveform : resample(waveform, sampleRate, rate);
  const range = cropOffsetRange(audio.length, extractor.cropSamples);
  const cropOffset = range ? new CropPlanner(options).pick(range) : 0;
  return extractor.extract(audio, { cropOffset, padding: options.padding ?? 'pad' }).features;
}
