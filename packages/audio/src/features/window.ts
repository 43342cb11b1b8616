/**
 * The analysis window of HF's `window_function(n, "hann")`: a periodic Hann window.
 */

/**
 * Periodic Hann window of `length` samples, in float64, computed the way numpy does
 * (`np.hanning(length + 1)[:-1]`, i.e. `0.5 + 0.5·cos(π·m / length)` for
 * m = −length, −length + 2, …) so the values match HF's to the last bit or two.
 *
 * @example
 * ```ts
 * const w = periodicHannWindow(1024);
 * w[0];   // 0
 * w[512]; // 1
 * ```
 */
export function periodicHannWindow(length: number): Float64Array {
  const window = new Float64Array(length);
  for (let k = 0; k < length; k++) {
    const m = 2 * k - length;
    window[k] = 0.5 + 0.5 * Math.cos((Math.PI * m) / length);
  }
  return window;
}
