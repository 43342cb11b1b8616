import { InvalidValueError } from '@refractor/core';
import { convolveExact, convolveExactPairs, convolveInterpolated, type KernelRun } from './kernels.js';
import { planResampler, type ResamplerPlan } from './plan.js';
import { assertDownsamplingRatio, assertSampleRate, ceilDiv } from './rates.js';
import { simdKernel, type SimdKernel } from './simd-kernel.js';

/**
 * Why hand-written: the WASM port of libsamplerate (`@alexanderolsen/libsamplerate-js` 2.1.2)
 * measured on the 2-core target machine at 44.1 → 48 kHz mono, 60 s of audio, took 2.8 s
 * (SINC_BEST), 0.9 s (MEDIUM) and 0.4 s (FASTEST), i.e. 1.6 to 11 s for a 4-minute song against
 * a budget of 1.5 s for decode + resample + features; and its `simple()` comes back short for
 * inputs over 4 MB. bench/resample.bench.mjs re-measured 240 s: 9.4–10.7 s, 3.1–4.2 s and
 * 1.6–1.7 s, 156, 51 and 21 samples short. This polyphase Kaiser resampler streams the same
 * 240 s in 0.30–0.39 s with ≥ 100 dB rejection of every image or alias landing in 0–20 kHz.
 */

/** Input samples appended to the history per kernel call; bounds memory whatever the block size. */
const CHUNK_SAMPLES = 8192;
const NO_SAMPLES = new Float32Array(0);

/** Options for {@link StreamingResampler}. */
export interface StreamingResamplerOptions {
  /**
   * Run the dot products in WebAssembly SIMD where the runtime has it (default true): about 3×
   * less CPU. The output is bit-identical either way; `false` keeps the JS kernels (for
   * comparisons and benchmarks). See {@link StreamingResampler.kernel} for what runs.
   * @defaultValue true
   */
  simd?: boolean;
}

/** What a {@link StreamingResampler} does to the signal (all figures by design; see the bench). */
export interface ResamplerDesign {
  /** Top of the ±0.01 dB passband, Hz. */
  readonly passbandHz: number;
  /** Where ≥ 100 dB rejection starts, Hz (anything above it that would alias is removed). */
  readonly stopbandHz: number;
  /** −6 dB point of the lowpass, Hz. */
  readonly cutoffHz: number;
  /** Multiply-adds per output sample (×2 when `interpolated`). */
  readonly tapsPerPhase: number;
  /** Kaiser window β. */
  readonly beta: number;
  /** L and M: `up` output samples per `down` input samples, in lowest terms. */
  readonly up: number;
  readonly down: number;
  /** Whether phases are interpolated between table rows (huge L) rather than looked up. */
  readonly interpolated: boolean;
  /** Input samples that must arrive after an output's instant before it can be emitted (K/2). */
  readonly lookaheadSamples: number;
}

/**
 * Streaming sample-rate converter for mono float32 audio: a rational-ratio polyphase
 * Kaiser-windowed-sinc filter with zero delay. Output sample k is the band-limited input at time
 * k / outputRate exactly; after {@link flush} the total length is ceil(n · outputRate / inputRate)
 * for n input samples (librosa.resample's length), the input being taken as zero outside [0, n).
 * The output is bitwise the same however the input is split into blocks. Equal rates pass samples
 * through unchanged. Memory: the coefficient table, shared by instances with the same rates
 * (23 KiB for 44.1 kHz; at most ~2.5 MiB for any 8–384 kHz input to 48 kHz), plus ~33 KiB of
 * history per instance, whatever the block sizes.
 *
 * @example
 * const resampler = new StreamingResampler(44100, 48000);
 * const parts = [];
 * for (const block of decodedBlocks) parts.push(resampler.process(block));
 * parts.push(resampler.flush()); // the rest; the resampler is then ready for a new stream
 */
export class StreamingResampler {
  /** The design in use, or null when the rates are equal (samples pass through). */
  readonly design: ResamplerDesign | null;
  /**
   * What computes the outputs: `'simd'` (WebAssembly SIMD), `'js'` (the option was false, or this
   * runtime has no WebAssembly SIMD) or `'none'` (equal rates: samples pass through).
   */
  readonly kernel: 'simd' | 'js' | 'none';

