/**
 * Power spectrogram frames as HF's `audio_utils.spectrogram(..., power=2.0)` computes
 * them: centered frames (reflect padding of fft_size/2 at both ends), periodic Hann
 * window, float64 FFT, complex64 storage, |X|².
 */
import FFT from 'fft.js';
import { InvalidValueError } from '@refractor/core';
import { periodicHannWindow } from './window.js';

/**
 * STFT power spectra of a mono signal, one or two frames at a time, into caller buffers.
 * Scratch is allocated once; no allocation per frame.
 *
 * Numerics, and why they match HF to ~1e-6 dB:
 * - Samples are float32 (as HF's are when given a float32 array) and are widened to
 *   float64 before windowing, as HF does (`waveform.astype(np.float64)`).
 * - The FFT is float64. A float32 FFT would not do: its round-off (~1e-7 of the frame's
 *   peak) swamps the quiet high bands that sit just above the −100 dB floor.
 * - HF stores the FFT in a `complex64` array before taking |X|², so real and imaginary
 *   parts are rounded to float32. We round them the same way (`Math.fround`) so our
 *   powers carry the same rounding.
 *
 * Speed: fft.js's `realTransform` measured ~8.7 µs per 1024-point frame here, the same
 * as its complex `transform` — which can carry TWO real frames at once (one as the real
 * part, one as the imaginary part) and split them by conjugate symmetry, ~4.2 µs per
 * pair. So frames are transformed in pairs. The split costs a few ulps of the louder
 * frame's peak in the quieter one (~1e-13 absolute at full scale), far below the 1e-10
 * power floor.
 *
 * @example
 * ```ts
 * const stft = new PowerSpectrogram(1024, 480, 513);
 * const a = new Float64Array(513), b = new Float64Array(513);
 * stft.framePair(signal, 10, a, b); // frames 10 and 11
 * ```
 */
export class PowerSpectrogram {
  /** FFT length = frame length = window length. */
  readonly fftSize: number;
  /** Samples between frames. */
  readonly hopLength: number;
  /** Bins computed per frame: `[0, numBins)`, at most `fftSize / 2 + 1`. */
  readonly numBins: number;

  private readonly fft: FFT;
  private readonly window: Float64Array;
  private readonly packed: Float64Array;
  private readonly spectrum: Float64Array;

  /**
   * @param fftSize - frame length, a power of two
   * @param hopLength - samples between frame starts
   * @param numBins - how many low bins to compute (default all `fftSize / 2 + 1`);
   *   pass the mel bank's `binLimit` to skip bins no filter reads
   */
  constructor(fftSize: number, hopLength: number, numBins: number = fftSize / 2 + 1) {
    if (!Number.isInteger(fftSize) || fftSize < 2 || (fftSize & (fftSize - 1)) !== 0) {
      throw new InvalidValueError('fftSize', fftSize, 'a power of two >= 2');
    }
    if (!Number.isInteger(hopLength) || hopLength <= 0) {
      throw new InvalidValueError('hopLength', hopLength, 'a positive integer');
    }
    if (!Number.isInteger(numBins) || numBins < 1 || numBins > fftSize / 2 + 1) {
      throw new InvalidValueError('numBins', numBins, `an integer in [1, ${fftSize / 2 + 1}]`);
    }
    this.fftSize = fftSize;
    this.hopLength = hopLength;
    this.numBins = numBins;
    this.fft = new FFT(fftSize);
    this.window = periodicHannWindow(fftSize);
    this.packed = new Float64Array(2 * fftSize);
    this.spectrum = new Float64Array(2 * fftSize);
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
   */
  assertSignalLength(length: number, field = 'signal.length'): void {
    const half = this.fftSize / 2;
    if (!Number.isInteger(length) || length <= half) {
      throw new InvalidValueError(field, length, `more than fftSize / 2 = ${half} samples`);
    }
  }

  /**
   * Power spectrum of one frame into `power[0 … numBins)`.
   *
   * @example
   * ```ts
   * stft.frame(signal, 0, power);
   * ```
   */
  frame(signal: Float32Array, frameIndex: number, power: Float64Array): void {
    this.framePair(signal, frameIndex, power, null);
  }

  /**
   * Power spectra of frames `frameIndex` (into `powerA`) and `frameIndex + 1` (into
   * `powerB`, when given) with one complex FFT. Both buffers need `numBins` entries.
   * Frame `t` covers padded samples `[t·hop, t·hop + fftSize)`, i.e. signal samples
   * `[t·hop − fftSize/2, …)`, reflected (without repeating the edge) where out of range.
   *
   * @example
   * ```ts
   * for (let t = 0; t + 1 < frames; t += 2) stft.framePair(signal, t, a, b);
   * ```
   */
  framePair(
    signal: Float32Array,
    frameIndex: number,
    powerA: Float64Array,
    powerB: Float64Array | null,
  ): void {
    const n = this.fftSize;
    const packed = this.packed;
    this.loadWindowed(signal, frameIndex, 0);
    if (powerB) {
      this.loadWindowed(signal, frameIndex + 1, 1);
    } else {
      for (let j = 1; j < 2 * n; j += 2) packed[j] = 0;
    }
    this.fft.transform(this.spectrum, packed);

    // Z = FFT(a + i·b) ⇒ A[k] = (Z[k] + conj Z[n−k]) / 2, B[k] = (Z[k] − conj Z[n−k]) / 2i.
    const z = this.spectrum;
    const fround = Math.fround;
    const bins = this.numBins;
    const mask = n - 1;
    for (let k = 0; k < bins; k++) {
      const mirror = (n - k) & mask;
      const zr = z[2 * k]!;
      const zi = z[2 * k + 1]!;
      const wr = z[2 * mirror]!;
      const wi = z[2 * mirror + 1]!;
      // fround: HF keeps the spectrum as complex64 (float32 parts) before |X|².
      const ar = fround((zr + wr) * 0.5);
      const ai = fround((zi - wi) * 0.5);
      powerA[k] = ar * ar + ai * ai;
      if (powerB) {
        const br = fround((zi + wi) * 0.5);
        const bi = fround((wr - zr) * 0.5);
        powerB[k] = br * br + bi * bi;
      }
    }
  }

  /** Windowed frame into the real (`lane` 0) or imaginary (`lane` 1) slots of `packed`. */
  private loadWindowed(signal: Float32Array, frameIndex: number, lane: 0 | 1): void {
    const n = this.fftSize;
    const length = signal.length;
    const window = this.window;
    const packed = this.packed;
    const first = frameIndex * this.hopLength - n / 2;
    if (first >= 0 && first + n <= length) {
      for (let j = 0; j < n; j++) packed[2 * j + lane] = signal[first + j]! * window[j]!;
      return;
    }
    // Edge frames: numpy's "reflect" padding, x[−i] = x[i], x[len−1+i] = x[len−1−i].
    const last = length - 1;
    for (let j = 0; j < n; j++) {
      let index = first + j;
      if (index < 0) index = -index;
      else if (index > last) index = 2 * last - index;
      packed[2 * j + lane] = signal[index]! * window[j]!;
    }
  }
}
