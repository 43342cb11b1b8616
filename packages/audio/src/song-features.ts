import { InvalidValueError } from '@refractor/core';
import { CropPlanner, DEFAULT_CROP, type CropMode, type CropOptions } from './crop.js';
import { CropFrameCache } from './crop-frame-cache.js';
import { downmix } from './downmix.js';
import { AudioDecodeError, UNNAMED_INPUT } from './errors.js';
import { cropOffsetRange, type ClapFeatureExtractor, type ClapPadding } from './features/index.js';
import type { PcmBlock } from './pcm.js';
import { StreamingResampler } from './resample/index.js';
import { SlidingBuffer } from './sliding-buffer.js';
import { DEFAULT_CHUNKING, chunkGeometry, placeChunk, type ChunkGeometry, type ChunkPlacement, type ChunkingOptions } from './window.js';

/** Options for {@link songChunkFeatures} and {@link ChunkFeaturizer}. */
export interface SongFeatureOptions extends ChunkingOptions, CropOptions {
  /** Names the input in errors. */
  name?: string;
  /**
   * Audio shorter than this is refused as `too-short` (default 1 s): CLAP would
   * see almost nothing but padding, and such inputs are nearly always broken files.
   */
  minDurationS?: number;
  /**
   * How CLAP pads a window shorter than its 10 s (only with chunks under 10 s):
   * `pad` (zeros; the original wrapper passed `padding=True`, the default) or
   * the checkpoint's `repeatpad`/`repeat`.
   */
  padding?: ClapPadding;
  /**
   * Compute each log-mel frame that overlapping crops share once per song and copy it
   * into every crop that holds it (default true). The features are bit-identical either
   * way; `false` computes every crop on its own (for comparisons and benchmarks).
   * Sharing applies only where crops sit on one frame grid: see {@link sharesCropFrames}.
   */
  shareFrames?: boolean;
}

/**
 * Whether {@link ChunkFeaturizer} shares log-mel frames between crops with these settings
 * (when `shareFrames` is not false). Frames can be shared only when every crop starts on
 * the same hop grid and consecutive crops overlap; every other case falls back to
 * computing each crop on its own:
 * - `fusion` checkpoints: the features come from a whole-chunk mel, not from a crop;
 * - chunks not longer than CLAP's 10 s crop: each chunk is padded (zeros, or repeated
 *   copies of itself) to 10 s, so its frames are not the song's frames;
 * - `random` crops: each chunk's offset is drawn anew, so two crops start on the same hop
 *   grid only by chance (1 in 480);
 * - a stride that is not a whole number of hops (e.g. 5.005 s): consecutive crops' frames
 *   sit on different grids;
 * - a stride of at least 10 s: crops do not overlap, there is nothing to share.
 *
 * @example
 * ```ts
 * sharesCropFrames(extractor, chunkGeometry({}), 'start');  // true: 500 of 1001 frames shared
 * sharesCropFrames(extractor, chunkGeometry({}), 'random'); // false
 * ```
 */
export function sharesCropFrames(extractor: ClapFeatureExtractor, geometry: ChunkGeometry, crop: CropMode): boolean {
  const { chunkSamples, strideSamples } = geometry;
  return (
    extractor.truncation === 'rand_trunc' &&
    chunkSamples > extractor.cropSamples &&
    crop !== 'random' &&
    strideSamples % extractor.config.hop_length === 0 &&
    strideSamples < extractor.cropSamples
  );
}

/**
 * Chunking and crop options with the defaults filled in, as results record
 * them (Node and browsers use this so both report the same settings).
 */
export function songFeatureSettings(options: ChunkingOptions & CropOptions = {}): Required<ChunkingOptions & CropOptions> {
  return {
    chunkSizeS: options.chunkSizeS ?? DEFAULT_CHUNKING.chunkSizeS,
    chunkStrideS: options.chunkStrideS ?? DEFAULT_CHUNKING.chunkStrideS,
    crop: options.crop ?? DEFAULT_CROP.crop,
    seed: options.seed ?? DEFAULT_CROP.seed,
  };
}