  private readonly plan: ResamplerPlan | null;
  /** K/2 − 1: taps before an output's position (K/2 after it). */
  private readonly tapsBefore: number;
  private readonly tapsAfter: number;
  /** Input samples from absolute index `historyStart` on: the window the next outputs need. */
  private readonly history: Float32Array;
  private historyStart = 0;
  private historyLength = 0;
  /** Input samples received since construction or the last flush. */
  private inputCount = 0;
  /** The next output's position is nextIndex + nextPhase / L input samples. */
  private nextIndex = 0;
  private nextPhase = 0;
  private readonly simd: SimdKernel | null;

  /**
   * @param inputRate - Sample rate of the blocks you will pass, Hz (integer, 1000 … 768000).
   * @param outputRate - Sample rate wanted, Hz (integer, 1000 … 768000, at least inputRate / 16),
   *   e.g. 48000 for CLAP.
   * @param options - `simd: false` to keep the JS kernels.
   * @throws InvalidValueError naming `inputRate` or `outputRate` when it is not such an integer.
   */
  constructor(
    readonly inputRate: number,
    readonly outputRate: number,
    options: StreamingResamplerOptions = {},
  ) {
    assertSampleRate(inputRate, 'inputRate');
    assertSampleRate(outputRate, 'outputRate');
    assertDownsamplingRatio(inputRate, outputRate);
    if (inputRate === outputRate) {
      this.plan = null;
      this.design = null;
      this.tapsBefore = 0;
      this.tapsAfter = 0;
      this.history = NO_SAMPLES;
      this.simd = null;
      this.kernel = 'none';
      return;
    }
    this.simd = options.simd === false ? null : simdKernel();
    this.kernel = this.simd ? 'simd' : 'js';
    const plan = planResampler(inputRate, outputRate);
    const taps = plan.table.tapsPerPhase;
    this.plan = plan;
    this.tapsBefore = taps / 2 - 1;
    this.tapsAfter = taps / 2;
    this.design = {
      passbandHz: plan.bands.passbandHz,
      stopbandHz: plan.bands.stopbandHz,
      cutoffHz: plan.lowpass.cutoff * inputRate,
      tapsPerPhase: taps,
      beta: plan.lowpass.beta,
      up: plan.ratio.up,
      down: plan.ratio.down,
      interpolated: plan.table.interpolated,
      lookaheadSamples: this.tapsAfter,
    };
    // After each kernel call fewer than K samples are kept (the next output's window), and one
    // chunk (at least K/2 zeros at flush) is appended before the next call.
    this.history = new Float32Array(taps + Math.max(CHUNK_SAMPLES, taps));
    this.reset();
  }

  /**
   * Feeds the next `block` of input and returns every output sample that can now be computed.
   * While priming (the first K/2 input samples) and for tiny blocks that can be fewer than
   * ratio × block.length, or none; {@link flush} returns what is still owed.
   *
   * @example
   * const resampler = new StreamingResampler(96000, 48000);
   * const out = resampler.process(new Float32Array(9600)); // 4780 samples: the last 20 need 40 more inputs
   */
  process(block: Float32Array): Float32Array {
    assertBlock(block, 'block');
    if (this.plan === null) {
      this.inputCount += block.length;
      return block.slice();
    }
    const out = new Float32Array(this.outputsBefore(this.inputCount + block.length - this.tapsAfter));
    this.consume(block, out);
    return out;
  }

  /**
   * Ends the stream: returns the remaining output samples (computed as if the input were followed
   * by zeros) so the total is exactly ceil(n · outputRate / inputRate), then resets the resampler
   * for a new stream. Passing the last block here is the same as `process(lastBlock)` followed by
   * `flush()`, concatenated, without the extra copy.
   *
   * @example
   * const resampler = new StreamingResampler(44100, 48000);
   * const out = resampler.flush(new Float32Array(44100)); // out.length === 48000
   */
  flush(lastBlock: Float32Array = NO_SAMPLES): Float32Array {
    assertBlock(lastBlock, 'lastBlock');
    if (this.plan === null) {
      this.inputCount = 0;
      return lastBlock.slice();
    }
    const out = new Float32Array(this.outputsBefore(this.inputCount + lastBlock.length));
    const written = this.consume(lastBlock, out);
    // The outputs still owed have taps up to K/2 samples past the end: supply zeros.
    this.append(new Float32Array(this.tapsAfter));
    this.emit(out, written, out.length - written);
    this.reset();
    return out;
  }

