/**
 * A float64 FFT specialized for what the spectrogram needs: the low bins of one
 * windowed real frame read straight out of a longer signal.
 */
import { InvalidValueError } from '@refractor/core';

/**
 * Real-input FFT of a power-of-two length `size` (≥ 16) computed as a complex FFT of
 * length `half = size / 2` — even samples as real parts, odd samples as imaginary
 * parts — followed by one pass that separates the two (the classic "two-for-one" real FFT).
 * The complex FFT is decimation in time: a first pass that gathers each DFT-8's inputs
 * straight from the signal with the window applied (so there is no separate windowing
 * or bit-reversal pass), then radix-4 passes, and a radix-2 pass when the size needs one.
 *
 * Why not the fft.js package (measured, then dropped): on the 2-core target box its
 * `realTransform` took ~8.7 µs per 1024-point frame, no faster than its complex
 * `transform`; packing two frames per complex transform (then unpacking them) gave
 * ~8.8 ms per 10 s crop for the whole log-mel. With this transform the same log-mel
 * takes ~6.5–7.5 ms (best of repeated runs; see bench/features.bench.mjs). Accuracy is
 * that of any float64 radix-2/4 FFT (~1e-16 of the frame's energy), checked against a
 * direct DFT in the tests.
 *
 * Reentrancy: one instance holds one frame's scratch; use one instance per thread of work.
 *
 * @example
 * ```ts
 * const fft = new RealFft(1024);
 * const re = new Float64Array(513), im = new Float64Array(513);
 * fft.transform(signal, start, periodicHannWindow(1024), 513, re, im); // bins 0…512
 * ```
 */