/** The features of one chunk, with where it sits in the song. */
export interface ChunkFeatures extends ChunkPlacement {
  /** rand_trunc: where CLAP's window starts inside the (zero-padded) chunk, in samples; null for fusion. */
  cropOffset: number | null;
  /** fusion: the front/middle/back crop starts in mel frames; null for rand_trunc. */
  fusionOffsets: readonly [number, number, number] | null;
  /** `[channels, frames, melBins]` row-major: `[1, 1001, 64]` for rand_trunc checkpoints. */
  features: Float32Array;
}

/** What is known once the whole song has gone through. */
export interface SongFeatureSummary {
  sourceSampleRate: number;
  /** Mono samples at the model's rate. */
  totalSamples: number;
  durationS: number;
  chunkCount: number;
}

/**
 * The feature pipeline after decoding, as a state machine: push mono audio
 * at its source rate, get chunk features as soon as each chunk is complete.
 * It resamples to the extractor's rate, cuts chunks with the original's
 * semantics (see {@link chunkStarts}), crops each to CLAP's window and
 * computes its log-mel; memory is bounded by one chunk, not by the song.
 * Pure computation: it runs in-thread or inside a worker alike.
 *
 * @example
 * ```ts
 * const featurizer = new ChunkFeaturizer(extractor, 44100, { crop: 'center' });
 * for (const block of monoBlocks) for (const chunk of featurizer.push(block)) use(chunk);
 * for (const chunk of featurizer.finish()) use(chunk);
 * ```
 */
export class ChunkFeaturizer {
  private readonly name: string;
  private readonly geometry: ChunkGeometry;
  private readonly crops: CropPlanner;
  private readonly minDurationS: number;
  private readonly padding: ClapPadding;
  private readonly resampler: StreamingResampler;
  private readonly buffer = new SlidingBuffer();
  private readonly window: Float32Array;
  /** Log-mel rows shared between overlapping crops; absent where sharing falls back (see sharesCropFrames). */
  private readonly frameCache: CropFrameCache | undefined;
  private nextIndex = 0;
  private finished = false;

  constructor(
    private readonly extractor: ClapFeatureExtractor,
    readonly sourceSampleRate: number,
    options: SongFeatureOptions = {},
  ) {
    this.name = options.name ?? UNNAMED_INPUT;
    this.geometry = chunkGeometry(options, extractor.config.sampling_rate);
    this.crops = new CropPlanner(options);
    this.minDurationS = options.minDurationS ?? 1;
    if (!(this.minDurationS >= 0)) throw new InvalidValueError('minDurationS', this.minDurationS, 'a number of seconds >= 0');
    this.padding = options.padding ?? 'pad';
    this.resampler = new StreamingResampler(sourceSampleRate, extractor.config.sampling_rate);
    // rand_trunc crops inside the chunk; fusion (and chunks shorter than a crop) see the whole chunk.
    const seesWholeChunk = extractor.truncation === 'fusion' || this.geometry.chunkSamples <= extractor.cropSamples;
    this.window = new Float32Array(seesWholeChunk ? this.geometry.chunkSamples : extractor.cropSamples);
    const share = options.shareFrames ?? true;
    this.frameCache = share && sharesCropFrames(extractor, this.geometry, this.crops.mode) ? new CropFrameCache(extractor) : undefined;
  }

  /** Log-mel rows computed and reused so far by frame sharing; null when this song's settings fall back. */
  get frameStats(): { computed: number; reused: number } | null {
    return this.frameCache ? { ...this.frameCache.stats } : null;
  }

  /** Adds mono audio at the source rate; returns the chunks it completes. */
  push(mono: Float32Array): ChunkFeatures[] {
    if (this.finished) throw new Error('ChunkFeaturizer.push after finish');
    this.buffer.append(this.resampler.process(mono));
    const chunks: ChunkFeatures[] = [];
    // A chunk is complete once the audio reaches its end; that also proves the
    // song is longer than one chunk, so chunks after the first exist.
    while (this.buffer.end >= this.nextStart() + this.geometry.chunkSamples) chunks.push(this.emit(undefined));
    return chunks;
  }

