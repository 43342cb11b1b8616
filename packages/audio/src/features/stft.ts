/**
 * Power spectrogram frames as HF's `audio_utils.spectrogram(..., power=2.0)` computes
 * them: centered frames (reflect padding of fft_size/2 at both ends), periodic Hann
 * window, float64 FFT, complex64 storage, |X|².
 */
import { InvalidValueError } from '@refractor/core';
import { RealFft } from './real-fft.js';
import { periodicHannWindow } from './window.js';

/**
 * STFT power spectra of a mono signal, one frame at a time, into caller buffers.
 * Scratch is allocated once; no allocation per frame.
 *
 * Numerics, and why they match HF to ~1e-6 dB:
 * - Samples are float32 (as HF's are when given a float32 array) and are widened to
 *   float64 before windowing, as HF does (`waveform.astype(np.float64)`).
 * - The FFT is float64 ({@link RealFft}). A float32 FFT would not do: its round-off
 *   (~1e-7 of the frame's peak) swamps the quiet high bands just above the −100 dB floor.
 * - HF stores the FFT in a `complex64` array before taking |X|², so real and imaginary
 *   parts are rounded to float32. We round them the same way (`Math.fround`) so our
 *   powers carry the same rounding.
 *
 * @example
 * ```ts
 * const stft = new PowerSpectrogram(1024, 480, 513);
 * const power = new Float64Array(513);
 * stft.frame(signal, 10, power); // |X|² of frame 10 (centered on sample 4800)
 * ```
 */
export class PowerSpectrogram {
  /** FFT length = frame length = window length. */
  declare readonly fftSize: number;
  /** Samples between frames. */
  declare readonly hopLength: number;
  /** Bins computed per frame: `[0, numBins)`, at most `fftSize / 2 + 1`. */
  declare readonly numBins: number;

  // `declare`: no emitted field initializers, so V8 types each field by its real first
  // value (see RealFft); fields that start out `undefined` measured slower hot loops.
  private declare readonly fft: RealFft;
  private declare readonly window: Float64Array;

  /**
   * @param fftSize - frame length, a power of two ≥ 16
   * @param hopLength - samples between frame starts
   * @param numBins - how many low bins to compute (default all `fftSize / 2 + 1`);
   *   pass the mel bank's `binLimit` to skip bins no filter reads
   */
  constructor(fftSize: number, hopLength: number, numBins: number = fftSize / 2 + 1) {
    if (!Number.isInteger(fftSize) || fftSize < 16 || (fftSize & (fftSize - 1)) !== 0) {
      throw new InvalidValueError('fftSize', fftSize, 'a power of two >= 16');
    }
    if (!Number.isInteger(hopLength) || hopLength <= 0) {
      throw new InvalidValueError('hopLength', hopLength, 'a positive integer');
    }
    if (!Number.isInteger(numBins) || numBins < 1 || numBins > fftSize / 2 + 1) {
      throw new InvalidValueError('numBins', numBins, `an integer in [1, ${fftSize / 2 + 1}]`);
    }
    // `| 0`: keep these small-int fields, so V8 uses integer loop bounds and indices.
    this.fftSize = fftSize | 0;
    this.hopLength = hopLength | 0;
    this.numBins = numBins | 0;
    this.fft = new RealFft(fftSize);
    this.window = periodicHannWindow(fftSize);
  }

  /**
   * Frames for a signal of `length` samples: `1 + floor(length / hop)` (HF's count after
   * padding `fftSize / 2` on both sides), e.g. 1001 for 480 000 samples at hop 480.
   *
   * @example
   * ```ts
   * new PowerSpectrogram(1024, 480).frameCount(480_000); // 1001
   * ```
   */
  frameCount(length: number): number {
    return 1 + Math.floor(length / this.hopLength);
  }

  /**
   * Throws unless `length` samples can be reflect-padded by `fftSize / 2`
   * (numpy would reflect repeatedly; HF never gets there since it pads to a full crop first).
   *
   * @example
   * ```ts
   * stft.assertSignalLength(signal.length);
   * ```
   */
  assertSignalLength(length: number, field = 'signal.length'): void {
    const half = this.fftSize / 2;
    if (!Number.isInteger(length) || length <= half) {
      throw new InvalidValueError(field, length, `more than fftSize / 2 = ${half} samples`);
    }
  }

  /**
   * Power spectrum of frame `frameIndex` into `power[0 … numBins)`. Frame `t` covers
   * padded samples `[t·hop, t·hop + fftSize)`, i.e. signal samples `[t·hop − fftSize/2, …)`,
   * reflected (without repeating the edge) where out of range.
   *
   * @example
   * ```ts
   * for (let t = 0; t < stft.frameCount(signal.length); t++) stft.frame(signal, t, power);
   * ```
   */
  frame(signal: Float32Array, frameIndex: number, power: Float64Array): void {
    // The complex64 rounding of X (see the class notes) happens inside powerComplex64.
    const start = frameIndex * this.hopLength - (this.fftSize >> 1);
    this.fft.powerComplex64(signal, start, this.window, this.numBins, power);
  }
}
