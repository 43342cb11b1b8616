/**
 * The log-mel hot loop (windowed FFT → |X|² → mel sums) in WebAssembly SIMD, two frames at a time
 * (simd-spectrogram.wat). Bit-identical to the JS path (RealFft.powerComplex64 + the mel
 * projection), which stays as the fallback and for the reflect-padded edge frames.
 *
 * Measured on a 4-minute song (bench/features.bench.mjs): the log-mel of its ~24 000 frames took
 * ~0.16 s of CPU in JS; see the closing figures of issue #23 for this kernel's.
 */
import { decodeBase64, instantiateWasm, reserveMemory, type WasmMemory } from '../wasm.js';
import type { SparseMelFilters } from './mel-filters.js';
import { RealFft } from './real-fft.js';
import { SIMD_SPECTROGRAM_BASE64 } from './simd-spectrogram-bytes.js';
import { periodicHannWindow } from './window.js';

interface SpectrogramExports {
  memory: WasmMemory;
  init(
    size: number, bins: number, melBins: number,
    window: number, blockStarts: number, twiddles: number, split: number,
    melStart: number, melEnd: number, melOffset: number, weights: number,
    re: number, im: number, power: number,
  ): void;
  melSums(signal: number, hop: number, count: number, out: number): void;
}

/**
 * Frames per kernel call. Bounds the module's memory: the frames' samples (float32) and their sums
 * (float64) are ~2.5 MiB at 1024 frames of hop 480 and 64 mel bins.
 */
const BATCH_FRAMES = 1024;

/** Rounds a byte offset up to 16 (v128 loads need no alignment, but aligned ones are faster). */
const align16 = (bytes: number): number => (bytes + 15) & ~15;

let decodedModule: Uint8Array | undefined;

/**
 * Mel filter sums of interior STFT frames (frames that read no padding), as the JS path computes
 * them before its log. One instance holds its own WebAssembly memory (~3 MiB at most); not
 * re-entrant, like the JS path's scratch.
 *
 * @example
 * ```ts
 * const kernel = SimdMelSums.create(1024, 480, filters.binLimit, filters); // null → JS path
 * const sums = kernel.compute(signal, 4800 - 512, 100); // frames 10…109: 100 × melBins float64
 * ```
 */
export class SimdMelSums {
  private f32: Float32Array;
  private f64: Float64Array;

  private constructor(
    private readonly exports: SpectrogramExports,
    private readonly fftSize: number,
    private readonly hop: number,
    private readonly melBins: number,
    /** First free byte after the fixed tables: the batch's samples go here. */
    private readonly dynamicStart: number,
  ) {
    this.f32 = new Float32Array(exports.memory.buffer);
    this.f64 = new Float64Array(exports.memory.buffer);
  }

  /**
   * A kernel for frames of `fftSize` samples every `hopLength`, bins `[0, bins)` and the sparse
   * mel bank `filters`, or null where this runtime cannot run WebAssembly SIMD (no WebAssembly,
   * no SIMD, or a CSP that forbids compiling it) or `fftSize` is under 16. `bytes` replaces the
   * checked-in module (tests).
   *
   * @example
   * ```ts
   * SimdMelSums.create(1024, 480, 299, filters) !== null; // true on Node ≥ 16.4 and current browsers
   * ```
   */
  static create(fftSize: number, hopLength: number, bins: number, filters: SparseMelFilters, bytes?: Uint8Array): SimdMelSums | null {
    if (fftSize < 16) return null;
    const exports = instantiateWasm(bytes ?? (decodedModule ??= decodeBase64(SIMD_SPECTROGRAM_BASE64))) as SpectrogramExports | null;
    if (!exports) return null;
    const half = fftSize / 2;
    const { blockStarts, twiddles, splitTwiddles } = new RealFft(fftSize).tables();
    const melBins = filters.numMelFilters;
    // Fixed tables, in the order init() takes them.
    const window = 0;
    const blocks = align16(window + fftSize * 8);
    const twiddleAt = align16(blocks + blockStarts.length * 4);
    const split = align16(twiddleAt + twiddles.length * 8);
    const melStart = align16(split + splitTwiddles.length * 8);
    const melEnd = align16(melStart + melBins * 4);
    const melOffset = align16(melEnd + melBins * 4);
    const weights = align16(melOffset + melBins * 4);
    const re = align16(weights + filters.weights.length * 8);
    const im = re + half * 16;
    const power = im + half * 16;
    const dynamicStart = power + bins * 16;
    reserveMemory(exports.memory, dynamicStart);
    const buffer = exports.memory.buffer;
    new Float64Array(buffer, window, fftSize).set(periodicHannWindow(fftSize));
    new Int32Array(buffer, blocks, blockStarts.length).set(blockStarts);
    new Float64Array(buffer, twiddleAt, twiddles.length).set(twiddles);
    new Float64Array(buffer, split, splitTwiddles.length).set(splitTwiddles);
    new Int32Array(buffer, melStart, melBins).set(filters.start.subarray(0, melBins));
    new Int32Array(buffer, melEnd, melBins).set(filters.end.subarray(0, melBins));
    new Int32Array(buffer, melOffset, melBins).set(filters.offset.subarray(0, melBins));
    new Float64Array(buffer, weights, filters.weights.length).set(filters.weights);
    exports.init(fftSize, bins, melBins, window, blocks, twiddleAt, split, melStart, melEnd, melOffset, weights, re, im, power);
    return new SimdMelSums(exports, fftSize, hopLength, melBins, dynamicStart);
  }

  /**
   * The mel sums of `count` frames whose first starts at sample `firstStart` of `signal`, the next
   * `hop` later, each wholly inside the signal. Returns `count × melBins` float64 sums (a view of
   * the module's memory, valid until the next call), at most {@link SimdMelSums.batchFrames}
   * frames per call.
   *
   * @example
   * ```ts
   * const sums = kernel.compute(signal, 0, 2); // frames starting at samples 0 and 480
   * ```
   */
  compute(signal: Float32Array, firstStart: number, count: number): Float64Array {
    const samples = (count - 1) * this.hop + this.fftSize;
    const signalAt = this.dynamicStart;
    const sumsAt = align16(signalAt + samples * 4);
    const sumsLength = count * this.melBins;
    if (reserveMemory(this.exports.memory, sumsAt + sumsLength * 8)) {
      this.f32 = new Float32Array(this.exports.memory.buffer);
      this.f64 = new Float64Array(this.exports.memory.buffer);
    }
    this.f32.set(signal.subarray(firstStart, firstStart + samples), signalAt / 4);
    this.exports.melSums(signalAt, this.hop, count, sumsAt);
    return this.f64.subarray(sumsAt / 8, sumsAt / 8 + sumsLength);
  }

  /** The most frames one {@link compute} call takes. */
  static readonly batchFrames = BATCH_FRAMES;
}