  /** Ends the song: returns the remaining chunks (zero-padded) and a summary. */
  finish(): { chunks: ChunkFeatures[]; summary: SongFeatureSummary } {
    this.finished = true;
    this.buffer.append(this.resampler.flush());
    const totalSamples = this.buffer.end;
    const durationS = totalSamples / this.geometry.sampleRate;
    if (durationS < this.minDurationS) {
      throw new AudioDecodeError(this.name, 'too-short', `${durationS.toFixed(4)} s of audio; need at least ${this.minDurationS} s to classify`);
    }
    const lastStart = totalSamples <= this.geometry.chunkSamples ? 0 : totalSamples - 1;
    const chunks: ChunkFeatures[] = [];
    while (this.nextIndex === 0 || this.nextStart() <= lastStart) chunks.push(this.emit(totalSamples));
    return {
      chunks,
      summary: { sourceSampleRate: this.sourceSampleRate, totalSamples, durationS, chunkCount: this.nextIndex },
    };
  }

  private nextStart(): number {
    return this.nextIndex * this.geometry.strideSamples;
  }

  private emit(totalSamples: number | undefined): ChunkFeatures {
    const { extractor, geometry, window } = this;
    const startSample = this.nextStart();
    let cropOffset: number | null = null;
    let fusionOffsets: readonly [number, number, number] | null = null;
    let features: Float32Array;
    if (window.length === extractor.cropSamples && extractor.truncation === 'rand_trunc') {
      const range = cropOffsetRange(geometry.chunkSamples, extractor.cropSamples);
      cropOffset = range ? this.crops.pick(range) : 0;
      const cropStart = startSample + cropOffset;
      // A crop made only of held audio is read in place (the extractor only reads it): saves
      // copying 480 000 samples per chunk. One that reaches past the audio gets the zero padding.
      let crop = this.buffer.view(cropStart, window.length);
      if (!crop) {
        this.buffer.copyInto(window, cropStart);
        crop = window;
      }
      // buffer.end is the end of the audio (known so far): the cache never keeps a row that reaches the zeros after it.
      features = this.frameCache ? this.frameCache.logMel(crop, cropStart, this.buffer.end) : extractor.logMel(crop);
    } else {
      this.buffer.copyInto(window, startSample);
      const ranges = extractor.offsetRanges(window.length);
      if (ranges?.truncation === 'fusion') {
        const [front, middle, back] = ranges.fusion;
        fusionOffsets = [this.crops.pick(front), this.crops.pick(middle), this.crops.pick(back)];
      }
      const result = extractor.extract(window, { padding: this.padding, ...(fusionOffsets ? { fusionOffsets } : {}) });
      features = result.features;
      cropOffset = extractor.truncation === 'rand_trunc' ? 0 : null;
    }
    const placement = placeChunk(this.nextIndex, startSample, totalSamples ?? this.buffer.end, geometry);
    this.nextIndex += 1;
    this.buffer.dropBefore(this.nextStart());
    return { ...placement, cropOffset, fusionOffsets, features };
  }
}

/**
 * Streams a song's chunk features from decoded blocks: downmix to mono (as
 * librosa), then {@link ChunkFeaturizer}. Yields chunks in song order as soon
 * as each is complete, so an encoder can batch them while the rest decodes.
 *
 * @example
 * ```ts
 * const extractor = new ClapFeatureExtractor(LARGER_CLAP_MUSIC_PREPROCESSOR);
 * for await (const chunk of songChunkFeatures(await openAudioFile('song.ogg'), extractor)) {
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
  let featurizer: ChunkFeaturizer | undefined;
  for await (const block of blocks) {
    featurizer ??= new ChunkFeaturizer(extractor, block.sampleRate, options);
    yield* featurizer.push(downmix(block.channels));
  }
  if (!featurizer) throw new AudioDecodeError(options.name ?? UNNAMED_INPUT, 'no-audio', 'the input decodes to 0 samples');
  const { chunks, summary } = featurizer.finish();
  yield* chunks;
  onSummary?.(summary);
}