  /**
   * Forgets any buffered input and starts a new stream (flush does this itself).
   *
   * @example
   * resampler.reset(); // discard a half-processed stream
   */
  reset(): void {
    this.inputCount = 0;
    this.nextIndex = 0;
    this.nextPhase = 0;
    // The input is zero before sample 0: the first output's left taps read these zeros.
    this.historyStart = -this.tapsBefore;
    this.historyLength = this.tapsBefore;
    this.history.fill(0, 0, this.tapsBefore);
  }

  /** Appends `block` chunk by chunk, writing each chunk's ready outputs to `out`; returns the count. */
  private consume(block: Float32Array, out: Float32Array): number {
    let written = 0;
    for (let start = 0; start < block.length; start += CHUNK_SAMPLES) {
      const chunk = block.subarray(start, Math.min(block.length, start + CHUNK_SAMPLES));
      this.append(chunk);
      this.inputCount += chunk.length;
      const ready = this.outputsBefore(this.inputCount - this.tapsAfter);
      this.emit(out, written, ready);
      written += ready;
    }
    return written;
  }

  /**
   * How many outputs, starting with the next, lie at positions before input index `limit`
   * (count of j ≥ 0 with nextIndex + (nextPhase + j·M)/L < limit). Relative to the next output,
   * so the products stay small however long the stream.
   */
  private outputsBefore(limit: number): number {
    const { up, down } = this.plan!.ratio;
    const span = (limit - this.nextIndex) * up - this.nextPhase;
    return span > 0 ? ceilDiv(span, down) : 0;
  }

  /** Drops history older than the next output's first tap, then appends `samples`. */
  private append(samples: Float32Array): void {
    const firstNeeded = this.nextIndex - this.tapsBefore;
    const drop = Math.min(firstNeeded - this.historyStart, this.historyLength);
    if (drop > 0) {
      this.history.copyWithin(0, drop, this.historyLength);
      this.historyStart += drop;
      this.historyLength -= drop;
    }
    this.history.set(samples, this.historyLength);
    this.historyLength += samples.length;
  }

  /** Computes `count` outputs into `out[offset…]` and advances the position past them. */
  private emit(out: Float32Array, offset: number, count: number): void {
    if (count === 0) return;
    const { ratio, table } = this.plan!;
    const { coefficients, tapsPerPhase } = table;
    const run: KernelRun = {
      firstTap: this.nextIndex - this.tapsBefore - this.historyStart,
      phase: this.nextPhase,
      phases: ratio.up,
      stepWhole: Math.floor(ratio.down / ratio.up),
      stepPhase: ratio.down % ratio.up,
    };
    if (this.simd) {
      this.simd.convolve(table, this.history, this.historyLength, run, out, offset, count);
    } else if (table.interpolated) {
      convolveInterpolated(this.history, coefficients, tapsPerPhase, table.rowsPerSample, run, out, offset, count);
    } else if (run.stepWhole === 0) {
      convolveExactPairs(this.history, coefficients, tapsPerPhase, run, out, offset, count);
    } else {
      convolveExact(this.history, coefficients, tapsPerPhase, run, out, offset, count);
    }
    const phaseSum = this.nextPhase + count * run.stepPhase;
    const carry = Math.floor(phaseSum / ratio.up);
    this.nextIndex += count * run.stepWhole + carry;
    this.nextPhase = phaseSum - carry * ratio.up;
  }
}

/** Checks the tag rather than `instanceof`, so Float32Arrays from another realm (iframe, vm) pass. */
function assertBlock(block: unknown, field: string): void {
  if (Object.prototype.toString.call(block) !== '[object Float32Array]') {
    throw new InvalidValueError(field, block, 'a Float32Array of mono samples');
  }
}