export class RealFft {
  // `declare`: no emitted field initializers, so each field starts with its real value.
  // V8 then keeps precise field types (small ints, one typed-array map); fields that
  // start as `undefined` measured markedly slower in these loops.
  /** Real input length (a power of two ≥ 16). */
  declare readonly size: number;
  private declare readonly half: number;
  /** For DFT-8 block b: the index c of its first input z[c] (its inputs are z[c + r·half/8]). */
  private declare readonly blockSource: Int32Array;
  /**
   * Twiddles in the order the passes read them: for each radix-4 pass of length L,
   * (W^k, W^2k, W^3k) for k < L/4, then for a final radix-2 pass W^k for k < half/2;
   * W = e^(−2πi/L); interleaved re, im.
   */
  private declare readonly twiddles: Float64Array;
  /** e^(−2πik/size) for k ≤ half, interleaved re, im: separates the even/odd spectra. */
  private declare readonly splitTwiddles: Float64Array;
  private declare readonly re: Float64Array;
  private declare readonly im: Float64Array;
  /** A frame that overhangs the signal, reflect-padded: only the first and last frames use it. */
  private declare readonly edgeFrame: Float32Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 16 || (size & (size - 1)) !== 0) {
      throw new InvalidValueError('size', size, 'a power of two >= 16');
    }
    // `| 0` / `>>`: keep these small ints; a double-typed loop bound slows every loop.
    this.size = size | 0;
    const half = size >> 1;
    this.half = half;
    const bits = Math.round(Math.log2(half));
    const blocks = half >> 3;
    this.blockSource = new Int32Array(blocks);
    for (let b = 0; b < blocks; b++) this.blockSource[b] = reverseBits(b << 3, bits);

    const twiddles: number[] = [];
    const pushTwiddle = (numerator: number, length: number): void => {
      const angle = (-2 * Math.PI * numerator) / length;
      twiddles.push(Math.cos(angle), Math.sin(angle));
    };
    let length = 32;
    for (; length <= half; length <<= 2) {
      for (let k = 0; k < length / 4; k++) {
        pushTwiddle(k, length);
        pushTwiddle(2 * k, length);
        pushTwiddle(3 * k, length);
      }
    }
    if (length >> 2 < half) {
      for (let k = 0; k < half / 2; k++) pushTwiddle(k, half);
    }
    this.twiddles = Float64Array.from(twiddles);
    this.splitTwiddles = new Float64Array(2 * (half + 1));
    for (let k = 0; k <= half; k++) {
      const angle = (-2 * Math.PI * k) / size;
      this.splitTwiddles[2 * k] = Math.cos(angle);
      this.splitTwiddles[2 * k + 1] = Math.sin(angle);
    }
    this.re = new Float64Array(half);
    this.im = new Float64Array(half);
    this.edgeFrame = new Float32Array(size);
  }

  /**
   * The tables the transform reads, for a second implementation of the same operations
   * (simd-spectrogram.wat): each DFT-8 block's first sample (2 · its bit-reversed source), the
   * pass twiddles in reading order, and the split twiddles. Copies: the instance keeps its own.
   *
   * @example
   * ```ts
   * const { blockStarts, twiddles, splitTwiddles } = new RealFft(1024).tables();
   * ```
   */
  tables(): { blockStarts: Int32Array; twiddles: Float64Array; splitTwiddles: Float64Array } {
    return {
      blockStarts: this.blockSource.map((source) => 2 * source),
      twiddles: this.twiddles.slice(),
      splitTwiddles: this.splitTwiddles.slice(),
    };
  }

  /**
   * Bins `[0, bins)` (bins ≤ size/2 + 1) of the DFT of `frame[j] · window[j]`, where
   * `frame[j] = signal[reflect(start + j)]`: indices outside the signal are reflected
   * without repeating the edge sample (numpy's "reflect" padding). Convention:
   * X[k] = Σ x[j]·e^(−2πi·jk/size), as numpy's `rfft`.
   *
   * @example
   * ```ts
   * fft.transform(signal, t * hop - 512, window, 513, re, im);
   * ```
   */
  transform(
    signal: Float32Array,
    start: number,
    window: Float64Array,
    bins: number,
    outRe: Float64Array,
    outIm: Float64Array,
  ): void {
    this.forward(signal, start, window);
    const { re, im, splitTwiddles, half } = this;
    const mask = half - 1;
    for (let k = 0; k < bins; k++) {
      const a = k & mask;
      const m = (half - k) & mask;
      // E[k] = (Z[k] + conj Z[h−k]) / 2, O[k] = (Z[k] − conj Z[h−k]) / 2i, X[k] = E[k] + W^k·O[k]
      const zr = re[a]!, zi = im[a]!, cr = re[m]!, ci = -im[m]!;
      const er = 0.5 * (zr + cr), ei = 0.5 * (zi + ci);
      const or = 0.5 * (zi - ci), oi = -0.5 * (zr - cr);
      const wr = splitTwiddles[2 * k]!, wi = splitTwiddles[2 * k + 1]!;
      outRe[k] = er + (or * wr - oi * wi);
      outIm[k] = ei + (or * wi + oi * wr);
    }
  }

  /**
   * |X[k]|² for k < bins, of the same frame as {@link transform}, with the real and
   * imaginary parts rounded to float32 before squaring — what HF gets by storing its
   * float64 FFT in a numpy `complex64` array before `np.abs(...) ** 2`.
   *
   * @example
   * ```ts
   * fft.powerComplex64(signal, t * hop - 512, window, 299, power);
   * ```
   */
  powerComplex64(
    signal: Float32Array,
    start: number,
    window: Float64Array,
    bins: number,
    power: Float64Array,
  ): void {
    this.forward(signal, start, window);
    const { re, im, splitTwiddles, half } = this;
    const mask = half - 1;
    const fround = Math.fround;
    for (let k = 0; k < bins; k++) {
      const a = k & mask;
      const m = (half - k) & mask;
      const zr = re[a]!, zi = im[a]!, cr = re[m]!, ci = -im[m]!;
      const er = 0.5 * (zr + cr), ei = 0.5 * (zi + ci);
      const or = 0.5 * (zi - ci), oi = -0.5 * (zr - cr);
      const wr = splitTwiddles[2 * k]!, wi = splitTwiddles[2 * k + 1]!;
      const xr = fround(er + (or * wr - oi * wi));
      const xi = fround(ei + (or * wi + oi * wr));
      power[k] = xr * xr + xi * xi;
    }
  }

  /** Complex FFT of z[j] = x[2j] + i·x[2j+1] (x windowed) into `re`/`im`, natural order. */
  private forward(signal: Float32Array, start: number, window: Float64Array): void {
    if (start < 0 || start + this.size > signal.length) {
      this.fillEdgeFrame(signal, start);
      this.firstPass(this.edgeFrame, 0, window);
    } else {
      this.firstPass(signal, start, window);
    }
    this.radix4Passes();
  }

  /** numpy "reflect" padding: x[−i] = x[i], x[len−1+i] = x[len−1−i]. */
  private fillEdgeFrame(signal: Float32Array, start: number): void {
    const frame = this.edgeFrame;
    const last = signal.length - 1;
    for (let j = 0; j < frame.length; j++) {
      let index = start + j;
      if (index < 0) index = -index;
      else if (index > last) index = 2 * last - index;
      frame[j] = signal[index]!;
    }
  }

  /**
   * DIT passes of lengths 2, 4 and 8 at once: block b's output is the 8-point DFT of
   * y[r] = z[c + r·half/8] (c = blockSource[b]), read straight from the signal.
   */
  private firstPass(signal: Float32Array, start: number, window: Float64Array): void {
    const { re, im, blockSource } = this;
    const blocks = this.half >> 3;
    const step = this.half >> 2; // samples between y[r] and y[r+1]: 2 · half/8
    const h = Math.SQRT1_2;
    for (let b = 0; b < blocks; b++) {
      let w = 2 * blockSource[b]!;
      let s = start + w;
      const y0r = signal[s]! * window[w]!, y0i = signal[s + 1]! * window[w + 1]!;
      s += step; w += step;
      const y1r = signal[s]! * window[w]!, y1i = signal[s + 1]! * window[w + 1]!;
      s += step; w += step;
      const y2r = signal[s]! * window[w]!, y2i = signal[s + 1]! * window[w + 1]!;
      s += step; w += step;
      const y3r = signal[s]! * window[w]!, y3i = signal[s + 1]! * window[w + 1]!;
      s += step; w += step;
      const y4r = signal[s]! * window[w]!, y4i = signal[s + 1]! * window[w + 1]!;
      s += step; w += step;
      const y5r = signal[s]! * window[w]!, y5i = signal[s + 1]! * window[w + 1]!;
      s += step; w += step;
      const y6r = signal[s]! * window[w]!, y6i = signal[s + 1]! * window[w + 1]!;
      s += step; w += step;
      const y7r = signal[s]! * window[w]!, y7i = signal[s + 1]! * window[w + 1]!;

      // E = DFT4(y0, y2, y4, y6), O = DFT4(y1, y3, y5, y7)
      const a0r = y0r + y4r, a0i = y0i + y4i, a1r = y0r - y4r, a1i = y0i - y4i;
      const a2r = y2r + y6r, a2i = y2i + y6i, a3r = y2r - y6r, a3i = y2i - y6i;
      const e0r = a0r + a2r, e0i = a0i + a2i, e2r = a0r - a2r, e2i = a0i - a2i;
      const e1r = a1r + a3i, e1i = a1i - a3r, e3r = a1r - a3i, e3i = a1i + a3r;
      const b0r = y1r + y5r, b0i = y1i + y5i, b1r = y1r - y5r, b1i = y1i - y5i;
      const b2r = y3r + y7r, b2i = y3i + y7i, b3r = y3r - y7r, b3i = y3i - y7i;
      const o0r = b0r + b2r, o0i = b0i + b2i, o2r = b0r - b2r, o2i = b0i - b2i;
      const o1r = b1r + b3i, o1i = b1i - b3r, o3r = b1r - b3i, o3i = b1i + b3r;
      // O[m]·W8^m: W8 = (1 − i)/√2, W8² = −i, W8³ = −(1 + i)/√2
      const p1r = (o1r + o1i) * h, p1i = (o1i - o1r) * h;
      const p2r = o2i, p2i = -o2r;
      const p3r = (o3i - o3r) * h, p3i = -(o3r + o3i) * h;

      const o = b << 3;
      re[o] = e0r + o0r;
      im[o] = e0i + o0i;
      re[o + 1] = e1r + p1r;
      im[o + 1] = e1i + p1i;
      re[o + 2] = e2r + p2r;
      im[o + 2] = e2i + p2i;
      re[o + 3] = e3r + p3r;
      im[o + 3] = e3i + p3i;
      re[o + 4] = e0r - o0r;
      im[o + 4] = e0i - o0i;
      re[o + 5] = e1r - p1r;
      im[o + 5] = e1i - p1i;
      re[o + 6] = e2r - p2r;
      im[o + 6] = e2i - p2i;
      re[o + 7] = e3r - p3r;
      im[o + 7] = e3i - p3i;
    }
  }

  /**
   * The remaining DIT passes: radix-4 (two radix-2 levels per sweep over the arrays,
   * which in JS — memory-bound butterflies — is what makes it fast), then one radix-2
   * pass when log2(half) − 3 is odd.
   */
  private radix4Passes(): void {
    const { re, im, twiddles, half } = this;
    let length = 32;
    let table = 0;
    for (; length <= half; length <<= 2) {
      // A block of `length` holds four sub-DFTs of `quarter` points; in binary
      // bit-reversed order they are the residues 0, 2, 1, 3 (mod 4) of its sequence.
      const quarter = length >> 2;
      for (let k = 0; k < quarter; k++) {
        const t = table + 6 * k;
        const w1r = twiddles[t]!, w1i = twiddles[t + 1]!;
        const w2r = twiddles[t + 2]!, w2i = twiddles[t + 3]!;
        const w3r = twiddles[t + 4]!, w3i = twiddles[t + 5]!;
        for (let i0 = k; i0 < half; i0 += length) {
          const i1 = i0 + quarter, i2 = i1 + quarter, i3 = i2 + quarter;
          const ar = re[i0]!, ai = im[i0]!;
          const xr = re[i1]!, xi = im[i1]!; // residue 2: × W^2k
          const br = xr * w2r - xi * w2i, bi = xr * w2i + xi * w2r;
          const yr = re[i2]!, yi = im[i2]!; // residue 1: × W^k
          const cr = yr * w1r - yi * w1i, ci = yr * w1i + yi * w1r;
          const zr = re[i3]!, zi = im[i3]!; // residue 3: × W^3k
          const dr = zr * w3r - zi * w3i, di = zr * w3i + zi * w3r;
          const t0r = ar + br, t0i = ai + bi, t1r = ar - br, t1i = ai - bi;
          const t2r = cr + dr, t2i = ci + di, t3r = cr - dr, t3i = ci - di;
          re[i0] = t0r + t2r;
          im[i0] = t0i + t2i;
          re[i2] = t0r - t2r;
          im[i2] = t0i - t2i;
          re[i1] = t1r + t3i;
          im[i1] = t1i - t3r;
          re[i3] = t1r - t3i;
          im[i3] = t1i + t3r;
        }
      }
      table += 6 * quarter;
    }
    if (length >> 2 < half) {
      // X[k] = A[k] + W^k·B[k], X[k + half/2] = A[k] − W^k·B[k]
      const span = half >> 1;
      for (let k = 0; k < span; k++) {
        const wr = twiddles[table + 2 * k]!, wi = twiddles[table + 2 * k + 1]!;
        const br = re[k + span]!, bi = im[k + span]!;
        const tr = br * wr - bi * wi, ti = br * wi + bi * wr;
        const ar = re[k]!, ai = im[k]!;
        re[k] = ar + tr;
        im[k] = ai + ti;
        re[k + span] = ar - tr;
        im[k + span] = ai - ti;
      }
    }
  }
}

/** `value`'s lowest `bits` bits in reverse order. */
function reverseBits(value: number, bits: number): number {
  let reversed = 0;
  for (let b = 0; b < bits; b++) reversed |= ((value >>> b) & 1) << (bits - 1 - b);
  return reversed;
}
