import { InvalidValueError } from '@refractor/core';
import { CropPlanner, type CropOptions } from './crop.js';
import { downmix } from './downmix.js';
import { AudioDecodeError, UNNAMED_INPUT } from './errors.js';
import type { ClapFeatureExtractor } from './features/index.js';
import type { PcmBlock } from './pcm.js';
import { StreamingResampler } from './resample/index.js';
import { chunkGeometry, placeChunk, type ChunkPlacement, type ChunkingOptions } from './window.js';

/** Options for {@link songChunkFeatures}. */
export interface SongFeatureOptions extends ChunkingOptions, CropOptions {
  /** Names the input in errors. */
  name?: string;
  /**
   * Audio shorter than this is refused as `too-short` (default 1 s): CLAP would
   * see almost nothing but padding, and such inputs are nearly always broken files.
   */
  minDurationS?: number;
}

/** The features of one chunk, with where it sits in the song. */
export interface ChunkFeatures extends ChunkPlacement {
  /** Where CLAP's window starts inside the (zero-padded) chunk, in samples at 48 kHz. */
  cropOffset: number;
  /** `[channels, frames, melBins]` row-major: `[1, 1001, 64]` for rand_trunc checkpoints. */
  features: Float32Array;
}

/** Summary available when the stream has been consumed. */
export interface SongFeatureSummary {
  sourceSampleRate: number;
  sourceChannels: number;
  /** Mono samples at the model's rate. */
  totalSamples: number;
  durationS: number;
  chunkCount: number;
}

/**
 * Mono audio at the model's rate, held only from the oldest chunk still
 * needed: memory is bounded by one chunk, not by the song.
 */
class SlidingBuffer {
  private data = new Float32Array(0);
  private length = 0;
  /** Absolute sample index of data[0]. */
  origin = 0;

  get end(): number {
    return this.origin + this.length;
  }

  append(samples: Float32Array): void {
    if (this.length + samples.length > this.data.length) {
      const grown = new Float32Array(Math.max(this.length + samples.length, this.data.length * 2, 1 << 16));
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    this.data.set(samples, this.length);
    this.length += samples.length;
  }

  /** Forgets samples before absolute index `from`. */
  dropBefore(from: number): void {
    const drop = Math.min(Math.max(from - this.origin, 0), this.length);
    if (drop === 0) return;
    this.data.copyWithin(0, drop, this.length);
    this.length -= drop;
    this.origin += drop;
  }

  /** Copies [from, from + out.length) into `out`, zeros where there is no audio (the padding). */
  copyInto(out: Float32Array, from: number): void {
    out.fill(0);
    const begin = Math.max(from, this.origin);
    const stop = Math.min(from + out.length, this.end);
    if (stop > begin) out.set(this.data.subarray(begin - this.origin, stop - this.origin), begin - from);
  }
}

/**
 * Streams a song's chunk features: downmix to mono (as librosa), resample to
 * the extractor's rate, cut 30 s / 5 s chunks with the original's semantics,
 * crop each to CLAP's 10 s window and compute its log-mel. Yields chunks in
 * song order as soon as each is complete, so an encoder can batch them while
 * the rest of the song decodes; memory stays bounded by one chunk.
 *
 * @example
 * ```ts
 * const stream = await openAudioFile('song.ogg');
 * const extractor = new ClapFeatureExtractor(LARGER_CLAP_MUSIC_PREPROCESSOR);
 * for await (const chunk of songChunkFeatures(stream, extractor, { crop: 'center' })) {
 *   console.log(chunk.index, chunk.start_s, chunk.features.length); // 0 0 64064
 * }
 * ```
 */
export async function* songChunkFeatures(
  blocks: AsyncIterable<PcmBlock>,
  extractor: ClapFeatureExtractor,
  options: SongFeatureOptions = {},
  onSummary?: (summary: SongFeatureSummary) => void,
): AsyncGenerator<ChunkFeatures> {
  const name = options.name ?? UNNAMED_INPUT;
  const sampleRate = extractor.config.sampling_rate;
  const geometry = chunkGeometry(options, sampleRate);
  const crops = new CropPlanner(options, extractor.cropSamples);
  const minDurationS = options.minDurationS ?? 1;
  if (!(minDurationS >= 0)) throw new InvalidValueError('minDurationS', minDurationS, 'a number of seconds >= 0');

  const buffer = new SlidingBuffer();
  const window = new Float32Array(extractor.cropSamples);
  let resampler: StreamingResampler | undefined;
  let sourceSampleRate = 0;
  let sourceChannels = 0;
  let nextIndex = 0;

  const emit = (totalSamples: number | undefined): ChunkFeatures => {
    const startSample = nextIndex * geometry.strideSamples;
    const cropOffset = crops.next(geometry.chunkSamples);
    buffer.copyInto(window, startSample + cropOffset);
    const features = extractor.logMel(window);
    const placement = placeChunk(nextIndex, startSample, totalSamples ?? buffer.end, geometry);
    nextIndex += 1;
    buffer.dropBefore(nextIndex * geometry.strideSamples);
    return { ...placement, cropOffset, features };
  };

  for await (const block of blocks) {
    if (!resampler) {
      sourceSampleRate = block.sampleRate;
      sourceChannels = block.channels.length;
      resampler = new StreamingResampler(sourceSampleRate, sampleRate);
    }
    buffer.append(resampler.process(downmix(block.channels)));
    // A chunk is complete once the audio reaches its end; that also proves the
    // song is longer than one chunk, so chunks after the first exist.
    while (buffer.end >= nextIndex * geometry.strideSamples + geometry.chunkSamples) yield emit(undefined);
  }
  if (!resampler) throw new AudioDecodeError(name, 'no-audio', 'the input decodes to 0 samples');
  buffer.append(resampler.flush());
  const totalSamples = buffer.end;
  const durationS = totalSamples / sampleRate;
  if (durationS < minDurationS) {
    throw new AudioDecodeError(
      name,
      'too-short',
      `${durationS.toFixed(4)} s of audio; need at least ${minDurationS} s to classify`,
    );
  }
  const lastStart = totalSamples <= geometry.chunkSamples ? 0 : totalSamples - 1;
  while (nextIndex === 0 || nextIndex * geometry.strideSamples <= lastStart) yield emit(totalSamples);
  onSummary?.({ sourceSampleRate, sourceChannels, totalSamples, durationS, chunkCount: nextIndex });
}
